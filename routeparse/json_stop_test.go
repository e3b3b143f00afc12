package routeparse_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// isStop is the reference, byte by byte: the bytes that end a run of plain
// string contents in JSON.
func isStop(c byte) bool { return c < 0x20 || c == '"' || c == '\\' }

// nextStopFresh searches b from i on a new scanner.
func nextStopFresh(b []byte, i int) int {
	s := routeparse.NewStopScanner(b)
	return s.NextStop(i)
}

// nearMisses are the bytes a faulty stop test would take for stops: the
// neighbours of quote, backslash and 0x1f, and each of them with the high
// bit set (which a word-at-a-time or signed comparison can confuse).
var nearMisses = []byte{' ', '!', '#', '[', ']', 0x7f, 0x80, 0x9f, 0xa0, 0xa2, 0xdc, 0xff, 'a', '0'}

// The kernels test 64, 32 or 16 bytes at a time and handle a partial last
// block apart: a stop of every class must be found at every position of
// every length up to past several blocks, from the start and from the
// stop itself, and nothing past it.
func TestNextStopEveryPosition(t *testing.T) {
	stops := []byte{'"', '\\', 0x00, 0x01, '\t', '\n', '\r', 0x1f}
	for _, kernel := range routeparse.StopKernels() {
		t.Run(kernel, func(t *testing.T) {
			routeparse.UseStopKernel(t, kernel)
			for n := 0; n <= 300; n++ {
				b := make([]byte, n)
				for k := range b {
					b[k] = nearMisses[k%len(nearMisses)]
				}
				require.Equal(t, n, nextStopFresh(b, 0), "no stop in %d bytes", n)
				for k := range n {
					for _, c := range stops {
						old := b[k]
						b[k] = c
						// One scanner searches from 0, from the stop and
						// from past it; a fresh one from half way.
						s := routeparse.NewStopScanner(b)
						got := [4]int{s.NextStop(0), s.NextStop(k), s.NextStop(k + 1), nextStopFresh(b, k/2)}
						if want := [4]int{k, k, n, k}; got != want {
							t.Fatalf("stop %#x at %d of %d: searches from 0, %d, %d and %d found %v, want %v", c, k, n, k, k+1, k/2, got, want)
						}
						b[k] = old
					}
				}
			}
		})
	}
}

// Every byte value, at the start, middle and end of a long block.
func TestNextStopEveryByte(t *testing.T) {
	for _, kernel := range routeparse.StopKernels() {
		t.Run(kernel, func(t *testing.T) {
			routeparse.UseStopKernel(t, kernel)
			for c := range 256 {
				for _, k := range []int{0, 15, 16, 31, 32, 63, 64, 100, 127} {
					b := bytes.Repeat([]byte{'a'}, 128)
					b[k] = byte(c)
					want := 128
					if isStop(byte(c)) {
						want = k
					}
					require.Equal(t, want, nextStopFresh(b, 0), "byte %#x at %d", c, k)
				}
			}
		})
	}
}

// Random bodies, dense to sparse in stops and longer than the kernel's
// window, searched the way the scanner walks a body: forward from just
// past each stop, with jumps ahead and back.
func TestNextStopRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kernel := range routeparse.StopKernels() {
		t.Run(kernel, func(t *testing.T) {
			routeparse.UseStopKernel(t, kernel)
			for round := range 200 {
				b := randomStopBody(rng, rng.IntN(20000), []int{1, 16, 300, 5000, 1 << 30}[round%5])
				walkStops(t, b, rng.Uint64())
			}
		})
	}
}

// randomStopBody returns n bytes in which about one in every density is
// a stop byte and the rest are ordinary or near-miss bytes.
func randomStopBody(rng *rand.Rand, n, density int) []byte {
	b := make([]byte, n)
	for k := range b {
		switch {
		case rng.IntN(density) == 0:
			b[k] = []byte{'"', '\\', byte(rng.IntN(0x20))}[rng.IntN(3)]
		case rng.IntN(2) == 0:
			b[k] = nearMisses[rng.IntN(len(nearMisses))]
		default:
			for b[k] = byte(rng.IntN(256)); isStop(b[k]); b[k] = byte(rng.IntN(256)) {
			}
		}
	}
	return b
}

// walkStops searches b from successive positions chosen by seed, on one
// scanner, and compares every answer with the reference.
func walkStops(t *testing.T, b []byte, seed uint64) {
	t.Helper()
	// want[i] is the first stop at or after b[i], or len(b), found byte
	// by byte from the end.
	want := make([]int, len(b)+1)
	want[len(b)] = len(b)
	for i := len(b) - 1; i >= 0; i-- {
		want[i] = want[i+1]
		if isStop(b[i]) {
			want[i] = i
		}
	}
	rng := rand.New(rand.NewPCG(seed, seed>>32))
	s := routeparse.NewStopScanner(b)
	for i, steps := 0, 0; i <= len(b) && steps < 2000; steps++ {
		got := s.NextStop(i)
		if got != want[i] {
			t.Fatalf("NextStop(%d) = %d, want %d (%d bytes, step %d)", i, got, want[i], len(b), steps)
		}
		switch rng.IntN(8) {
		case 0: // jump back, as a new scan of the same body may
			i = rng.IntN(i + 1)
		case 1: // skip ahead, as a run of escapes does
			i = got + 1 + rng.IntN(64)
		default:
			i = got + 1
		}
	}
}

// FuzzStopIndex compares the kernels with the byte-by-byte reference on
// arbitrary bytes, searched from arbitrary positions.
func FuzzStopIndex(f *testing.F) {
	f.Add([]byte(`{"model":"gpt-4o","messages":[{"content":"a\"b\\c\u00e9"}]}`), uint64(0))
	f.Add(bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz012345"), 200), uint64(7))
	f.Add([]byte("\x00\x1f\x20\x21\x22\x23\x5b\x5c\x5d\x7f\x80\xa2\xdc\xff"), uint64(1))
	f.Fuzz(func(t *testing.T, b []byte, seed uint64) {
		for _, kernel := range routeparse.StopKernels() {
			routeparse.UseStopKernel(t, kernel)
			walkStops(t, b, seed)
		}
	})
}

// BenchmarkNextStop walks 1 MiB from stop to stop, as the string scanner
// does: base64 text without a stop, and, adversarially, a backslash every
// 16 bytes.
func BenchmarkNextStop(b *testing.B) {
	plain := bytes.Repeat([]byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkrLw=="), 1<<20/48)
	escapes := bytes.Repeat([]byte(`abcdefghijklmn\n`), 1<<20/16)
	for _, in := range []struct {
		name string
		body []byte
	}{{"1MiB-base64", plain}, {"1MiB-escape-every-16", escapes}} {
		for _, kernel := range routeparse.StopKernels() {
			b.Run(in.name+"/"+kernel, func(b *testing.B) {
				routeparse.UseStopKernel(b, kernel)
				b.SetBytes(int64(len(in.body)))
				b.ReportAllocs()
				for b.Loop() {
					s := routeparse.NewStopScanner(in.body)
					for i := 0; i < len(in.body); i = s.NextStop(i) + 1 {
					}
				}
			})
		}
	}
}
