package labkit

import "os"

// stopSignal: Windows has no SIGTERM for other processes.
var stopSignal = os.Kill
