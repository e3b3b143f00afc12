package modelacl

import (
	"net/url"

	"github.com/modelgate/modelgate/internal/hexdigit"
)

// escapedPath is u.EscapedPath() without its allocation in the common case
// of a request line with escapes (a Bedrock base ID's "%3A0"), where
// net/url decodes RawPath into a new string to compare it with Path. It
// returns RawPath when RawPath is plainly a valid encoding of Path
// (compared byte by byte as it is decoded, only bytes that net/url always
// accepts in a path), and otherwise whatever EscapedPath says, so it never
// returns anything EscapedPath would not. Without RawPath (no escapes in
// the request line), a Path of bytes that net/url never escapes is its
// own escaping: it is returned after one table lookup per byte, where
// EscapedPath's escape would test each byte through a switch.
func escapedPath(u *url.URL) string {
	if u.RawPath == "" {
		if pathNeedsNoEscape(u.Path) && u.Path != "*" {
			return u.Path
		}
		return u.EscapedPath()
	}
	if rawPathEncodes(u.RawPath, u.Path) {
		return u.RawPath
	}
	return u.EscapedPath()
}

// pathNeedsNoEscape reports whether net/url's path escaping leaves every
// byte of p as it is.
func pathNeedsNoEscape(p string) bool {
	for i := 0; i < len(p); i++ {
		if !pathVerbatim[p[i]] {
			return false
		}
	}
	return true
}

// pathVerbatim holds the bytes net/url does not escape in a path: the
// unreserved characters and the sub-delimiters it keeps ("$&+,/:;=@");
// "!'()*" and everything else it escapes.
var pathVerbatim = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-._~$&+,/:;=@" {
		t[c] = true
	}
	return t
}()

// rawPathEncodes reports whether raw percent-decodes to path, every escape
// well formed and every other byte one that a path may carry unescaped.
func rawPathEncodes(raw, path string) bool {
	j := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '%':
			if i+2 >= len(raw) || !hexdigit.Is(raw[i+1]) || !hexdigit.Is(raw[i+2]) {
				return false
			}
			c = hexdigit.Value(raw[i+1])<<4 | hexdigit.Value(raw[i+2])
			i += 2
		case !plainPathByte(c):
			return false
		}
		if j >= len(path) || path[j] != c {
			return false
		}
		j++
	}
	return j == len(path)
}

// plainPathByte: unreserved characters and the sub-delimiters, ':', '@'
// and '/', which net/url accepts unescaped in a path.
func plainPathByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@', '/':
		return true
	}
	return false
}
