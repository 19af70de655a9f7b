package labkit

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
)

// Bubble runs f inside a testing/synctest bubble, where time is fake: a
// timeout, a backoff or a hedging delay passes instantly, and durations read
// inside are exact. gRPC over [Bufconn] works in a bubble; loopback TCP
// does not.
//
// When f returns while a goroutine it started is still blocked, synctest
// panics with "deadlock" and would kill the whole test binary, hiding every
// other result. Bubble turns that into a failure of this test that says
// what usually causes it.
func Bubble(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			if strings.HasPrefix(fmt.Sprint(p), "deadlock") {
				t.Fatalf("goroutines were still blocked after the test finished, so the code under test leaked them "+
					"(usually a send or receive that does not also select on ctx.Done()): %v", p)
			}
			panic(p)
		}
	}()
	synctest.Test(t, f)
}
