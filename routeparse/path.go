package routeparse

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/internal/hexdigit"
)

// Limits on the request line. They are far above anything an SDK sends and
// bound the work an adversarial request can cause.
const (
	maxPathLen  = 8192 // bytes of escaped path
	maxQueryLen = 16384
	maxSegs     = 24   // segments after the gateway prefix
	maxModelLen = 2048 // bytes of one model's raw text (Bedrock allows 2048)
)

// Byte classes of the escaped path.
const (
	clsBad        uint8 = iota // never allowed raw
	clsUnreserved              // A-Z a-z 0-9 - . _ ~ (RFC 3986 unreserved)
	clsColonAt                 // ':' and '@', allowed raw in every segment
	clsSlash                   // '/', the segment separator
	clsPercent                 // '%', starts an escape
)

var pathClass = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = clsUnreserved
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = clsUnreserved
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = clsUnreserved
	}
	for _, c := range "-._~" {
		t[c] = clsUnreserved
	}
	t[':'], t['@'] = clsColonAt, clsColonAt
	t['/'] = clsSlash
	t['%'] = clsPercent
	return t
}()

// pathPlain is 1 for the bytes a path carries raw with no further check:
// clsUnreserved and clsColonAt.
var pathPlain = func() (t [256]uint8) {
	for c, cls := range pathClass {
		if cls == clsUnreserved || cls == clsColonAt {
			t[c] = 1
		}
	}
	return t
}()

// pathErr builds an ErrMalformedPath error.
func pathErr(shape, format string, args ...any) error {
	return &Error{Shape: shape, Detail: fmt.Sprintf(format, args...), Err: ErrMalformedPath}
}

// checkPath enforces the canonical form of the whole escaped path, before
// anything is classified (DESIGN.md, step 1). Only one spelling of every
// request is accepted, so no two components that read the path can
// disagree about what it names:
//
//   - it starts with '/', has no empty segment ("//", trailing '/') and no
//     dot segment ("." or ".."; their encoded spellings are refused below);
//   - raw bytes are unreserved characters, ':' '@' '/' and '%'; a raw ';'
//     (a path parameter some servers strip), any other delimiter and any
//     non-ASCII byte is refused;
//   - every '%' starts a two-hex-digit escape of ':' '/' or '@', the only
//     bytes a model ID needs escaped. Escapes of unreserved characters
//     ("%2e", "%61") are not canonical (RFC 3986, section 6.2.2.2) and are
//     refused, which also refuses encoded dot segments; "%25" is double
//     encoding; escapes of controls, spaces, non-ASCII bytes and other
//     delimiters are refused.
//
// Where an encoded '/' is allowed is decided by each segment's role, later.
func checkPath(path string) error {
	if path == "" || path[0] != '/' {
		return pathErr("path", "path %q does not start with '/'", clip(path))
	}
	if len(path) > maxPathLen {
		return pathErr("path", "path longer than %d bytes", maxPathLen)
	}
	if path == "/" {
		return nil // canonical, and matches no route
	}
	// The common case is a plain byte (unreserved, ':' or '@'): one table
	// load and one test. Separators and escapes are handled out of line.
	// (Unrolled variants that test eight bytes at a time measured slower
	// on the short segments of real paths.)
	segStart := 1
	for i := 1; i < len(path); i++ {
		c := path[i]
		if pathPlain[c] != 0 {
			continue
		}
		cls := pathClass[c]
		switch cls {
		case clsSlash:
			if err := checkSegment(path, path[segStart:i], false); err != nil {
				return err
			}
			segStart = i + 1
		case clsPercent:
			if err := checkEscape(path, i); err != nil {
				return err
			}
			i += 2
		default:
			return badPathByte(path, c)
		}
	}
	return checkSegment(path, path[segStart:], true)
}

// checkSegment refuses an empty segment ("//", or a trailing '/' when
// last) and a dot segment.
func checkSegment(path, seg string, last bool) error {
	switch seg {
	case "":
		if last {
			return pathErr("path", "trailing '/' in %q", clip(path))
		}
		return pathErr("path", "empty segment (\"//\") in %q", clip(path))
	case ".", "..":
		return pathErr("path", "dot segment %q in %q", seg, clip(path))
	}
	return nil
}

