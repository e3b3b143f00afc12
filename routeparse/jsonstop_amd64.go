//go:build amd64 && !purego

package routeparse

import "math/bits"

// The stop bytes of string contents (quote, backslash, below 0x20) are
// found by an assembly kernel that marks them in a bitmap, 4 KiB of body at
// a time.
//
// Assembly, because Go has no portable SIMD and this scan is most of the
// work on a large body: the pure-Go loop of jsonstop_other.go costs about
// one step per 8 bytes and puts the strict parse of a 1 MiB chat body at
// 8x one bytes.IndexByte pass over it, where the goal is 5x
// (BenchmarkBodyModel, strict against indexbyte-floor). A bitmap, because
// a kernel that returns at each stop pays a call and a chain of dependent
// latency per escape, thousands of them in such a body; with the bitmap a
// search is a shift and a count of trailing zeros. AVX2 where the CPU and
// the OS support it, because SSE2 alone (every amd64 CPU has it, and it is
// the fallback) measured 5.3x.

// stopMasks sets dst[k] to the stop mask of the block p[64k:64k+64]: bit j
// is set iff byte j is a quote, a backslash or below 0x20. It fills
// n = min(len(dst), len(p)/64) words, never reads past the last whole
// block, and returns a summary whose bit k (k < n) is set iff dst[k] != 0.
//
//go:noescape
func stopMasks(dst []uint64, p []byte) uint64

// cpuHasAVX2 reports whether the CPU has AVX2 and the OS saves its state.
func cpuHasAVX2() bool

// stopAVX2 selects stopMasks's AVX2 loop (read by the assembly).
var stopAVX2 = cpuHasAVX2()

// stopWindow is the number of body bytes whose stop masks are held at a
// time: one summary word's worth of blocks.
const stopWindow = 64 * 64

// stopCache holds the stop masks of b[winOff : winOff+winLen], and a
// summary of which of their words are not zero. Words past winLen are
// stale and never read: the summary does not point at them, and the
// first word looked at holds the position asked for.
type stopCache struct {
	winOff, winLen int
	sum            uint64
	win            [stopWindow / 64]uint64
}

// nextStop returns the index of the first quote, backslash or control
// byte at or after b[i], or len(b).
func (s *jsonScanner) nextStop(i int) int {
	for {
		r := i - s.winOff
		if uint(r) >= uint(s.winLen) {
			if i >= len(s.b) {
				return len(s.b)
			}
			s.fill(i)
			r = 0
		}
		k := uint(r) >> 6
		if w := s.win[k%64] >> (r & 63); w != 0 {
			return i + bits.TrailingZeros64(w)
		}
		if rest := s.sum >> k >> 1; rest != 0 {
			k += 1 + uint(bits.TrailingZeros64(rest))
			return s.winOff + int(k)<<6 + bits.TrailingZeros64(s.win[k%64])
		}
		i = s.winOff + s.winLen
	}
}

// fill computes the stop masks of the window starting at b[i].
func (s *jsonScanner) fill(i int) {
	p := s.b[i:]
	if len(p) > stopWindow {
		p = p[:stopWindow]
	}
	s.winOff, s.winLen = i, len(p)
	whole := len(p) &^ 63
	s.sum = stopMasks(s.win[:], p[:whole])
	if whole < len(p) {
		// The last block is partial: test a copy padded with zeros, and
		// drop the bits of the padding.
		var tail [64]byte
		n := copy(tail[:], p[whole:])
		k := whole >> 6
		stopMasks(s.win[k:], tail[:])
		if s.win[k] &= 1<<n - 1; s.win[k] != 0 {
			s.sum |= 1 << k
		}
	}
}
