package main

import (
	"os"
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

var _ = os.Getenv
