package routeparse

import (
	"encoding/binary"
	"math/bits"

	"github.com/modelgate/modelgate/internal/hexdigit"
)

// The JSON scanner below accepts exactly what encoding/json accepts (RFC
// 8259 plus encoding/json's quirks: invalid UTF-8 inside strings is
// allowed, nesting deeper than 10000 levels is not), while touching string
// contents only through a word-at-a-time check and a vectorised search for
// the bytes that end plain text (nextStop). A body that encoding/json
// would reject is refused as a whole, wherever the defect is: a parser
// that stops at the first "model" and ignores the rest would let the
// dispatcher and the authorizer read different requests.

// maxJSONDepth is encoding/json's nesting limit (scanner.go maxNestingDepth).
const maxJSONDepth = 10000

// jsonScanner validates a JSON text held in b. Methods return the index just
// past what they consumed, or -1 after recording the first error.
type jsonScanner struct {
	b         []byte
	errOff    int
	errMsg    string
	stopCache // what nextStop keeps between searches
}

func (s *jsonScanner) fail(off int, msg string) int {
	if s.errMsg == "" {
		s.errOff, s.errMsg = off, msg
	}
	return -1
}

// at returns b[i], or 0 past the end (0 is never valid outside strings).
func (s *jsonScanner) at(i int) byte {
	if uint(i) < uint(len(s.b)) {
		return s.b[i]
	}
	return 0
}

