//go:build race

package main

// raceEnabled: the race detector multiplies a process's memory, so the
// memory test does not measure protodump under it.
const raceEnabled = true
