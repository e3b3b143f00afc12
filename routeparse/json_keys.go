package routeparse

import (
	"encoding/binary"
	"unicode"
	"unicode/utf8"
)

// Keys in disguise.
//
// encoding/json binds a member to a field by its exact or case-folded
// name, and ParseBody refuses case variants of the members it reads
// (see [Parser.ParseBody]). Other JSON stacks read some keys as a name
// encoding/json does not:
//
//   - C libraries that keep keys as NUL-terminated strings (cJSON, and
//     bindings built on them) cut "model\u0000x" at the NUL: "model";
//   - sanitisers and loggers that strip control characters, and
//     normalisers that remove default-ignorable code points (zero-width
//     space and joiners U+200B-U+200D, word joiner U+2060, U+FEFF, soft
//     hyphen U+00AD, bidi controls, variation selectors, tags), turn
//     "mo\u200bdel" into "model";
//   - decoders that drop invalid UTF-8 or lone surrogates instead of
//     replacing them (Python's errors="ignore") turn "mod\udc00el" or
//     "mod\xffel" into "model".
//
// A dispatcher, a proxy or the upstream on such a stack would read a
// model the authorizer never saw, so a key that becomes one of the names
// the extractor interprets once those characters are dropped (or once it
// is cut at its first NUL) is refused as a variant of that name, like
// "Model". Dropped here: C0 and C1 controls, DEL, format characters
// (Unicode category Cf), other default-ignorable code points and
// variation selectors, U+FFFD and invalid or surrogate input.

// maxStrippedKey bounds what disguised keeps of a key: a key that is
// fold-equal to a name is at most three times as long as the name, and the
// longest name is shorter than 32 bytes.
const maxStrippedKey = 96

// dropped reports whether r is a character some JSON stack drops from a
// key.
func dropped(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, 0x80 <= r && r <= 0x9f, r == utf8.RuneError:
		return true
	case r < 0xa0:
		return false
	}
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// disguised returns the index of the name in names that the raw key
// becomes once dropped characters are removed, or once it is cut at its
// first NUL and then stripped; -1 when neither matches. Keys of plain
// ASCII without escapes or DEL drop nothing and are answered at once.
func disguised(raw []byte, esc bool, names []string) int {
	if !esc && !hasHighOrDEL(raw) {
		return -1
	}
	var stripped, cut [maxStrippedKey]byte
	ns, nc := 0, -1 // nc < 0 until a NUL is met
	over := false   // stripped has outgrown every name
	for i := 0; i < len(raw) && !over; {
		r, n := keyRune(raw, i)
		i += n
		if r == 0 && nc < 0 {
			nc = ns
			copy(cut[:], stripped[:ns])
		}
		if dropped(r) {
			continue
		}
		if ns+utf8.RuneLen(r) > len(stripped) {
			over = true
			break
		}
		ns += utf8.EncodeRune(stripped[ns:], r)
	}
	for k, name := range names {
		if !over && ns > 0 && (string(stripped[:ns]) == name || foldEqual(stripped[:ns], name)) {
			return k
		}
		if nc > 0 && (string(cut[:nc]) == name || foldEqual(cut[:nc], name)) {
			return k
		}
	}
	return -1
}

// mayDrop is the quick test lookup makes before calling disguised: false
// when the key certainly holds nothing disguised drops (no escape, no DEL,
// no byte >= 0x80). A short key, as most are, is tested as one word read
// on into the body behind it, the bytes past the key masked out (see
// hasHighOrDEL for the test); a longer one is left to disguised.
func mayDrop(raw []byte, esc bool) bool {
	if esc || len(raw) > 8 || cap(raw) < 8 {
		return true
	}
	x := binary.LittleEndian.Uint64(raw[:8])
	return (x|(x+lsb8))&msb8&(1<<(8*uint(len(raw)))-1) != 0
}

// hasHighOrDEL reports whether p holds a byte >= 0x7f, a word at a time:
// adding 1 to every byte sets bit 7 of 0x7f, and bit 7 is already set in
// every byte above it (a carry out of 0xff only lands where bit 7 was
// set). Most keys are short ASCII, which this settles in a word or two.
func hasHighOrDEL(p []byte) bool {
	i := 0
	for ; i+8 <= len(p); i += 8 {
		x := binary.LittleEndian.Uint64(p[i:])
		if (x|(x+lsb8))&msb8 != 0 {
			return true
		}
	}
	for ; i < len(p); i++ {
		if p[i] >= 0x7f {
			return true
		}
	}
	return false
}

// keyRune decodes the rune at raw[i] of a scanned JSON string's contents
// (escapes are valid), the way encoding/json does, except that a lone
// surrogate and an invalid byte are U+FFFD of width one escape or byte.
func keyRune(raw []byte, i int) (rune, int) {
	c := raw[i]
	if c != '\\' {
		if c < utf8.RuneSelf {
			return rune(c), 1
		}
		return utf8.DecodeRune(raw[i:])
	}
	if i+1 >= len(raw) {
		return utf8.RuneError, 1
	}
	switch e := raw[i+1]; e {
	case 'u':
		r, ok := hex4(raw, i+2)
		if !ok {
			return utf8.RuneError, 2
		}
		if 0xd800 <= r && r < 0xdc00 && i+12 <= len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
			if r2, ok := hex4(raw, i+8); ok && 0xdc00 <= r2 && r2 < 0xe000 {
				return (r-0xd800)<<10 | (r2 - 0xdc00) + 0x10000, 12
			}
		}
		if 0xd800 <= r && r < 0xe000 {
			return utf8.RuneError, 6
		}
		return r, 6
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	default: // '"', '\\', '/'
		return rune(e), 2
	}
}
