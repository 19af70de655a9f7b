// Package solution is the reference for the shortlink drill: a short-link
// service with Base62 codes of Snowflake ids, a Bloom filter in front of
// the cache, cache-aside reads with a TTL and singleflight, SQLite for the
// links, and the HTTP redirect. README.md explains the choices.
package solution

import (
	"errors"
	"fmt"
)

// Alphabet is the digits of Base62 in value order, the order math/big uses
// for base 62: 0-9, then a-z, then A-Z.
const Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// MaxCodeLen is the longest code: 62^11 > 2^64 > 62^10.
const MaxCodeLen = 11

// ErrBadCode is wrapped by every error Decode returns.
var ErrBadCode = errors.New("not a short-link code")

// digit maps a byte to its value, or -1 for bytes outside the alphabet.
var digit = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(Alphabet); i++ {
		t[Alphabet[i]] = int8(i)
	}
	return t
}()

// Encode returns id in Base62, most significant digit first, without
// leading zeros ("0" for 0).
func Encode(id uint64) string {
	if id == 0 {
		return "0"
	}
	var buf [MaxCodeLen]byte
	i := len(buf)
	for id > 0 {
		i--
		buf[i] = Alphabet[id%62]
		id /= 62
	}
	return string(buf[i:])
}

// Decode is the inverse of Encode. It accepts only canonical codes: no
// leading zero, so every id has exactly one code and a cache cannot hold
// the same link under two keys. Codes are untrusted input, so every way
// one can be wrong is an error, never a panic: empty, too long, a byte
// outside the alphabet, or a value above 2^64-1.
func Decode(code string) (uint64, error) {
	switch {
	case code == "":
		return 0, fmt.Errorf("%w: empty", ErrBadCode)
	case len(code) > MaxCodeLen:
		return 0, fmt.Errorf("%w: %d characters, at most %d", ErrBadCode, len(code), MaxCodeLen)
	case len(code) > 1 && code[0] == '0':
		return 0, fmt.Errorf("%w: %q has a leading zero", ErrBadCode, code)
	}
	var id uint64
	for i := 0; i < len(code); i++ {
		d := digit[code[i]]
		if d < 0 {
			return 0, fmt.Errorf("%w: byte %q at %d is not in [0-9a-zA-Z]", ErrBadCode, code[i], i)
		}
		// id*62 + d must not pass 2^64-1.
		if id > (1<<64-1-uint64(d))/62 {
			return 0, fmt.Errorf("%w: %q is larger than 2^64-1", ErrBadCode, code)
		}
		id = id*62 + uint64(d)
	}
	return id, nil
}
