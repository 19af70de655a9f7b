package room

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The wire's fields are an allowlist: a new field must be added here, on
// purpose, after asking whether it could carry a learner's code, output
// or paths. Only names and step states may leave an attendee's machine.
func TestUpdateFieldsAreAnAllowlist(t *testing.T) {
	want := map[string][]string{
		"Update":  {"v", "id", "name", "lab", "steps", "failing", "build"},
		"Step":    {"n", "status"},
		"Goodbye": {"v", "id"},
	}
	for _, v := range []any{Update{}, Step{}, Goodbye{}} {
		typ := reflect.TypeOf(v)
		var got []string
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			got = append(got, name)
			switch f.Type.Kind() {
			case reflect.Int, reflect.Bool, reflect.String:
			case reflect.Slice:
				if f.Type.Elem() != reflect.TypeFor[Step]() {
					t.Errorf("%s.%s is a slice of %s: only steps may repeat", typ.Name(), f.Name, f.Type.Elem())
				}
			default:
				t.Errorf("%s.%s has kind %s: only numbers, flags, short strings and steps", typ.Name(), f.Name, f.Type.Kind())
			}
		}
		if !slices.Equal(got, want[typ.Name()]) {
			t.Errorf("%s's JSON fields = %q, want exactly %q", typ.Name(), got, want[typ.Name()])
		}
	}
}

func good() Update {
	return Update{V: Version, ID: "0123456789abcdef", Name: "Ada", Lab: "ch01-overview/userservice",
		Steps: []Step{{1, Done}, {2, Failing}, {3, TODO}, {4, NotRun}}, Failing: "TestGetUserErrors/not_found"}
}

