package routeparse

import (
	"unicode/utf16"
	"unicode/utf8"
)

// jsonStringError says why a JSON string was refused as a model name.
type jsonStringError string

func (e jsonStringError) Error() string { return string(e) }

const (
	errBadEscape     jsonStringError = "invalid escape sequence"
	errLoneSurrogate jsonStringError = "unpaired UTF-16 surrogate escape"
	errBadUTF8       jsonStringError = "invalid UTF-8"
	errControlChar   jsonStringError = "control character"
)

// appendJSONString appends the decoded form of raw to b, the way
// encoding/json decodes it (U+FFFD for unpaired surrogates and invalid
// bytes). It never fails; it is for matching keys, never for model names,
// which are decoded strictly (unescapeJSON with strict set) and refused on
// any such defect.
func appendJSONString(b []byte, raw string) []byte {
	b, _ = unescapeJSON(b, raw, false)
	return b
}

// checkPlainName validates an unescaped name: valid UTF-8, no C0 control
// character and no DEL.
func checkPlainName(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return errControlChar
		}
		if c >= utf8.RuneSelf {
			if !utf8.ValidString(s[i:]) {
				return errBadUTF8
			}
			// The rest is valid UTF-8; ASCII controls may still follow.
			for j := i; j < len(s); j++ {
				if c := s[j]; c < 0x20 || c == 0x7f {
					return errControlChar
				}
			}
			return nil
		}
	}
	return nil
}

// unescapeJSON appends the decoded form of raw to dst. With strict set it
// stops at the first problem; otherwise it follows encoding/json. It is
// one function on purpose: every escaped key and model name is decoded by
// it byte by byte, and a helper per escape would cost a call per escape
// in an escape-dense body.
func unescapeJSON(dst []byte, raw string, strict bool) ([]byte, error) {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			if i+1 >= len(raw) {
				if strict {
					return dst, errBadEscape
				}
				dst = utf8.AppendRune(dst, utf8.RuneError)
				i++
				continue
			}
			e := raw[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				dst = append(dst, e)
				continue
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r, ok := hex4(raw, i)
				if !ok {
					if strict {
						return dst, errBadEscape
					}
					dst = utf8.AppendRune(dst, utf8.RuneError)
					continue
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2, ok := rune(0), false
					if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						r2, ok = hex4(raw, i+2)
					}
					if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
						i += 6
						dst = utf8.AppendRune(dst, d)
						continue
					}
					if strict {
						return dst, errLoneSurrogate
					}
					r = utf8.RuneError
				}
				if strict && (r < 0x20 || r == 0x7f) {
					return dst, errControlChar
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default:
				if strict {
					return dst, errBadEscape
				}
				dst = utf8.AppendRune(dst, utf8.RuneError)
				continue
			}
			// \b \f \n \r \t
			if strict {
				return dst, errControlChar
			}
		case c < utf8.RuneSelf:
			if strict && (c < 0x20 || c == 0x7f) {
				return dst, errControlChar
			}
			dst = append(dst, c)
			i++
		default:
			r, n := utf8.DecodeRuneInString(raw[i:])
			if r == utf8.RuneError && n == 1 {
				if strict {
					return dst, errBadUTF8
				}
				dst = utf8.AppendRune(dst, utf8.RuneError)
				i++
				continue
			}
			dst = append(dst, raw[i:i+n]...)
			i += n
		}
	}
	return dst, nil
}

// hex4 decodes the four hex digits of a \u escape starting at s[i].
func hex4[T string | []byte](s T, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for k := i; k < i+4; k++ {
		c := s[k]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