// checkEscape checks the escape at path[i] ('%'): two hex digits encoding
// ':', '/' or '@'.
func checkEscape(path string, i int) error {
	if i+2 >= len(path) || !hexdigit.Is(path[i+1]) || !hexdigit.Is(path[i+2]) {
		return pathErr("path", "bad percent-encoding at %q", clip(path[i:]))
	}
	d := hexdigit.Value(path[i+1])<<4 | hexdigit.Value(path[i+2])
	switch {
	case d == ':' || d == '/' || d == '@':
		return nil
	case d == '%':
		return pathErr("path", "double encoding %q in %q", path[i:i+3], clip(path))
	case d == '.':
		return pathErr("path", "encoded dot %q in %q (dot segments are refused in every spelling)", path[i:i+3], clip(path))
	case d == ';':
		return pathErr("path", "encoded ';' %q in %q (path parameters are refused)", path[i:i+3], clip(path))
	case d >= 0x80:
		return pathErr("path", "encoded non-ASCII byte %q in %q", path[i:i+3], clip(path))
	case d < 0x20 || d == 0x7f:
		return pathErr("path", "encoded control byte %q in %q", path[i:i+3], clip(path))
	case pathClass[d] == clsUnreserved:
		return pathErr("path", "non-canonical escape %q of an unreserved character in %q", path[i:i+3], clip(path))
	default:
		return pathErr("path", "encoded %q not allowed in a path (%q)", string(rune(d)), clip(path))
	}
}

// badPathByte is the error for a raw byte no path may carry.
func badPathByte(path string, c byte) error {
	switch {
	case c == ';':
		return pathErr("path", "';' path parameter in %q", clip(path))
	case c >= 0x80:
		return pathErr("path", "non-ASCII byte in %q", clip(path))
	default:
		return pathErr("path", "character %q not allowed in a path (%q)", string(rune(c)), clip(path))
	}
}

// splitSegs splits rest ("/a/b/c", already checked by checkPath) into
// segs and returns how many there are, or -1 if there are more than fit.
func splitSegs(rest string, segs *[maxSegs]string) int {
	n := 0
	rest = rest[1:]
	for rest != "" {
		if n == len(segs) {
			return -1
		}
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			segs[n] = rest
			n++
			break
		}
		segs[n] = rest[:j]
		n++
		rest = rest[j+1:]
	}
	return n
}

// idSegment reports whether seg is a valid identifier segment (project,
// location, file, batch, job or endpoint ID): non-empty and without
// escapes. Identifiers of the routes this package knows never need one, so
// an escape there (an encoded '/' above all) is refused.
func idSegment(seg string) bool {
	return seg != "" && strings.IndexByte(seg, '%') < 0
}

// checkModelText validates the raw (escaped) text of a path model and
// returns how it must be decoded. The path passed checkPath, so escapes
// are well formed and decode to ':', '/' or '@'. raw may span several path
// segments (the raw-'/' Bedrock ARN form); an encoded '/' is allowed only
// when allowSlash is set. Every '/'-separated part of the decoded name
// must be non-empty and not a dot segment, so a name can never smuggle a
// path traversal into a URL built from it.
func checkModelText(shape, raw string, allowSlash bool) (escaping, error) {
	if raw == "" {
		return 0, pathErr(shape, "empty model ID")
	}
	if len(raw) > maxModelLen {
		return 0, pathErr(shape, "model ID longer than %d bytes", maxModelLen)
	}
	if strings.IndexByte(raw, '%') < 0 && strings.IndexByte(raw, '/') < 0 {
		// One part, no escapes: the common case, found with two
		// vectorised searches.
		if !namePart(raw) {
			return 0, pathErr(shape, "model ID %q has an empty or dot part", clip(raw))
		}
		return escNone, nil
	}
	// Parts are checked where they end; the bytes between need no look
	// but for the two that end them.
	esc := escNone
	partStart := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '%' && c != '/' {
			continue
		}
		end := i
		if c == '%' {
			esc = escPercent
			c = hexdigit.Value(raw[i+1])<<4 | hexdigit.Value(raw[i+2])
			i += 2
			if c != '/' {
				continue
			}
			if !allowSlash {
				return 0, pathErr(shape, "encoded '/' in model ID %q", clip(raw))
			}
		}
		if !namePart(raw[partStart:end]) {
			return 0, pathErr(shape, "model ID %q has an empty or dot part", clip(raw))
		}
		partStart = i + 1
	}
	if !namePart(raw[partStart:]) {
		return 0, pathErr(shape, "model ID %q has an empty or dot part", clip(raw))
	}
	return esc, nil
}

// namePart reports whether one '/'-separated part of a path model's text
// may stand in a name: not empty and not a dot segment. (checkPath refused
// encoded dots, so a dot part can only be spelled with raw dots.)
func namePart(p string) bool { return p != "" && p != "." && p != ".." }

// splitVerb splits a final segment "{name}:{verb}" at its last ':' (raw
// or "%3A"), the Google API custom-method separator. ok is false when
// there is no separator or either side is empty.
func splitVerb(seg string) (name, verb string, ok bool) {
	for i := len(seg) - 1; i >= 0; i-- {
		switch {
		case seg[i] == ':':
			name, verb = seg[:i], seg[i+1:]
		case seg[i] == '%' && i+2 < len(seg) && seg[i+1] == '3' && (seg[i+2] == 'A' || seg[i+2] == 'a'):
			name, verb = seg[:i], seg[i+3:]
		default:
			continue
		}
		return name, verb, name != "" && verb != ""
	}
	return seg, "", false
}
