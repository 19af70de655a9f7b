// Command lab is the course's lab runner. It wraps `go test -json` and
// speaks in labs and README steps instead of packages, so a learner sees
// "step 2: TODO" rather than a wall of test output. Run it from anywhere
// inside the repository:
//
//	go run ./scripts/lab                  # progress of every lab, and what to do next
//	go run ./scripts/lab check [lab]      # one line per step, the first unfinished one in full
//	go run ./scripts/lab watch [lab]      # check again on every save
//	go run ./scripts/lab drill [lab]      # an interview drill against the clock
//	go run ./scripts/lab hint <lab>       # the next hint (--all: the ones seen so far)
//	go run ./scripts/lab diff <lab>       # your exercise against the solution
//	go run ./scripts/lab reset <lab>      # back up the exercise, then restore it
//	go run ./scripts/lab restore <lab>    # undo the reset: bring the backup back
//	go run ./scripts/lab catchup <lab> N  # the solution's code for steps 1..N, the rest of your work kept
//	go run ./scripts/lab doctor           # is this machine ready? (paste its block when asking for help)
//	go run ./scripts/lab verify           # what CI runs: vet, solutions, exercises, TODO rule, catchup, guides, codegen
//	go run ./scripts/lab load -- <cmd>    # run cmd with every core kept busy
//	go run ./scripts/lab room serve       # a workshop's room view (attendees: room join ADDR CODE)
//
// A lab is a directory under a chapter (ch*/) holding exercise/ and
// solution/; its id is that path, e.g. ch01-overview/userservice, and its
// last element is enough when unique. Progress and revealed hints are kept
// in .lab/state.json at the repository root, each lab's last result in
// .lab/results/, so a view of unchanged labs needs no go test at all. It is
// plain Go with no shell scripts, so it runs the same on Linux, macOS and
// Windows.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/grpclabs/labs/scripts/room"
)

// app is what every command shares; tests build their own.
type app struct {
	out    *Out
	errOut *Out
	dir    string   // where to start looking for go.work
	env    []string // extra environment for child go commands (tests use it)
	now    func() time.Time
	// data is where state, results and backups go; "" means .lab at the
	// repository root (tests and benchmarks use their own).
	data        string
	statusDelay time.Duration  // how long work runs before the status line appears
	codegen     []string       // verify's drift check; nil means the repository's own
	room        *room.Reporter // the attendee's room, once a run has reported (room.go)
	// tick, if set, replaces the poll ticker of watch and drill (tests
	// drive it by hand, with a fake now).
	tick func(time.Duration) (<-chan time.Time, func())
	// waiting, if set, is called each time watch and drill have done what
	// a poll asked and are about to wait for the next (tests sync on it).
	waiting func()
	// drills is the chapter of interview drills; "" means drillChapter.
	drills string
}

// dataDir is the runner's own directory (git-ignored).
func (a *app) dataDir(root string) string {
	if a.data != "" {
		return a.data
	}
	return filepath.Join(root, ".lab")
}

type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

var commands []command

func init() {
	// Assigned here rather than in the declaration: the commands refer to
	// the table (usage), which would otherwise be an initialisation cycle.
	commands = []command{
		{"progress", "[-refresh]", "every lab's progress and the next command (the default)", cmdProgress},
		{"check", "[lab]", "run a lab's exercise tests, one line per step", cmdCheck},
		{"watch", "[lab]", "run check again whenever a .go file in the lab changes", cmdWatch},
		{"drill", "[lab] [-reset]", "an interview drill against the clock: the question, the budget, check on every save", cmdDrill},
		{"hint", "<lab> [--all]", "show the next hint (--all: every hint revealed so far)", cmdHint},
		{"diff", "<lab>", "compare your exercise with the solution", cmdDiff},
		{"reset", "<lab>", "back up your exercise, then restore it to the committed version", cmdReset},
		{"restore", "<lab> [backup]", "undo a reset or catchup: bring back your last backed-up exercise (-list: all backups)", cmdRestore},
		{"catchup", "<lab> <step>", "give your exercise the solution's code for steps 1..N, keeping the rest of your work", cmdCatchup},
		{"doctor", "", "check that Go, cgo (for -race), the module cache, ports and git are ready", cmdDoctor},
		{"verify", "[-load]", "what CI runs: vet, solutions with -race, exercises in CI mode, the TODO rule, catchup, guides, codegen", cmdVerify},
		{"load", "-- <command>", "run a command while every core is kept busy (does anything flake under load?)", cmdLoad},
		{"room", "serve|join ...", "a workshop's room view: serve it (instructor), join it (attendee)", cmdRoom},
	}
}

// exitError carries an exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	wd, _ := os.Getwd()
	a := &app{
		out:         newOut(os.Stdout),
		errOut:      newOut(os.Stderr),
		dir:         wd,
		now:         time.Now,
		statusDelay: statusDelay,
	}
	// Ctrl-C cancels the context: running go commands stop and we exit cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := a.main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// main dispatches and turns errors into exit codes: 2 for usage mistakes,
