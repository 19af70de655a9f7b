package main

// zh holds the Chinese text of the runner's own messages, keyed by the
// English format string.
var zh = map[string]string{}
