//go:build !windows

package labkit

import "syscall"

// stopSignal asks a daemon to shut down cleanly.
var stopSignal = syscall.SIGTERM
