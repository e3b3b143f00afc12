package modelacl

import (
	"net/url"
	"strings"

	"github.com/modelgate/modelgate/internal/hexdigit"
)

// escapedPath is the path to classify: u.EscapedPath(), which is what
// httputil.ReverseProxy forwards, computed without its costs where the
// parser makes them needless.
//
// With RawPath set (escapes in the request line, such as a Bedrock base
// ID's "%3A0"), EscapedPath decodes RawPath into a new string to compare
// it with Path; escapedPath returns RawPath when RawPath is plainly a valid
// encoding of Path (compared byte by byte as it is decoded, only bytes
// that net/url always accepts in a path), and otherwise EscapedPath.
//
// Without RawPath, EscapedPath tests every byte of Path through a switch.
// escapedPath returns Path itself when it holds no '%', and EscapedPath
// otherwise. Path then differs from EscapedPath only if it holds a byte
// net/url escapes, and every such byte but '%' is one routeparse refuses
// raw in a path (ErrMalformedPath): whatever the parser accepts is exactly
// what is forwarded (FuzzEscapedPath holds the two to it). A '%' is what
// must not pass unescaped: the parser would read "%3A" in Path as an
// escape, while the request spelled "%253A".
func escapedPath(u *url.URL) string {
	if u.RawPath == "" {
		if strings.IndexByte(u.Path, '%') < 0 {
			return u.Path
		}
		return u.EscapedPath()
	}
	if rawPathEncodes(u.RawPath, u.Path) {
		return u.RawPath
	}
	return u.EscapedPath()
}

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
