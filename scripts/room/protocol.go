// Package room is the workshop's room view: an instructor runs a small
// HTTP server (`go run ./scripts/lab room serve`) and projects its page; an
// attendee who joins (`room join ADDR CODE`) has each check, watch and drill
// report which lab they are on and how far they got. The page shows, live,
// a grid of attendees by step for the lab most of them are on, who is stuck
// where and for how long, and the most common failing test.
//
// Only names and step states cross the network: an [Update] has no field
// that could carry code, test output or a file path, and the server rejects
// any field it does not know. The join code is required on every request;
// the server bounds attendees, body and header sizes, connections and the
// request rate of each client, and times out slow clients.
package room

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Version is the protocol's version; a report of another version is refused
// with a message that says which side to update.
const Version = 1

// Step statuses, the same words the lab runner stores in its state.
const (
	Done    = "done"
	TODO    = "todo"
	Failing = "failing"
	NotRun  = "not run"
)

// Limits on what a report may hold. A real one is a few hundred bytes.
const (
	MaxBody     = 4 << 10 // bytes of a request body
	MaxName     = 40      // runes of a display name
	MaxSteps    = 50      // steps of one lab
	MaxLabID    = 100     // bytes of a lab id
	MaxTestName = 200     // bytes of a failing test's name
)

// Update is everything an attendee's runner sends, and all of it: the
// fields are an allowlist (TestUpdateFieldsAreAnAllowlist pins them). Add
// nothing here that could carry a learner's code, output or paths.
type Update struct {
	V       int    `json:"v"`
	ID      string `json:"id"`   // random, made at join: two attendees may share a name
	Name    string `json:"name"` // the display name chosen at join
	Lab     string `json:"lab,omitempty"`
	Steps   []Step `json:"steps,omitempty"`
	Failing string `json:"failing,omitempty"` // the first failing test's name, e.g. TestSub/negative
	Build   bool   `json:"build,omitempty"`   // the exercise does not build
}

// Step is one README step's status at the attendee's last run.
type Step struct {
	N      int    `json:"n"`
	Status string `json:"status"`
}

// Goodbye asks the server to forget an attendee.
type Goodbye struct {
	V  int    `json:"v"`
	ID string `json:"id"`
}

var (
	idRe   = regexp.MustCompile(`^[0-9a-f]{16}$`)
	labRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$`)
	testRe = regexp.MustCompile(`^(Test|Example|Fuzz)[^\s/]*(/\S+)?$`)
)

// NewID makes an attendee's id: 8 random bytes in hex.
func NewID() string {
	b := make([]byte, 8)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return fmt.Sprintf("%x", b)
}

// CleanName trims a display name and checks it: printable, at most
// MaxName runes, not empty.
func CleanName(s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	switch {
	case s == "":
		return "", errors.New("the name is empty")
	case !utf8.ValidString(s):
		return "", errors.New("the name is not valid UTF-8")
	case utf8.RuneCountInString(s) > MaxName:
		return "", fmt.Errorf("the name is longer than %d characters", MaxName)
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return "", errors.New("the name has a character that cannot be shown")
	}
	return s, nil
}

// Check says what is wrong with a report, naming the field.
func (r *Update) Check() error {
	if r.V != Version {
		return fmt.Errorf("protocol version %d, the room speaks %d: attendee and instructor need the same course version (git pull)", r.V, Version)
	}
	if !idRe.MatchString(r.ID) {
		return errors.New("id: want 16 hex digits")
	}
	if name, err := CleanName(r.Name); err != nil {
		return fmt.Errorf("name: %v", err)
	} else if name != r.Name {
		return errors.New("name: surrounding or repeated spaces")
	}
	if r.Lab == "" {
		if len(r.Steps) > 0 || r.Failing != "" || r.Build {
			return errors.New("steps without a lab")
		}
		return nil
	}
	if len(r.Lab) > MaxLabID || !labRe.MatchString(r.Lab) {
		return errors.New("lab: not a lab id (like ch01-overview/userservice)")
	}
	if len(r.Steps) > MaxSteps {
		return fmt.Errorf("steps: more than %d", MaxSteps)
	}
	for i, s := range r.Steps {
		if s.N != i+1 {
			return fmt.Errorf("steps[%d]: n is %d, want %d (steps are numbered from 1, in order)", i, s.N, i+1)
		}
		switch s.Status {
		case Done, TODO, Failing, NotRun:
		default:
			return fmt.Errorf("steps[%d]: unknown status %q", i, s.Status)
		}
	}
	if r.Failing != "" && (len(r.Failing) > MaxTestName || !utf8.ValidString(r.Failing) || !testRe.MatchString(r.Failing) ||
		strings.IndexFunc(r.Failing, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0) {
		return errors.New("failing: not a test name")
	}
	return nil
}

// DecodeUpdate reads one report from untrusted bytes: exactly one JSON
// object, no unknown fields, every field checked.
func DecodeUpdate(b []byte) (Update, error) {
	var r Update
	if err := decodeStrict(b, &r); err != nil {
		return Update{}, err
	}
	if err := r.Check(); err != nil {
		return Update{}, err
	}
	return r, nil
}

// DecodeGoodbye reads one leave request from untrusted bytes.
func DecodeGoodbye(b []byte) (Goodbye, error) {
	var l Goodbye
	if err := decodeStrict(b, &l); err != nil {
		return Goodbye{}, err
	}
	if l.V != Version {
		return Goodbye{}, fmt.Errorf("protocol version %d, the room speaks %d", l.V, Version)
	}
	if !idRe.MatchString(l.ID) {
		return Goodbye{}, errors.New("id: want 16 hex digits")
	}
	return l, nil
}

func decodeStrict(b []byte, v any) error {
	if len(b) > MaxBody {
		return fmt.Errorf("body larger than %d bytes", MaxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("malformed JSON: data after the object")
	}
	return nil
}
