package routeparse

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/internal/hexdigit"
)

// parseQueryModels records the models the query string names: "model" on
// every route (some gateways let it override the body; realtime sessions
// carry their model there) and, on Azure routes, "deployment" (Azure
// realtime). Keys and values are read as net/url's ParseQuery reads them
// ('&' separated, percent-decoded, '+' is a space), so the model recorded
// is the one a Go dispatcher would see, with these refusals:
//
//   - ';' anywhere: ParseQuery refuses it while other parsers split on it;
//   - a malformed escape anywhere: the key may or may not be "model";
//   - a key that is "model" (or "deployment") only case-insensitively
//     ("Model", "MODEL"): dispatchers disagree on case; ErrAmbiguousModel;
//   - a bracket form of either, in any case and spelling ("model[]",
//     "model[0]", "model%5B%5D", "Model[x]", and "[model]", which qs reads
//     as "model" too): qs, Rack and PHP read it as the parameter;
//     ErrAmbiguousModel;
//   - a key that reads as either once leading spaces are dropped or a NUL
//     ends it (" model", "model%00x"): PHP reads both as "model";
//     ErrAmbiguousModel;
//   - the same key twice with values that decode differently: which one is
//     served depends on the dispatcher; ErrAmbiguousModel. Repeats of the
//     same value are recorded once.
//   - an empty model value, or one with bytes no model ID contains.
func parseQueryModels(r *Route, rawQuery string) error {
	if rawQuery == "" {
		return nil
	}
	if len(rawQuery) > maxQueryLen {
		return &Error{Shape: "query", Detail: fmt.Sprintf("query longer than %d bytes", maxQueryLen), Err: ErrMalformedPath}
	}
	if strings.IndexByte(rawQuery, ';') >= 0 {
		return &Error{Shape: "query", Detail: "';' in query", Err: ErrMalformedPath}
	}
	azure := r.Provider == Azure
	for q := rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" {
			continue
		}
		key, val, _ := strings.Cut(pair, "=")
		field, err := queryModelKey(key, azure)
		if err != nil {
			return err
		}
		if field == "" {
			if !validEscapes(val) {
				return &Error{Shape: "query", Detail: "bad percent-encoding in query value", Err: ErrMalformedPath}
			}
			continue
		}
		esc, err := checkQueryModel(field, val)
		if err != nil {
			return err
		}
		dup := false
		for _, m := range r.Models() {
			if m.Source != SourceQuery || m.Field != field {
				continue
			}
			if !queryValuesEqual(m.raw, val) {
				return &Error{Shape: "query", Detail: fmt.Sprintf("conflicting %q parameters", field), Err: ErrAmbiguousModel}
			}
			dup = true
		}
		if !dup {
			r.addModel(Model{Source: SourceQuery, Field: field, raw: val, name: decodeName(val, esc, "")})
		}
	}
	return nil
}

// queryModelKey returns the model field a raw query key names, or "".
func queryModelKey(key string, azure bool) (string, error) {
	for _, want := range [...]string{"model", "deployment"} {
		if want == "deployment" && !azure {
			break
		}
		var detail string
		switch m, ok := queryKeyIs(key, want); {
		case !ok:
			return "", &Error{Shape: "query", Detail: fmt.Sprintf("bad percent-encoding in query key %q", clip(key)), Err: ErrMalformedPath}
		case m == keyExact:
			return want, nil
		case m == keyCase:
			detail = "a case variant of"
		case m == keyBracket:
			// qs (Express), Rack and PHP read "model[]=x", "model[0]=x"
			// and "model[a]=x" as the parameter "model", and qs reads
			// "[model]=x" so too; net/url does not.
			detail = "a bracket form of"
		case m == keyMangled:
			// PHP drops leading spaces from a parameter name and ends
			// it at a NUL byte.
			detail = "read by some parsers as"
		default:
			continue
		}
		return "", &Error{Shape: "query", Detail: fmt.Sprintf("query key %q is %s %q", clip(key), detail, want), Err: ErrAmbiguousModel}
	}
	return "", nil
}

// keyMatch is how a query key relates to a parameter name.
type keyMatch uint8

const (
	keyOther   keyMatch = iota
	keyExact            // the name, byte for byte
	keyCase             // the name in another ASCII case
	keyBracket          // the name (any case) followed by '[' or ']', or after a leading '['
	keyMangled          // the name (any case) after leading spaces, or ended by a NUL
	// keyBracket and keyMangled come last: ">= keyBracket" is every
	// spelling only a lax parser reads as the name.
)

// queryByte decodes the byte of a query component at s[i]: ok is false for
// a malformed escape; next is the index after it.
func queryByte(s string, i int) (c byte, next int, ok bool) {
	switch c = s[i]; c {
	case '%':
		if i+2 >= len(s) || !hexdigit.Is(s[i+1]) || !hexdigit.Is(s[i+2]) {
			return 0, i + 1, false
		}
		return hexdigit.Value(s[i+1])<<4 | hexdigit.Value(s[i+2]), i + 3, true
	case '+':
		return ' ', i + 1, true
	}
	return c, i + 1, true
}

