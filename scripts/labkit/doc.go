// Package labkit is the small test kit every lab suite shares.
//
// It does two jobs:
//
//   - The TODO protocol. An exercise stub returns [TODO] instead of
//     panicking. A suite hands every error it sees to [Step.Check] (or
//     [Step.Require]), which turns the TODO signal into a failure naming the
//     README step to do next, or into a skip when LAB_TODO=skip (CI mode).
//     Any other error, a wrong value, a panic, a race or a leak still fails.
//   - gRPC plumbing. [Serve] starts a server on bufconn or on a loopback
//     port and dials it, and registers cleanups in the order that never
//     hangs and never leaks: the client closes before the server stops.
//
// For cross-checks against real systems, [LookTool] finds an installed
// program (a skip on a learner's machine, a failure in CI) and
// [StartDaemon] runs it as a server with its data in the test's temporary
// directory, waits until it is ready and stops it when the test ends.
package labkit
