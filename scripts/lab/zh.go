package main

// zh holds the Chinese text of the runner's own messages, keyed by the
// English format string; the format verbs stay in the same order. A
// message without an entry stays English: verify, doctor and load speak
// to maintainers and CI logs, and their output is pasted into bug reports.
// trkeys_test.go checks that every message of the learner's commands has
// an entry here and that no entry is left over.
var zh = map[string]string{
	// usage and mistakes on the command line
	"usage: go run ./scripts/lab [command] [--no-color]":                        "用法：go run ./scripts/lab [命令] [--no-color]",
	"\nWith no command: the progress of every lab and the next command to run.": "\n不带命令时：显示每个实验（lab）的进度，以及下一步该运行的命令。",
	"\ncommands:": "\n命令：",
	"\nflags:":    "\n参数（flags）：",
	"\nA lab is its id (ch01-overview/userservice) or, when unique, its last part (userservice).": "\n实验用它的 id 指定（ch01-overview/userservice），不会混淆时也可以只写最后一段（userservice）。",
	"Colour is used on a terminal unless NO_COLOR is set or --no-color is given.":                 "在终端里输出带颜色，除非设置了 NO_COLOR 或加了 --no-color。",
	"Chinese: LAB_LANG=zh (or a zh_* locale); LAB_LANG=en keeps English.":                         "中文：LAB_LANG=zh（或 zh_* 的 locale）；LAB_LANG=en 则一直用英文。",
	"Run 'go run ./scripts/lab <command> -h' for a command's flags.":                              "运行 'go run ./scripts/lab <命令> -h' 查看某个命令的参数。",
	"usage: go run ./scripts/lab %s %s\n\n%s\n":                                                   "用法：go run ./scripts/lab %s %s\n\n%s\n",
	"lab: %s\nrun 'go run ./scripts/lab -h' for usage\n":                                          "lab：%s\n运行 'go run ./scripts/lab -h' 查看用法\n",
	"lab: interrupted\n": "lab：已中断\n",
	"unknown command %q; did you mean %q?\ncommands: %s":                   "没有 %q 这个命令；你是不是想输入 %q？\n可用命令：%s",
	"unknown command %q\ncommands: %s":                                     "没有 %q 这个命令\n可用命令：%s",
	"unknown lab %q; did you mean %q?\nlabs: %s":                           "没有 %q 这个实验；你是不是想输入 %q？\n所有实验：%s",
	"unknown lab %q\nlabs: %s":                                             "没有 %q 这个实验\n所有实验：%s",
	"lab %q is ambiguous: it could be %s; type the full id":                "实验名 %q 有歧义：可能是 %s；请输入完整的 id",
	"%s: missing argument (which lab? e.g. `%s userservice`)":              "%s：缺少参数（哪个实验？例如 `%s userservice`）",
	"%s: unexpected argument %q":                                           "%s：多余的参数 %q",
	"%s has no backup %q; it has: %s":                                      "%s 没有名为 %q 的备份；现有的备份：%s",
	"catchup: the step is a number from 1 to %d (the steps of %s), not %q": "catchup：步骤要写 1 到 %d 之间的数字（%s 的步骤），而不是 %q",
	"this repository has no labs yet":                                      "这个仓库里还没有实验",

	// the command list
	"every lab's progress and the next command (the default)":                                                "每个实验的进度和下一步命令（默认）",
	"run a lab's exercise tests, one line per step":                                                          "运行某个实验的练习（exercise）测试，每个步骤一行",
	"run check again whenever a .go file in the lab changes":                                                 "实验里的 .go 文件一有改动就重新运行 check",
	"an interview drill against the clock: the question, the budget, check on every save":                    "限时面试练习（drill）：题目、时限，每次保存都运行 check",
	"show the next hint (--all: every hint revealed so far)":                                                 "显示下一条提示（--all：显示已看过的全部提示）",
	"compare your exercise with the solution":                                                                "把你的练习和参考答案（solution）对比",
	"back up your exercise, then restore it to the committed version":                                        "先备份你的练习，再把它恢复成提交时的版本",
	"undo a reset or catchup: bring back your last backed-up exercise (-list: all backups)":                  "撤销 reset 或 catchup：找回最近一次备份的练习（-list：列出所有备份）",
	"give your exercise the solution's code for steps 1..N, keeping the rest of your work":                   "用参考答案补齐第 1 到 N 步的代码，你其余的代码保持不变",
	"check that Go, cgo (for -race), the module cache, ports and git are ready":                              "检查 Go、cgo（-race 需要）、模块缓存、端口和 git 是否就绪",
	"what CI runs: vet, solutions with -race, exercises in CI mode, the TODO rule, catchup, guides, codegen": "CI 运行的全部检查：vet、带 -race 的参考答案、CI 模式下的练习、TODO 规则、catchup、文档、代码生成",
	"run a command while every core is kept busy (does anything flake under load?)":                          "在所有 CPU 核都被占满时运行一个命令（负载下会不会不稳定？）",

	// help texts and flags of the learner's commands
	"Show every lab's progress and the next command to run. A lab whose files\n" +
		"are unchanged since its last result answers from it; a changed one runs\n" +
		"again (without -race) when that takes a few seconds, else its last result\n" +
		"is shown marked stale. A lab never run whose exercise is as committed is\n" +
		"not started, with nothing to run.": "显示每个实验的进度和下一步该运行的命令。文件自上次结果以来没变的实验，\n" +
		"直接用上次的结果；有改动的实验，如果几秒内能跑完就重新运行（不带 -race），\n" +
		"否则显示上次的结果并标为过期（stale）。从没运行过、练习也和提交时一样的实验\n" +
		"算作未开始，不需要运行。",
	"run every lab again now, however long it takes": "现在重新运行所有实验，不管要多久",
	"Run the lab's exercise tests and show one line per step, the first\n" +
		"unfinished step in full, and the command that reproduces it. Without a\n" +
		"lab, the lab you are on. When nothing the result depends on changed since\n" +
		"the last check, it answers from that result at once (-fresh runs anyway).\n" +
		"Exits 0 once it has shown the result, done or not; with -exit-code, 1\n" +
		"unless every step is done (for scripts).": "运行实验的练习测试：每个步骤一行，第一个没完成的步骤给出完整输出，\n" +
		"并给出能复现它的命令。不指定实验时，就是你正在做的那个。如果结果依赖的东西\n" +
		"自上次检查以来都没变，就立刻用上次的结果回答（-fresh 则照样运行）。\n" +
		"显示结果后退出码为 0，无论是否完成；加 -exit-code 时，除非所有步骤都完成，\n" +
		"否则退出码为 1（给脚本用）。",
	"run the tests even when nothing changed since the last check":                                                                                              "即使自上次检查以来什么都没变，也运行测试",
	"exit 1 unless every step is done":                                                                                                                          "除非所有步骤都完成，否则以 1 退出",
	"Run check now and again whenever a .go file in the lab changes\n(polling, every 500 ms). Stop with Ctrl-C.":                                                "现在运行 check，之后实验里的 .go 文件一有改动就再运行一次\n（每 500 毫秒轮询一次）。按 Ctrl-C 停止。",
	"Show the next hint for a lab, preferring hints for the first unfinished\nstep of your last check. With --all, show every hint revealed so far.":            "显示实验的下一条提示，优先给上次检查中第一个没完成的步骤的提示。\n加 --all 时，显示已经看过的全部提示。",
	"show every hint revealed so far instead of a new one":                                                                                                      "显示已经看过的全部提示，而不是给一条新的",
	"Show a unified diff of your exercise/*.go against solution/*.go, per file\n(test files and the package clause left out).":                                  "按文件显示你的 exercise/*.go 与 solution/*.go 的统一格式差异（unified diff）\n（不含测试文件和 package 语句）。",
	"Copy your exercise to .lab/backup/<lab>/<time>/, then restore exercise/ to\nthe committed version (git checkout HEAD) and remove files git does not know.": "把你的练习复制到 .lab/backup/<lab>/<时间>/，再把 exercise/ 恢复成提交时的版本\n（git checkout HEAD），并删除 git 不认识的文件。",
	"Bring back a backed-up exercise (the newest, or the one named), undoing\n" +
		"a reset. Your current exercise is backed up first, so a restore can be\n" +
		"undone the same way.": "找回一份备份的练习（最新的，或指定名字的那份），从而撤销 reset。\n" +
		"你当前的练习会先被备份，所以 restore 本身也可以用同样的方式撤销。",
	"list the lab's backups instead, newest last": "改为列出这个实验的所有备份，最新的在最后",
	"Bring your exercise to \"steps 1..N done\": each function that the README's\n" +
		"steps 1 to N list on their Code: lines gets the solution's code; every\n" +
		"other function stays as you wrote it. Your exercise is backed up first\n" +
		"(restore undoes it), and check runs at the end.": "把你的练习补到“第 1 到 N 步已完成”：README 第 1 到 N 步的 Code: 行列出的\n" +
		"每个函数，都换成参考答案的代码；其余的函数保持你写的样子。\n" +
		"你的练习会先被备份（restore 可以撤销），最后会运行 check。",
	"Time yourself on an interview drill (a lab of ch05-interview): the question and\n" +
		"the time budget from its README, then the suite on every save, as watch\n" +
		"does, until every step passes or the time is up. Without a lab, a drill\n" +
		"you have not done yet. Ctrl-C stops watching but not the clock: run drill\n" +
		"again to resume. Any other lab can be timed the same way, for practice.": "给一道面试题限时练习（ch05-interview 里的实验）：先显示 README 里的题目和时限，\n" +
		"然后像 watch 一样，每次保存都运行测试套件（suite），直到所有步骤通过或时间用完。\n" +
		"不指定实验时，选一道你还没做完的。Ctrl-C 只停止监视，不停表：\n" +
		"再运行 drill 就能接着做。其他任何实验也可以这样计时，当作练习。",
	"start afresh: back up your exercise (restore brings it back), restore the committed one, and start a new clock": "重新开始：备份你的练习（restore 可以找回），恢复提交时的版本，重新开始计时",

	// check
	"%s README problems (tell the lab's author):\n%s\n": "%s README 有问题（请告诉实验的作者）：\n%s\n",
	"warning:":                                 "警告：",
	" (not run)":                               "（未运行）",
	"\ngo test reported nothing for %s\n":      "\ngo test 没有报告 %s 的任何结果\n",
	"\n%s all steps done. next: %s\n":          "\n%s 所有步骤都已完成。下一步：%s\n",
	"also:":                                    "另外：",
	"\nreproduce: %s\n":                        "\n复现：%s\n",
	"✗ the exercise does not build:":           "✗ 练习无法构建（build）：",
	"other tests":                              "其他测试",
	"other tests (not listed in README Steps)": "其他测试（README 的 Steps 里没有列出）",
	"step %d":                                  "第 %d 步",
	"%s fails too (%s)":                        "%s 也失败了（%s）",
	"✗ %s failed (%s: %s):":                    "✗ %s 失败（%s：%s）：",
	"next (%s): %s":                            "下一步（%s）：%s",
	"the exercise did not pass:":               "练习没有通过：",
	"note: running without -race: ":            "注意：这次运行没有带 -race（竞态检测）：",
	"(unchanged since the check at %s; -fresh runs it again)": "（自 %s 的检查以来没有变化；-fresh 可以重新运行）",
	"build failed": "构建失败",
	"goroutine leak (goleak, after all tests)": "goroutine 泄漏（goleak，在所有测试之后）",
	"data race outside any test":               "数据竞争（data race），不在任何测试里",
	"panic outside any test":                   "panic，不在任何测试里",
	"the test binary crashed (go test put the trace in a test that had finished)": "测试程序崩溃了（go test 把堆栈记在了一个已经结束的测试下）",
	"package failed": "包测试失败",

	// progress
	"no labs yet: no ch*/ directory holds a lab with exercise/ and solution/.": "还没有实验：没有哪个 ch*/ 目录里有同时带 exercise/ 和 solution/ 的实验。",
	"%s %s: shown from the last run (%s).\n":                                   "%s %s：显示的是上次运行的结果（%s）。\n",
	"stale:":                                                                   "过期：",
	"the Go release, the environment or the dependencies changed":              "Go 版本、环境或依赖变了",
	"its files changed":                                                        "它的文件变了",
	"  %s re-runs them now; check re-runs one.\n":                              "  %s 会立刻重新运行它们；check 只重新运行一个。\n",
	"every lab is done. next: %s\n":                                            "所有实验都完成了。下一步：%s\n",
	"next: %s\n":                                                               "下一步：%s\n",
	"(%d/%d tests passing)":                                                    "（%d/%d 个测试通过）",
	"(as committed, not run yet)":                                              "（和提交时一样，还没运行过）",
	"(%d/%d tests passing, stale)":                                             "（%d/%d 个测试通过，已过期）",
	"  %-*s  %s  %d/%d steps  %s\n":                                            "  %-*s  %s  %d/%d 步  %s\n",
	"done":                                                                     "已完成",
	"in progress":                                                              "进行中",
	"not started":                                                              "未开始",
	"build fails":                                                              "构建失败",

	// status line (stderr)
	"%d labs":      "%d 个实验",
	" with -race":  "（带 -race）",
	"testing %s%s": "正在测试 %s%s",
	"building %s%s (first run only: a few minutes on 2 cores), then %s": "正在构建 %s%s（只有第一次：2 核机器上要几分钟），然后%s",
	"%s %s (%d of %d labs done)":                                        "%s %s（%d/%d 个实验已完成）",

	// watch
	"\nstopped watching.":                     "\n已停止监视。",
	"watching %s for changes; Ctrl-C to stop": "正在监视 %s 的改动；按 Ctrl-C 停止",

	// hint
	"no hints for %s: %v": "%s 没有提示：%v",
	"the README of %s has no hints (a \"## Hints\" section with <details> blocks)":                                "%s 的 README 里没有提示（带 <details> 块的 \"## Hints\" 小节）",
	"no hints revealed yet for %s; run `go run ./scripts/lab hint %s` for the first.\n":                           "%s 还没有看过任何提示；运行 `go run ./scripts/lab hint %s` 看第一条。\n",
	"all %d hints for %s are revealed: `hint %s --all` shows them again, `diff %s` compares with the solution.\n": "%d 条提示都看过了（%s）：`hint %s --all` 再显示一遍，`diff %s` 和参考答案对比。\n",
	"(%d more; run hint again for the next)":                                                                      "（还有 %d 条；再运行 hint 看下一条）",
	"Hint %d of %d · %s":                                                                                          "提示 %d/%d · %s",
	"(%s has no Chinese guide yet (%s): the hints are in English.)":                                               "（%s 还没有中文版说明（%s），下面的提示是英文的。）",

	// diff, reset, restore
	"%s: your exercise matches the solution.\n":        "%s：你的练习和参考答案一致。\n",
	"your previous exercise is saved in %s\n":          "你之前的练习已保存在 %s\n",
	"%s restored to the committed version. undo: %s\n": "%s 已恢复成提交时的版本。撤销：%s\n",
	"%s has no backups in %s (reset makes one)":        "%s 在 %s 里没有备份（reset 会生成一份）",
	"%w, so nothing was restored":                      "%w，所以什么都没有恢复",
	"your current exercise is saved in %s\n":           "你当前的练习已保存在 %s\n",
	"%s/exercise restored from %s\n":                   "%s/exercise 已从 %s 恢复\n",

	// catchup
	"cannot catch %s up: %v (nothing was changed)":     "无法补齐 %s：%v（什么都没有改）",
	"%w, so nothing was changed":                       "%w，所以什么都没有改",
	"your exercise is saved in %s\n":                   "你的练习已保存在 %s\n",
	"writing %s: %w (undo with restore)":               "写入 %s 时出错：%w（可以用 restore 撤销）",
	"undo: %s\n\n":                                     "撤销：%s\n\n",
	"%s caught up to step %d: the solution's code for": "%s 已补到第 %d 步，换成了参考答案代码的有：",
	"nothing to write: it checks the steps before it":  "不用写代码：这一步检查前面几步合起来的效果",
	"  and the solution's helpers they use: %s\n":      "  以及它们用到的参考答案里的辅助函数：%s\n",
	"every other function is as you left it.\n":        "其余的函数都保持你原来的样子。\n",

	// drill
	"%s has no time budget: its README has no \"Time: about N minutes\" line":                                                                  "%s 没有时限：它的 README 里没有 \"Time: about N minutes\" 这一行",
	"your %s exercise has changes, and a drill starts from the committed one:\n  %s backs yours up and starts afresh (restore brings it back)": "你的 %s 练习有改动，而限时练习要从提交时的版本开始：\n  %s 会备份你的代码并重新开始（restore 可以找回）",
	"drill %s · %s of %s": "限时练习 %s · 已用 %s / %s",
	"paused: the clock keeps running (%s of %s used). resume: %s\n":     "已暂停：但表还在走（已用 %s / %s）。继续：%s\n",
	"(%s is a lab, not an interview drill: timed anyway, for practice)": "（%s 是普通实验，不是面试题：照样计时，当作练习）",
	"Drill: %s, %d minutes": "限时练习：%s，%d 分钟",
	"clock started at %s":   "%s 开始计时",
	" (resumed: %s used)":   "（继续：已用 %s）",
	"Steps and hints: %s/README.md. Edit %s/exercise/: the suite runs on every save.": "步骤和提示：%s/README.zh-CN.md。修改 %s/exercise/：每次保存都会运行测试套件。",
	"%s. %s\n": "%s。%s\n",
	"Ctrl-C stops watching; the clock runs on until you are done or the time is up.": "Ctrl-C 只停止监视；表会一直走，直到你做完或时间用完。",
	"%s done in %s (budget %s), %d/%d steps.":                                        "%s 完成，用时 %s（时限 %s），%d/%d 步。",
	"time is up: %s, %d/%d steps done in %s.":                                        "时间到：%[1]s，%[4]s 内完成了 %[2]d/%[3]d 步。",
	"best time: %s (%s)\n":                                                           "最好成绩：%s（%s）\n",
	"model answer: %s/solution/ and the Explanation in %s/README.md\n":               "参考答案：%s/solution/，以及 %s/README.md 里的 Explanation 一节\n",
	"compare: %s   again: %s\n":                                                      "对比：%s   再来一次：%s\n",
	"every drill is done; your best times:":                                          "所有面试题都做完了；你的最好成绩：",
	"again: %s\n":                                                                    "再来一次：%s\n",
	"drill running: %s of %d min":                                                    "限时练习进行中：已用 %s / %d 分钟",
	"drill best %s of %d min":                                                        "限时练习最好成绩 %s / %d 分钟",

	// the room view (room.go)
	"a workshop's room view: serve it (instructor), join it (attendee)":                             "工作坊的教室视图（room view）：讲师用 serve 开启，学员用 join 加入",
	"room: which? %s (e.g. `room serve` for the instructor, `room join ADDR CODE` for an attendee)": "room：要哪个子命令？%s（例如讲师用 `room serve`，学员用 `room join ADDR CODE`）",
	"%s\nsubcommands: %s": "%s\n子命令：%s",
	"Serve the room view: a page to project, showing live which step of the\ncurrent lab each attendee is on, who is stuck and the most common\nfailing test. It prints the page's address and a join code for the\nattendees. Loopback by default; -addr 0.0.0.0:7077 serves the room's\nnetwork. Attendees are kept in memory only. Ctrl-C stops it.": "开启教室视图：一个用来投屏的页面，实时显示每位学员做到当前实验的第几步、\n谁卡住了，以及最常失败的测试。它会打印页面地址和给学员的加入码（join code）。\n默认只监听本机回环地址；-addr 0.0.0.0:7077 则对整个教室的网络开放。\n学员信息只保存在内存里。按 Ctrl-C 停止。",
	"room serve -code: %v":            "room serve -code：%v",
	"room serve -max: want 1 or more": "room serve -max：至少要是 1",
	"Join the instructor's room: from now on each check, watch and drill sends\nyour name, the lab and each step's status (done, to do, failing) and the\nfailing test's name to it. Nothing else leaves your machine: no code, no\ntest output, no file names. 'room leave' stops it.": "加入讲师的教室：此后每次 check、watch 和 drill 都会把你的名字、实验、\n每个步骤的状态（已完成、待完成、失败）以及失败测试的名字发给它。\n除此之外什么都不会离开你的电脑：没有代码、没有测试输出、没有文件名。\n用 'room leave' 停止上报。",
	"room join: want ADDR CODE, as the instructor's room serve printed them": "room join：需要 ADDR CODE 两个参数，照讲师的 room serve 打印出来的填写",
	"room join: %v": "room join：%v",
	"Leave the room: stop reporting, and ask the room to forget you.":            "离开教室：停止上报，并请教室把你的记录删掉。",
	"Say whether this checkout reports to a room, and how the last report went.": "显示这份代码是否在向某个教室上报，以及上一次上报的结果。",
}
