package routeparse

import (
	"unicode"
	"unicode/utf8"
)

// Reasons a decoded body or form model name is refused.
const (
	errNameSpace    jsonStringError = "white space"
	errNameReserved jsonStringError = "a '?', '#', '%' or '\\'"
	errNameDotPart  jsonStringError = "an empty, \".\" or \"..\" '/'-separated part"
	errNameFormat   jsonStringError = "an invisible format character"
)

// checkModelName holds a decoded model name from a body or a form field to
// the rules a path model obeys, so that a name cannot change meaning once a
// dispatcher builds a URL from it ("/model/{id}/invoke",
// ".../models/{m}:generateContent") or trims it:
//
//   - valid UTF-8, no control character (C0, DEL, C1);
//   - no white space, ASCII or Unicode: " gpt-4o" is another string to
//     the policy and the same model to a dispatcher that trims;
//   - no invisible format character (Unicode category Cf: zero-width
//     spaces, U+FEFF, bidi controls);
//   - no '?', '#' (a query or fragment once in a URL), '%' (an escape a
//     URL builder may or may not decode again) or '\' (a path separator
//     to some servers);
//   - no empty, "." or ".." part between '/'s: "a/../b" is b in a URL.
//
// Everything else is allowed: ':', '@', '/', '.', '+', ',', '=', non-ASCII
// letters ("bedrock/arn:aws:bedrock:...:application-inference-profile/x",
// "ft:gpt-4o-mini:org:custom:id", "@cf/meta/llama", "accounts/a/models/x").
func checkModelName(name string) error {
	if namePart(name) && plainName(name) {
		return nil // one part, printable ASCII, nothing reserved: the common case
	}
	partLen, partDots := 0, 0
	for i := 0; i < len(name); {
		c := name[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(name[i:])
			switch {
			case r == utf8.RuneError && n == 1:
				return errBadUTF8
			case unicode.IsControl(r):
				return errControlChar
			case unicode.IsSpace(r):
				return errNameSpace
			case unicode.Is(unicode.Cf, r):
				// Format characters (U+200B zero width space, U+FEFF,
				// bidi controls) are invisible: a name holding one looks
				// like, and after a careless clean-up becomes, another.
				return errNameFormat
			}
			i += n
			partLen++
			continue
		}
		i++
		switch {
		case c < 0x20 || c == 0x7f:
			return errControlChar
		case c == ' ':
			return errNameSpace
		case c == '?' || c == '#' || c == '%' || c == '\\':
			return errNameReserved
		case c == '/':
			if partLen == 0 || partLen == partDots && partDots <= 2 {
				return errNameDotPart
			}
			partLen, partDots = 0, 0
			continue
		case c == '.':
			partDots++
		}
		partLen++
	}
	if partLen == 0 || partLen == partDots && partDots <= 2 {
		return errNameDotPart
	}
	return nil
}

// namePlain holds the bytes a model name carries with no further check:
// printable ASCII other than space and the reserved '?', '#', '%', '\',
// and other than '/', which separates parts.
var namePlain = func() (t [256]bool) {
	for c := 0x21; c < 0x7f; c++ {
		t[c] = true
	}
	for _, c := range "?#%\\/" {
		t[c] = false
	}
	return t
}()

// plainName reports whether every byte of s is in namePlain.
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !namePlain[s[i]] {
			return false
		}
	}
	return true
}
