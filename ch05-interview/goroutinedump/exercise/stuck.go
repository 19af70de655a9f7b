package exercise

// Stuck groups the goroutines that are blocked inside package pkg (an
// import path): those with a frame in pkg whose state is anything but
// running or runnable. Goroutines in the same state at the same innermost
// frame in pkg form one group. Largest group first; ties by longest wait,
// then by function name and line.
//
// Step 2. Until you write it, it returns nil.
func Stuck(gs []Goroutine, pkg string) []Group {
	return nil
}