// queryKeyIs compares the decoded raw key with want as the laxest common
// query parsers read keys: leading '[' and ']' (qs) and spaces (PHP) are
// skipped, and the name ends at '[' or ']' (qs, Rack, PHP) or at a NUL
// (PHP). ok is false when raw has a malformed escape; the whole key is
// checked for those even after the name is settled.
func queryKeyIs(raw, want string) (m keyMatch, ok bool) { return keyIs(raw, want, true) }

// formKeyIs is queryKeyIs for a multipart form field name, which form
// parsers take as it is, without percent-decoding it.
func formKeyIs(name, want string) keyMatch {
	m, _ := keyIs(name, want, false)
	return m
}

// keyIs is queryKeyIs, decoding escapes and '+' only when decode is set.
func keyIs(raw, want string, decode bool) (m keyMatch, ok bool) {
	exact, fold := true, true
	lead := true // still in the leading run of '[', ']' and ' '
	bracket, spaced, nul := false, false, false
	j := 0
	for i := 0; i < len(raw); {
		c, next, valid := raw[i], i+1, true
		if decode {
			c, next, valid = queryByte(raw, i)
		}
		if !valid {
			return keyOther, false
		}
		i = next
		if lead && (c == '[' || c == ']' || c == ' ') {
			exact = false
			if c == ' ' {
				spaced = true
			} else {
				bracket = true
			}
			continue
		}
		lead = false
		if j >= len(want) {
			if j == len(want) && fold {
				switch c {
				case '[', ']':
					bracket = true
				case 0:
					nul = true
				default:
					fold = false
				}
			}
			exact = false
			j++
			continue // keep validating the escapes
		}
		w := want[j]
		j++
		if c != w {
			exact = false
			if lower(c) != w {
				fold = false
			}
		}
	}
	switch {
	case j < len(want) || !fold:
		return keyOther, true
	case exact:
		return keyExact, true
	case bracket:
		return keyBracket, true
	case nul || spaced:
		return keyMangled, true
	}
	return keyCase, true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// queryHasKey reports whether rawQuery has a parameter whose decoded key
// is exactly key.
func queryHasKey(rawQuery, key string) bool {
	for q := rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		k, _, _ := strings.Cut(pair, "=")
		if m, _ := queryKeyIs(k, key); m == keyExact {
			return true
		}
	}
	return false
}

func validEscapes(s string) bool {
	for i := 0; i < len(s); {
		_, next, ok := queryByte(s, i)
		if !ok {
			return false
		}
		i = next
	}
	return true
}

// checkQueryModel validates a query model value as checkModelText does a
// path model, '/' allowed: decoded bytes are unreserved characters, ':',
// '@' and '/', and no '/'-separated part is empty or a dot segment.
func checkQueryModel(field, raw string) (escaping, error) {
	if raw == "" {
		return 0, &Error{Shape: "query", Detail: fmt.Sprintf("empty %q parameter", field), Err: ErrMalformedPath}
	}
	if len(raw) > maxModelLen {
		return 0, &Error{Shape: "query", Detail: fmt.Sprintf("%q parameter longer than %d bytes", field, maxModelLen), Err: ErrMalformedPath}
	}
	esc := escNone
	partLen, partDots := 0, 0
	for i := 0; i < len(raw); {
		if raw[i] == '%' || raw[i] == '+' {
			esc = escQuery
		}
		c, next, ok := queryByte(raw, i)
		if !ok {
			return 0, &Error{Shape: "query", Detail: fmt.Sprintf("bad percent-encoding in %q parameter", field), Err: ErrMalformedPath}
		}
		i = next
		switch {
		case c == '/':
			if partLen == 0 || partLen == partDots && partDots <= 2 {
				return 0, &Error{Shape: "query", Detail: fmt.Sprintf("%q parameter %q has an empty or dot part", field, clip(raw)), Err: ErrMalformedPath}
			}
			partLen, partDots = 0, 0
			continue
		case pathClass[c] == clsUnreserved, c == ':', c == '@':
		default:
			return 0, &Error{Shape: "query", Detail: fmt.Sprintf("%q parameter %q holds a byte no model ID contains", field, clip(raw)), Err: ErrMalformedPath}
		}
		partLen++
		if c == '.' {
			partDots++
		}
	}
	if partLen == 0 || partLen == partDots && partDots <= 2 {
		return 0, &Error{Shape: "query", Detail: fmt.Sprintf("%q parameter %q has an empty or dot part", field, clip(raw)), Err: ErrMalformedPath}
	}
	return esc, nil
}

// queryValuesEqual compares two validated query values after decoding.
func queryValuesEqual(a, b string) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, ni, _ := queryByte(a, i)
		cb, nj, _ := queryByte(b, j)
		if ca != cb {
			return false
		}
		i, j = ni, nj
	}
	return i == len(a) && j == len(b)
}