func TestDecodeUpdate(t *testing.T) {
	b, err := json.Marshal(good())
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeUpdate(b)
	if err != nil || !reflect.DeepEqual(got, good()) {
		t.Fatalf("DecodeUpdate(good) = %+v, %v; want %+v", got, err, good())
	}
	if _, err := DecodeUpdate([]byte(`{"v":1,"id":"0123456789abcdef","name":"陈 静"}`)); err != nil {
		t.Errorf("a joined attendee with no lab yet, and a Chinese name: %v", err)
	}

	long := strings.Repeat("x", MaxBody)
	cases := []struct {
		name, body, want string
	}{
		{"empty", ``, "malformed JSON"},
		{"not JSON", `hello`, "malformed JSON"},
		{"array", `[1,2]`, "malformed JSON"},
		{"null", `null`, "protocol version 0"},
		{"truncated", `{"v":1,"id":"0123456789abcdef"`, "malformed JSON"},
		{"two objects", `{"v":1,"id":"0123456789abcdef","name":"A"}{}`, "data after the object"},
		{"trailing garbage", `{"v":1,"id":"0123456789abcdef","name":"A"} x`, "data after the object"},
		{"unknown field", `{"v":1,"id":"0123456789abcdef","name":"A","code":"package main"}`, `unknown field "code"`},
		{"file content smuggled in a step", `{"v":1,"id":"0123456789abcdef","name":"A","lab":"a/b","steps":[{"n":1,"status":"done","output":"x"}]}`, `unknown field "output"`},
		{"newer protocol", `{"v":2,"id":"0123456789abcdef","name":"A"}`, "protocol version 2"},
		{"short id", `{"v":1,"id":"0123","name":"A"}`, "id:"},
		{"uppercase id", `{"v":1,"id":"0123456789ABCDEF","name":"A"}`, "id:"},
		{"no name", `{"v":1,"id":"0123456789abcdef","name":""}`, "name: the name is empty"},
		{"padded name", `{"v":1,"id":"0123456789abcdef","name":" A"}`, "name: surrounding"},
		{"long name", `{"v":1,"id":"0123456789abcdef","name":"` + strings.Repeat("名", MaxName+1) + `"}`, "longer than 40"},
		{"control character", `{"v":1,"id":"0123456789abcdef","name":"A\u0007B"}`, "cannot be shown"},
		{"dot-dot lab", `{"v":1,"id":"0123456789abcdef","name":"<b>A</b>","lab":"../etc"}`, "lab: not a lab id"},
		{"path as lab", `{"v":1,"id":"0123456789abcdef","name":"A","lab":"/home/ada/labs"}`, "lab: not a lab id"},
		{"steps without a lab", `{"v":1,"id":"0123456789abcdef","name":"A","steps":[{"n":1,"status":"done"}]}`, "steps without a lab"},
		{"steps out of order", `{"v":1,"id":"0123456789abcdef","name":"A","lab":"a/b","steps":[{"n":2,"status":"done"}]}`, "steps[0]: n is 2"},
		{"unknown status", `{"v":1,"id":"0123456789abcdef","name":"A","lab":"a/b","steps":[{"n":1,"status":"great"}]}`, `unknown status "great"`},
		{"wrong type", `{"v":"1","id":"0123456789abcdef","name":"A"}`, "malformed JSON"},
		{"output as failing test", `{"v":1,"id":"0123456789abcdef","name":"A","lab":"a/b","failing":"got 3, want 5"}`, "failing: not a test name"},
		{"huge body", `{"v":1,"name":"` + long + `"}`, "body larger than"},
	}
	for _, c := range cases {
		_, err := DecodeUpdate([]byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
	tooMany := good()
	for i := len(tooMany.Steps); i <= MaxSteps; i++ {
		tooMany.Steps = append(tooMany.Steps, Step{i + 1, TODO})
	}
	if err := tooMany.Check(); err == nil || !strings.Contains(err.Error(), "more than 50") {
		t.Errorf("%d steps: err = %v", len(tooMany.Steps), err)
	}
}

func TestDecodeGoodbye(t *testing.T) {
	if g, err := DecodeGoodbye([]byte(`{"v":1,"id":"0123456789abcdef"}`)); err != nil || g.ID != "0123456789abcdef" {
		t.Errorf("good goodbye: %+v, %v", g, err)
	}
	for _, body := range []string{``, `{}`, `{"v":1}`, `{"v":1,"id":"0123456789abcdef","name":"A"}`, `{"v":9,"id":"0123456789abcdef"}`} {
		if _, err := DecodeGoodbye([]byte(body)); err == nil {
			t.Errorf("DecodeGoodbye(%s) accepted", body)
		}
	}
}

// The decoder never panics, and whatever it accepts passes every check
// and survives a round trip: garbage in is an error, never a half-read
// update.
func FuzzDecodeUpdate(f *testing.F) {
	b, _ := json.Marshal(good())
	f.Add(b)
	f.Add([]byte(`{"v":1,"id":"0123456789abcdef","name":"陈 静"}`))
	f.Add([]byte(`{"v":1,"id":"0123456789abcdef","name":"A","lab":"a/b","steps":[{"n":1,"status":"done"}],"build":true}`))
	f.Add([]byte(`{"v":1,"steps":null,"failing":"Test"}`))
	f.Add([]byte(`{"v":1e400}`))
	f.Add([]byte("\xff\xfe{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := DecodeUpdate(b)
		if err != nil {
			if !reflect.DeepEqual(u, Update{}) {
				t.Fatalf("an error and a non-zero update %+v", u)
			}
			return
		}
		if err := u.Check(); err != nil {
			t.Fatalf("accepted an update its own check refuses: %v", err)
		}
		again, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		u2, err := DecodeUpdate(again)
		if err != nil || !reflect.DeepEqual(u, u2) {
			t.Fatalf("round trip: %+v, %v; want %+v", u2, err, u)
		}
		if len(u.Name) > 4*MaxName || len(u.Lab) > MaxLabID || len(u.Failing) > MaxTestName || len(u.Steps) > MaxSteps {
			t.Fatalf("accepted an update past the limits: %+v", u)
		}
	})
}

func FuzzDecodeGoodbye(f *testing.F) {
	f.Add([]byte(`{"v":1,"id":"0123456789abcdef"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := DecodeGoodbye(b)
		if err == nil && (g.V != Version || !idRe.MatchString(g.ID)) {
			t.Fatalf("accepted %+v", g)
		}
	})
}

func TestCode(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		c := NewCode()
		if len(c) != 9 || c[4] != '-' {
			t.Fatalf("NewCode() = %q, want 8 digits as 1234-5678", c)
		}
		d, err := NormalizeCode(c)
		if err != nil || FormatCode(d) != c {
			t.Fatalf("NormalizeCode(%q) = %q, %v; FormatCode gives %q", c, d, err, FormatCode(d))
		}
		seen[c] = true
	}
	if len(seen) < 45 {
		t.Errorf("50 codes, only %d different: not random", len(seen))
	}
	for _, typed := range []string{"4829-1736", "48291736", "4829 1736", " 4829-17 36"} {
		if !codeMatches(typed, "48291736") {
			t.Errorf("%q does not match 48291736", typed)
		}
	}
	for _, typed := range []string{"", "4829-1737", "4829173", "482917360", "4829-173x", "48291736\x00", "４８２９１７３６"} {
		if codeMatches(typed, "48291736") {
			t.Errorf("%q matches 48291736", typed)
		}
	}
}

func TestBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"192.168.1.5:7077":          "http://192.168.1.5:7077",
		"http://192.168.1.5:7077/":  "http://192.168.1.5:7077",
		" 127.0.0.1:40001 ":         "http://127.0.0.1:40001",
		"[::1]:7077":                "http://[::1]:7077",
		"http://room.local:7077/#1": "http://room.local:7077",
	} {
		if got, err := BaseURL(in); err != nil || got != want {
			t.Errorf("BaseURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "https://room:7077", "http://room:7077/api/room", "http://a@room:7077", "ftp://x", "http://room:7077/?x=1"} {
		if got, err := BaseURL(in); err == nil {
			t.Errorf("BaseURL(%q) = %q, want an error", in, got)
		}
	}
}
