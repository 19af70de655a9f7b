// Package exercise is your copy of the gcpressure drill: Go's answer to
// "the service does frequent full GCs, how do you find out why?"
// (线上服务频繁Full GC如何排查). README.md walks you through it, step by
// step; the package service is the patient.
package exercise

import "github.com/grpclabs/labs/ch05-interview/gcpressure/diag"

// GCStats is one reading of the collector's counters: see package diag
// for what each field means.
type GCStats = diag.GCStats

// ReadGC reads the collector's counters with one runtime/metrics.Read:
// /gc/cycles/total:gc-cycles, /gc/cycles/forced:gc-cycles,
// /gc/heap/live:bytes, /gc/heap/goal:bytes,
// /memory/classes/heap/objects:bytes, /gc/heap/allocs:bytes,
// /gc/gogc:percent, /gc/gomemlimit:bytes and
// /cpu/classes/gc/total:cpu-seconds.
//
// Step 1. Until you write it, it returns the zero GCStats.
func ReadGC() GCStats {
	return GCStats{}
}
