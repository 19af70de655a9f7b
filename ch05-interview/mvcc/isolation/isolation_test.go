package isolation_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/mvcc/isolation"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSchedulesParse: every schedule is well formed, names its levels, and
// expects something at each level it runs at for every line with a
// per-level expectation.
func TestSchedulesParse(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range isolation.All {
		if seen[s.Name] {
			t.Errorf("two schedules named %q", s.Name)
		}
		seen[s.Name] = true
		if len(s.LevelList()) == 0 {
			t.Errorf("%q runs at no level", s.Name)
		}
		_ = s.Rows()
		for _, l := range s.Lines() {
			for _, lv := range s.LevelList() {
				if l.Want(lv) == "" && l.Want(0) == "" && hasLevelWants(l, s.LevelList()) {
					t.Errorf("%q line %d: no expectation at %v", s.Name, l.N, lv)
				}
			}
		}
	}
}

func hasLevelWants(l isolation.Line, levels []isolation.Level) bool {
	for _, lv := range levels {
		if l.Want(lv) != "" {
			return true
		}
	}
	return false
}
