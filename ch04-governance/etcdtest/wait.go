package etcdtest

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Eventually calls check until it returns nil, and fails the test with
// check's last error if that has not happened within limit. It is how
// tests against a real etcd wait: on a condition, polled, with a bound
// generous enough for a machine whose cores are all busy.
func Eventually(t testing.TB, limit time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still not true after %v: %v", limit, err)
		}
		time.Sleep(wait) // polling a condition, not a guess at how long something takes
	}
}

// Wait is the bound tests put on something a correct system does within
// a few seconds (a lease expiring, a watch catching up, an election).
const Wait = 30 * time.Second

// LeakWait bounds [VerifyTestMain]'s wait for goroutines to end.
const LeakWait = 20 * time.Second

// VerifyTestMain is goleak.VerifyTestMain for a package that runs etcd:
// it runs the tests, stops the [Shared] member, and checks that no
// goroutine is left. After a multi-member cluster closes, net/http's keep-alive
// goroutines of the peer connections take up to about 4 s to drain,
// longer than goleak's own retries; instead of ignoring them, this polls
// goleak.Find until nothing is left or LeakWait passes.
//
// It also lets more of the package's parallel tests run at once (16
// unless -test.parallel is given): tests against etcd spend their time
// waiting for leases, elections and reconnections, not on the CPU, and
// the default of GOMAXPROCS would queue them behind each other.
func VerifyTestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", "16")
	}
	code := m.Run()
	closeShared()
	if code == 0 {
		deadline := time.Now().Add(LeakWait)
		for {
			err := goleak.Find()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintf(os.Stderr, "goleak: goroutines still running %v after the tests: %v\n", LeakWait, err)
				code = 1
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	os.Exit(code)
}
