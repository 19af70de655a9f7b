// Package exercise holds your answers to the quiz drill: what each
// program prints, one string per step. The README's Explanation says why.
package exercise

// Answers is every step's answers, as the suite reads them.
var Answers = sliceAnswers + mapAnswers + deferAnswers + nilAnswers + loopAnswers + chanAnswers

// Under each "--- question" line, write exactly what the program prints.
// For a program whose output can change from run to run, list every
// output that can appear, one per line. A program that dies prints its
// fatal error's first line last. Lines starting with # are comments.

// sliceAnswers is step 1 (Slices).
const sliceAnswers = `
--- slices/append-shares

--- slices/append-grows

--- slices/subslice-append

--- slices/range-array
`

// mapAnswers is step 2 (Maps).
const mapAnswers = `
--- maps/print

--- maps/iteration-order

--- maps/nil-map

--- maps/concurrent-writes
`

// deferAnswers is step 3 (defer).
const deferAnswers = `
--- defer/order-and-arguments

--- defer/named-result
`

// nilAnswers is step 4 (nil).
const nilAnswers = `
--- nil/interface-holding-nil

--- nil/nil-receiver
`

// loopAnswers is step 5 (Loop variables and goroutines).
const loopAnswers = `
--- loops/closures

--- loops/goroutines
`

// chanAnswers is step 6 (Channels and select).
const chanAnswers = `
--- chans/select-ready

--- chans/closed

--- chans/nil-channel

--- chans/deadlock
`
