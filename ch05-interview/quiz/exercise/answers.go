// Package exercise holds your answers to the quiz drill: what each program
// prints, in answers.txt. The README's Explanation says why.
package exercise

import _ "embed"

// Answers is answers.txt.
//
//go:embed answers.txt
var Answers string
