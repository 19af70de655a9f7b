// Package exercise is your copy of the shortlink drill: the short-link
// service of chapter 5's system-design question. README.md walks you
// through it, step by step; the package backend gives you the database,
// the id source and the caches.
package exercise

import (
	"errors"

	"github.com/grpclabs/labs/scripts/labkit"
)

// Alphabet is the digits of Base62 in value order, the order math/big uses
// for base 62: 0-9, then a-z, then A-Z.
const Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// MaxCodeLen is the longest code: 62^11 > 2^64 > 62^10.
const MaxCodeLen = 11

// ErrBadCode is wrapped by every error Decode returns.
var ErrBadCode = errors.New("not a short-link code")

// Encode returns id in Base62, most significant digit first, without
// leading zeros ("0" for 0).
//
// Step 1. Until you write it, it returns "".
func Encode(id uint64) string {
	return ""
}

// Decode is the inverse of Encode. It accepts only canonical codes (no
// leading zero), and any code that is empty, longer than MaxCodeLen, has a
// byte outside Alphabet or a value above 2^64-1 is an error wrapping
// ErrBadCode, never a panic.
//
// Step 1.
func Decode(code string) (uint64, error) {
	return 0, labkit.TODO("Decode")
}
