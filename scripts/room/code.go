package room

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"math/big"
	"strings"
)

// A join code is eight digits, shown as 4829-1736: digits read aloud the
// same way in any language. At the rate limit (5 requests a second per
// client address) guessing one of 10⁸ takes about four months on average:
// far longer than a workshop.
const codeDigits = 8

// NewCode makes a random join code in its written form.
func NewCode() string {
	var b strings.Builder
	for i := range codeDigits {
		if i == codeDigits/2 {
			b.WriteByte('-')
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + n.Int64()))
	}
	return b.String()
}

// NormalizeCode takes the code as typed ("4829 1736", "48291736",
// "4829-1736") and returns its digits, or an error for anything else.
func NormalizeCode(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == ' ':
		default:
			return "", errors.New("a join code is 8 digits, like 4829-1736")
		}
	}
	if b.Len() != codeDigits {
		return "", errors.New("a join code is 8 digits, like 4829-1736")
	}
	return b.String(), nil
}

// FormatCode writes normalised digits as the instructor reads them out.
func FormatCode(digits string) string {
	if len(digits) != codeDigits {
		return digits
	}
	return digits[:codeDigits/2] + "-" + digits[codeDigits/2:]
}

// codeMatches compares in constant time, so response times say nothing
// about how much of a guess was right.
func codeMatches(given, want string) bool {
	g, err := NormalizeCode(given)
	if err != nil {
		g = "" // still compare, so a malformed guess costs the same
	}
	return subtle.ConstantTimeCompare([]byte(g), []byte(want)) == 1
}
