package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The runner speaks English, or Chinese when asked: LAB_LANG=zh, or a
// zh_* locale in LC_ALL, LC_MESSAGES or LANG (the first one set wins, as
// in POSIX). LAB_LANG=en keeps English whatever the locale says.
const (
	langEN = "en"
	langZH = "zh"
)

// detectLang reads the language from the environment.
func detectLang(getenv func(string) string) string {
	if v := strings.ToLower(strings.TrimSpace(getenv("LAB_LANG"))); v != "" {
		if strings.HasPrefix(v, "zh") {
			return langZH
		}
		return langEN
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "zh") {
				return langZH
			}
			return langEN
		}
	}
	return langEN
}

// tr translates one of the runner's own messages (a format string) into
// the output's language; a message without a translation stays English.
func (o *Out) tr(s string) string {
	if o.Lang == langZH {
		if z, ok := zh[s]; ok {
			return z
		}
	}
	return s
}

// tr is the same for the app's output.
func (a *app) tr(s string) string { return a.out.tr(s) }

// zhReadme is a lab's Chinese guide, beside its README.md.
const zhReadme = "README.zh-CN.md"

// localGuide is g in the output's language: in Chinese, the step titles,
// hints and goal of the lab's README.zh-CN.md when it has one (its Tests:
// and Code: lines are the English README's, which the drift check keeps
// identical); else g itself.
func (a *app) localGuide(lab *Lab, g *Guide) *Guide {
	if a.out.Lang != langZH {
		return g
	}
	zg, ok := readGuideZH(lab.Dir)
	if !ok {
		return g
	}
	out := *g
	out.Goal, out.Hints = zg.Goal, zg.Hints
	if len(zg.Steps) == len(g.Steps) {
		out.Steps = slices.Clone(g.Steps)
		for i := range out.Steps {
			out.Steps[i].Title = zg.Steps[i].Title
		}
	}
	return &out
}

// readGuideZH parses dir/README.zh-CN.md; ok is false when there is none.
func readGuideZH(dir string) (*Guide, bool) {
	b, err := os.ReadFile(filepath.Join(dir, zhReadme))
	if err != nil {
		return nil, false
	}
	g, _ := parseGuide(string(b))
	return g, true
}

// localize gives a report the step titles of the Chinese guide, in
// Chinese.
func (a *app) localize(r *LabReport) *LabReport {
	if a.out.Lang != langZH || r.Guide == nil {
		return r
	}
	zg := a.localGuide(r.Lab, r.Guide)
	if zg == r.Guide {
		return r
	}
	out := *r
	out.Steps = slices.Clone(r.Steps)
	for i := range out.Steps {
		if n := out.Steps[i].N; n > 0 && n <= len(zg.Steps) {
			out.Steps[i].Title = zg.Steps[n-1].Title
		}
	}
	return &out
}
