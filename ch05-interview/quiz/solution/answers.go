// Package solution holds the quiz drill's answers: what each program
// prints, one string per step. The README's Explanation says why.
package solution

// Answers is every step's answers, as the suite reads them.
var Answers = sliceAnswers + mapAnswers + deferAnswers + nilAnswers + loopAnswers + chanAnswers

// Under each "--- question" line, exactly what the program prints; for a
// program whose output changes from run to run, every output that can
// appear, one per line.

// sliceAnswers is step 1 (Slices).
const sliceAnswers = `
--- slices/append-shares
[9 0 0] [9 0 0 2] [9 0 0 2]

--- slices/append-grows
[1 2 3] [9 2 3 4]

--- slices/subslice-append
[0 1 2 99 4] [1 2 99] 3 4

--- slices/range-array
3 10
`

// mapAnswers is step 2 (Maps).
const mapAnswers = `
--- maps/print
map[a:1 b:2 c:3]

--- maps/iteration-order
abc
acb
bac
bca
cab
cba

--- maps/nil-map
0 0
recovered: assignment to entry in nil map

--- maps/concurrent-writes
fatal error: concurrent map writes
`

// deferAnswers is step 3 (defer).
const deferAnswers = `
--- defer/order-and-arguments
x = 2
2 1 0 deferred x = 1

--- defer/named-result
6 3
`

// nilAnswers is step 4 (nil).
const nilAnswers = `
--- nil/interface-holding-nil
true false false

--- nil/nil-receiver
0 2
`

// loopAnswers is step 5 (Loop variables and goroutines).
const loopAnswers = `
--- loops/closures
012

--- loops/goroutines
012
021
102
120
201
210
`

// chanAnswers is step 6 (Channels and select).
const chanAnswers = `
--- chans/select-ready
a
b

--- chans/closed
1 true
0 false
recovered: send on closed channel

--- chans/nil-channel
default

--- chans/deadlock
fatal error: all goroutines are asleep - deadlock!
`
