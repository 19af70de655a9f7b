// Package solution holds the quiz drill's answers: what each program
// prints, in answers.txt. The README's Explanation says why.
package solution

import _ "embed"

// Answers is answers.txt.
//
//go:embed answers.txt
var Answers string