// 1 for everything else.
func (a *app) main(ctx context.Context, args []string) int {
	args, noColor := stripNoColor(args)
	if noColor {
		a.out.Color, a.errOut.Color = false, false
	}
	err := a.dispatch(ctx, args)
	a.closeRoom()
	var ee exitError
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		a.errOut.Printf(a.errOut.tr("lab: %s\nrun 'go run ./scripts/lab -h' for usage\n"), ue.local(a.errOut))
		return 2
	case errors.Is(err, errFlags):
		return 2
	case ctx.Err() != nil:
		a.errOut.Printf("%s", a.errOut.tr("lab: interrupted\n"))
		return 130 // what a shell reports for a process stopped by Ctrl-C
	}
	a.errOut.Printf("lab: %v\n", err)
	return 1
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return cmdProgress(ctx, a, nil)
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		a.usage(a.out.W)
		return nil
	}
	if strings.HasPrefix(name, "-") {
		// Flags without a command are the progress view's (`lab -refresh`).
		return cmdProgress(ctx, a, args)
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(ctx, a, args[1:])
		}
	}
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	if s := suggest(name, names); s != "" {
		return usagef("unknown command %q; did you mean %q?\ncommands: %s", name, s, strings.Join(names, ", "))
	}
	return usagef("unknown command %q\ncommands: %s", name, strings.Join(names, ", "))
}

func (a *app) usage(w io.Writer) {
	tr := a.out.tr
	fmt.Fprintln(w, tr("usage: go run ./scripts/lab [command] [--no-color]"))
	fmt.Fprintln(w, tr("\nWith no command: the progress of every lab and the next command to run."))
	fmt.Fprintln(w, tr("\ncommands:"))
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %-15s %s\n", c.name, c.args, tr(c.summary))
	}
	fmt.Fprintln(w, tr("\nA lab is its id (ch01-overview/userservice) or, when unique, its last part (userservice)."))
	fmt.Fprintln(w, tr("Colour is used on a terminal unless NO_COLOR is set or --no-color is given."))
	fmt.Fprintln(w, tr("Chinese: LAB_LANG=zh (or a zh_* locale); LAB_LANG=en keeps English."))
	fmt.Fprintln(w, tr("Run 'go run ./scripts/lab <command> -h' for a command's flags."))
}

// stripNoColor removes --no-color wherever it appears, so it works with
// every command without each one declaring it.
func stripNoColor(args []string) ([]string, bool) {
	out := args[:0:0]
	found := false
	for _, s := range args {
		if s == "--no-color" || s == "-no-color" {
			found = true
			continue
		}
		out = append(out, s)
	}
	return out, found
}

// errFlags means the flag package already printed the problem.
var errFlags = errors.New("bad flags")

// newFlags makes a command's flag set; usage lines follow the same shape.
func (a *app) newFlags(name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.errOut.W)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), a.errOut.tr("usage: go run ./scripts/lab %s %s\n\n%s\n"), name, args, a.errOut.tr(about))
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(fs.Output(), a.errOut.tr("\nflags:"))
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse allows flags before and after positional arguments
// (`hint userservice --all` and `hint --all userservice`), and checks the
// number of positional arguments.
func parse(fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errFlags
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < minPos {
		fs.Usage()
		return nil, usagef("%s: missing argument (which lab? e.g. `%s userservice`)", fs.Name(), fs.Name())
	}
	if len(pos) > maxPos {
		return nil, usagef("%s: unexpected argument %q", fs.Name(), pos[maxPos])
	}
	return pos, nil
}

// open finds the repository and reads its labs and state; a state problem
// is a warning, never a failure.
func (a *app) open() (*Repo, *State, error) {
	root, err := findRoot(a.dir)
	if err != nil {
		return nil, nil, err
	}
	repo, err := openRepo(root)
	if err != nil {
		return nil, nil, err
	}
	st, werr := loadState(a.dataDir(root))
	if werr != nil {
		a.errOut.Printf("%s %v\n", a.errOut.paint(yellow, "warning:"), werr)
	}
	return repo, st, nil
}

// openLab opens the repository and resolves the lab a command is about:
// the positional argument, or where the learner is.
func (a *app) openLab(pos []string) (*Repo, *State, *Lab, error) {
	repo, st, err := a.open()
	if err != nil {
		return nil, nil, nil, err
	}
	lab, err := a.lab(repo, st, pos)
	return repo, st, lab, err
}

// lab resolves the positional argument, or picks where the learner is.
func (a *app) lab(repo *Repo, st *State, pos []string) (*Lab, error) {
	if len(pos) > 0 {
		return repo.FindLab(pos[0])
	}
	if len(repo.Labs) == 0 {
		return nil, fmt.Errorf("%s", a.tr("this repository has no labs yet"))
	}
	if l := nextLab(repo, st, nil); l != nil {
		return l, nil
	}
	return repo.Labs[0], nil
}

// saveState writes the state, warning (not failing) when it cannot.
func (a *app) saveState(repo *Repo, st *State) {
	if err := st.save(a.dataDir(repo.Root)); err != nil {
		a.errOut.Printf("%s %v\n", a.errOut.paint(yellow, "warning:"), err)
	}
}