// ws skips JSON whitespace.
func (s *jsonScanner) ws(i int) int {
	b := s.b
	for i < len(b) && b[i] <= ' ' && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// str scans the string starting with the quote at b[i] and reports whether
// it contains backslash escapes. The contents are s.b[i+1 : end-1].
//
// String contents are never walked byte by byte. At the start of a string,
// the next 16 bytes are tested a word at a time for a quote, a backslash or
// a control character (stopBits), which settles keys and short values.
// Past that, and right after each run of escapes, the next of those bytes
// is found by nextStop: on amd64 an assembly kernel marks them in a bitmap
// 4 KiB of body at a time, so each search is a shift and a count of
// trailing zeros (jsonstop_amd64.go); elsewhere bytes.IndexByte finds the
// next backslash, cached across strings, and the run up to it is searched
// for a quote or a control character 64 bytes at a time
// (jsonstop_other.go). The byte found ends the string, is refused, or
// starts a run of escapes that is validated in place.
func (s *jsonScanner) str(i int) (end int, esc bool) {
	b := s.b
	i++
	for {
		// Near: two words, at the start of the string only.
		atEscape := false
		for range 2 {
			if esc || i+8 > len(b) {
				break
			}
			m := stopBits(binary.LittleEndian.Uint64(b[i:])) & msb8
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
			if b[i] == '"' {
				return i + 1, esc
			}
			if b[i] != '\\' {
				return s.fail(i, "control character in string"), esc
			}
			atEscape = true
			break
		}
		// Far: the next quote, backslash or control character.
		if !atEscape {
			i = s.nextStop(i)
			if i == len(b) {
				return s.fail(len(b), "unterminated string"), esc
			}
			if b[i] == '"' {
				return i + 1, esc
			}
			if b[i] != '\\' {
				return s.fail(i, "control character in string"), esc
			}
		}
		// A run of escapes starts at i.
		esc = true
		for {
			if e := s.at(i + 1); isSimpleEscape(e) {
				i += 2
			} else if e == 'u' && hexdigit.Is(s.at(i+2)) && hexdigit.Is(s.at(i+3)) && hexdigit.Is(s.at(i+4)) && hexdigit.Is(s.at(i+5)) {
				i += 6
			} else {
				return s.fail(i, "invalid escape in string"), esc
			}
			if i >= len(b) || b[i] != '\\' {
				break
			}
		}
	}
}

// simpleEscapes has bit c set iff \c is a one-character JSON escape.
var simpleEscapes = [4]uint64{
	1<<'"' | 1<<'/',
	1<<('\\'-64) | 1<<('b'-64) | 1<<('f'-64) | 1<<('n'-64) | 1<<('r'-64) | 1<<('t'-64),
}

// isSimpleEscape reports whether \c is a one-character JSON escape: one
// load and a shift, no branch, as a run of escapes tests every other byte.
func isSimpleEscape(c byte) bool { return simpleEscapes[c>>6]>>(c&63)&1 != 0 }

// stopBits has bit 7 set in the lowest byte of x (in memory order) that is
// a quote, a backslash or below 0x20, and no bit 7 set below it; only bit 7
// of each byte is meaningful (mask with msb8).
//
// It is the "has a byte less than n" test, (v - n*lsb) &^ v & msb, whose
// lowest set bit is exact for n <= 128 (borrows only create false hits
// above a true one). XOR with 0x02 maps '"' (0x22) to 0x20 and keeps
// 0x00-0x1f below 0x20 while moving space up to 0x22, so one "less than
// 0x21" test finds quotes and control characters; XOR with '\\' turns
// backslashes into zero bytes. The XORs leave bit 7 alone, so a single
// &^ x excludes bytes >= 0x80 from both tests.
func stopBits(x uint64) uint64 {
	quoteOrCtl := (x ^ (0x02 * lsb8)) - 0x21*lsb8
	backslash := (x ^ ('\\' * lsb8)) - lsb8
	return (quoteOrCtl | backslash) &^ x
}

const (
	lsb8 = 0x0101010101010101
	msb8 = 0x8080808080808080
)

// number scans a JSON number starting at b[i]:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jsonScanner) number(i int) int {
	b := s.b
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i++
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return s.fail(start, "invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return s.fail(start, "invalid number")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return s.fail(start, "invalid number")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// literal scans true, false or null at b[i].
func (s *jsonScanner) literal(i int) int {
	var lit string
	switch s.at(i) {
	case 't':
		lit = "true"
	case 'f':
		lit = "false"
	case 'n':
		lit = "null"
	default:
		return s.fail(i, "invalid value")
	}
	if len(s.b)-i < len(lit) || string(s.b[i:i+len(lit)]) != lit {
		return s.fail(i, "invalid literal")
	}
	return i + len(lit)
}

// value scans one JSON value starting at b[i] (no leading whitespace),
// nested depth levels below the top.
func (s *jsonScanner) value(i, depth int) int {
	switch c := s.at(i); {
	case c == '"':
		i, _ = s.str(i)
		return i
	case c == '{' || c == '[':
		return s.container(i, depth)
	case c == '-' || isDigit(c):
		return s.number(i)
	default:
		return s.literal(i)
	}
}

// key scans `"key" ws : ws` at b[i] and returns where the value starts.
func (s *jsonScanner) key(i int) int {
	if s.at(i) != '"' {
		return s.fail(i, "expected object key")
	}
	if i, _ = s.str(i); i < 0 {
		return i
	}
	i = s.ws(i)
	if s.at(i) != ':' {
		return s.fail(i, "expected ':' after object key")
	}
	return s.ws(i + 1)
}

// container scans the object or array at b[i]. Nesting is walked
// iteratively with a bit stack (1 = object), so hostile nesting costs no
// goroutine stack; 128 levels fit inline, deeper nesting costs one
// allocation of 1.25 KiB. It is one function on purpose: every byte of a
// body the extractor does not read goes through this loop, and helpers
// would put a call in it for every value.
func (s *jsonScanner) container(i, depth int) int {
	var inline [2]uint64
	stack := inline[:]
	n := 0 // open containers
	for {
		// A value starts at i.
		if c := s.at(i); c == '{' || c == '[' {
			if depth+n+1 > maxJSONDepth {
				return s.fail(i, "exceeded maximum nesting depth")
			}
			w, bit := n>>6, uint64(1)<<(n&63)
			if w == len(stack) {
				if w == len(inline) {
					// Deeper than 128 levels: one allocation for the rest.
					grown := make([]uint64, w, maxJSONDepth/64+1)
					copy(grown, inline[:])
					stack = grown
				}
				stack = stack[:w+1]
			}
			if c == '{' {
				stack[w] |= bit
			} else {
				stack[w] &^= bit
			}
			n++
			i = s.ws(i + 1)
			if c == '{' {
				if s.at(i) != '}' {
					if i = s.key(i); i < 0 {
						return i
					}
					continue
				}
			} else if s.at(i) != ']' {
				continue
			}
			i++ // an empty container
			n--
		} else {
			switch {
			case c == '"':
				i, _ = s.str(i)
			case c == '-' || isDigit(c):
				i = s.number(i)
			default:
				i = s.literal(i)
			}
			if i < 0 {
				return i
			}
		}
		// A value ended at i: close containers, then find the next value.
		for {
			if n == 0 {
				return i
			}
			i = s.ws(i)
			obj := stack[(n-1)>>6]>>((n-1)&63)&1 != 0
			c := s.at(i)
			if c == ',' {
				i = s.ws(i + 1)
				if obj {
					if i = s.key(i); i < 0 {
						return i
					}
				}
				break
			}
			if obj && c == '}' || !obj && c == ']' {
				i++
				n--
				continue
			}
			if obj {
				return s.fail(i, "expected ',' or '}' in object")
			}
			return s.fail(i, "expected ',' or ']' in array")
		}
	}
}

// seqIter is what objIter and arrIter share: where the next item starts,
// and how far the walk has come.
type seqIter struct {
	s     *jsonScanner
	pos   int
	state uint8 // 0 = before first item, 1 = after an item, 2 = done
}

// advance moves past the ',' before the next item, or past the closing
// byte (state 2, pos after it), or fails with msg on anything else. It
// returns where the next item starts.
func (it *seqIter) advance(closer byte, msg string) (int, bool) {
	s := it.s
	if it.state == 2 || it.pos < 0 {
		it.state = 2
		return 0, false
	}
	i := it.pos
	if it.state == 0 {
		if s.at(i) == closer {
			it.pos, it.state = i+1, 2
			return 0, false
		}
		return i, true
	}
	i = s.ws(i)
	switch s.at(i) {
	case ',':
		return s.ws(i + 1), true
	case closer:
		it.pos, it.state = i+1, 2
	default:
		it.pos, it.state = s.fail(i, msg), 2
	}
	return 0, false
}

// objIter walks the members of one object. After next returns true, the
// member's value starts at pos; the caller consumes it and stores its end in
// pos before calling next again.
type objIter struct {
	seqIter
	keyOff int // the raw key contents (between the quotes) are s.b[keyOff:keyEnd]
	keyEnd int
	keyEsc bool
}

// key returns the raw contents of the current member's key.
func (it *objIter) key() []byte { return it.s.b[it.keyOff:it.keyEnd] }

// object starts iterating the object whose '{' is at b[i].
func (s *jsonScanner) object(i int) objIter {
	if s.at(i) != '{' {
		s.fail(i, "expected object")
		return objIter{seqIter: seqIter{s: s, pos: -1, state: 2}}
	}
	return objIter{seqIter: seqIter{s: s, pos: s.ws(i + 1)}}
}

func (it *objIter) next() bool {
	i, ok := it.advance('}', "expected ',' or '}' in object")
	if !ok {
		return false
	}
	s := it.s
	if s.at(i) != '"' {
		it.pos, it.state = s.fail(i, "expected object key"), 2
		return false
	}
	end, esc := s.str(i)
	if end < 0 {
		it.pos, it.state = end, 2
		return false
	}
	it.keyOff, it.keyEnd, it.keyEsc = i+1, end-1, esc
	i = s.ws(end)
	if s.at(i) != ':' {
		it.pos, it.state = s.fail(i, "expected ':' after object key"), 2
		return false
	}
	it.pos, it.state = s.ws(i+1), 1
	return true
}

// arrIter walks the elements of one array, like objIter.
type arrIter struct{ seqIter }

// array starts iterating the array whose '[' is at b[i].
func (s *jsonScanner) array(i int) arrIter {
	if s.at(i) != '[' {
		s.fail(i, "expected array")
		return arrIter{seqIter{s: s, pos: -1, state: 2}}
	}
	return arrIter{seqIter{s: s, pos: s.ws(i + 1)}}
}

func (it *arrIter) next() bool {
	i, ok := it.advance(']', "expected ',' or ']' in array")
	if ok {
		it.pos, it.state = i, 1
	}
	return ok
}
