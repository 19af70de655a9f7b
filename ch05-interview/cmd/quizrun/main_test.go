package main

import (
	"bytes"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	for _, c := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"slices/append-grows"}, 0, "[1 2 3] [9 2 3 4]\n", ""},
		{[]string{"-list"}, 0, "slices/append-shares\n", ""},
		{[]string{"-h"}, 0, "", "usage: quizrun"},
		{[]string{}, 2, "", "name one question"},
		{[]string{"nope"}, 2, "", `no question "nope"`},
		{[]string{"-bogus"}, 2, "", "flag provided but not defined"},
	} {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code || !strings.HasPrefix(out.String(), c.out) || !strings.Contains(errb.String(), c.err) {
			t.Errorf("quizrun %q = %d, stdout %q, stderr %q; want %d, stdout starting %q, stderr containing %q", c.args, code, out.String(), errb.String(), c.code, c.out, c.err)
		}
	}
}
