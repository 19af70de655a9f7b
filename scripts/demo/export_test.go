package demo

// StopWithParent is stopWithParent, for the test that runs it in a real
// orphaned process.
var StopWithParent = stopWithParent
