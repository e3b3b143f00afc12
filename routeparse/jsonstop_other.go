//go:build !amd64 || purego

package routeparse

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// stopCache remembers the next backslash: with bs = bsEnd-1, b[bsFrom:bs]
// holds no backslash, and bs is len(b) or the index of a backslash, so the
// next backslash at or after any i in [bsFrom, bs] is bs. Backslashes are
// searched far ahead once, not once per string. The zero value (bs = -1)
// holds nothing.
type stopCache struct {
	bsFrom, bsEnd int
}

// nextStop returns the index of the first quote, backslash or control
// byte at or after b[i], or len(b).
//
// Without SIMD in Go, this build finds the next backslash with
// bytes.IndexByte, which is vectorised, and caches it; the run up to it is
// searched for a quote or a control character 64 bytes at a time
// (quoteCtlIndex).
func (s *jsonScanner) nextStop(i int) int {
	b := s.b
	bs := s.bsEnd - 1
	if i < s.bsFrom || bs < i || bs > len(b) {
		bs = len(b)
		if k := bytes.IndexByte(b[i:], '\\'); k >= 0 {
			bs = i + k
		}
		s.bsFrom, s.bsEnd = i, bs+1
	}
	if j := quoteCtlIndex(b[i:bs]); j >= 0 {
		return i + j
	}
	return bs
}

// quoteCtlIndex returns the index of the first quote or byte below 0x20 in
// p, or -1.
//
// Text is mostly ASCII, so blocks of 64 bytes are first tested with a
// cheaper word test that is exact for ASCII and may only raise false
// alarms on bytes >= 0x80. XOR with 0x02 maps '"' (0x22) to 0x20, keeps
// 0x00-0x1f below 0x20 and moves every other ASCII byte to 0x21-0x7f;
// subtracting 0x21 from every byte then sets bit 7 of the lowest byte that
// was a quote or below 0x20 (borrows only flow upwards from it), and of
// bytes >= 0xa1 after the XOR, never of another ASCII byte. So a block
// whose differences, ORed together, have no bit 7 set holds neither. A
// block that fails the test is either non-ASCII text or holds a quote or
// a control character: the next 512 bytes then go through the exact word
// test (see stopBits), so non-ASCII text costs one wasted block per 512
// bytes.
func quoteCtlIndex(p []byte) int {
	const (
		flip = 0x02 * lsb8
		c    = 0x21 * lsb8
	)
	i := 0
	for {
		for i+64 <= len(p) {
			w := (*[64]byte)(p[i : i+64])
			x0 := binary.LittleEndian.Uint64(w[0:])
			x1 := binary.LittleEndian.Uint64(w[8:])
			x2 := binary.LittleEndian.Uint64(w[16:])
			x3 := binary.LittleEndian.Uint64(w[24:])
			x4 := binary.LittleEndian.Uint64(w[32:])
			x5 := binary.LittleEndian.Uint64(w[40:])
			x6 := binary.LittleEndian.Uint64(w[48:])
			x7 := binary.LittleEndian.Uint64(w[56:])
			t := ((x0 ^ flip) - c) | ((x1 ^ flip) - c) | ((x2 ^ flip) - c) | ((x3 ^ flip) - c) |
				((x4 ^ flip) - c) | ((x5 ^ flip) - c) | ((x6 ^ flip) - c) | ((x7 ^ flip) - c)
			if t&msb8 != 0 {
				break
			}
			i += 64
		}
		// Exact words up to 512 bytes on (the end of p, or a multiple of
		// 8 bytes, so no partial word is left before end).
		end := min(i+512, len(p))
		for ; i+8 <= end; i += 8 {
			x := binary.LittleEndian.Uint64(p[i:])
			if m := ((x ^ flip) - c) &^ x & msb8; m != 0 {
				return i + bits.TrailingZeros64(m)>>3
			}
		}
		if end == len(p) {
			break
		}
	}
	if i == len(p) {
		return -1
	}
	// Fewer than 8 bytes are left. Test them in one word: the last 8
	// bytes of p, whose first ones were found clean (the word test's lowest
	// hit is exact, and a false hit lies only above a true one), or, for a
	// p shorter than a word, the word at its start read on into the
	// capacity behind it, with the bytes past p masked out.
	switch {
	case len(p) >= 8:
		j := len(p) - 8
		x := binary.LittleEndian.Uint64(p[j:])
		if m := ((x ^ flip) - c) &^ x & msb8; m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
		return -1
	case cap(p) >= 8:
		x := binary.LittleEndian.Uint64(p[:8])
		if m := ((x ^ flip) - c) &^ x & msb8 & (1<<(8*uint(len(p))) - 1); m != 0 {
			return bits.TrailingZeros64(m) >> 3
		}
		return -1
	}
	for ; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == '"' {
			return i
		}
	}
	return -1
}
