package routeparse

import (
	"fmt"
	"strings"
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
//     "model[0]", "model%5B%5D", "Model[x]"): qs, Rack and PHP read it as
//     the parameter; ErrAmbiguousModel;
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
		exact, fold, bracket, ok := queryKeyIs(key, want)
		switch {
		case !ok:
			return "", &Error{Shape: "query", Detail: fmt.Sprintf("bad percent-encoding in query key %q", clip(key)), Err: ErrMalformedPath}
		case exact:
			return want, nil
		case fold:
			return "", &Error{Shape: "query", Detail: fmt.Sprintf("query key %q is a case variant of %q", clip(key), want), Err: ErrAmbiguousModel}
		case bracket:
			// qs (Express), Rack and PHP read "model[]=x", "model[0]=x"
			// and "model[a]=x" as the parameter "model"; net/url does not.
			return "", &Error{Shape: "query", Detail: fmt.Sprintf("query key %q is a bracket form of %q", clip(key), want), Err: ErrAmbiguousModel}
		}
	}
	return "", nil
}

// queryByte decodes the byte of a query component at s[i]: ok is false for
// a malformed escape; next is the index after it.
func queryByte(s string, i int) (c byte, next int, ok bool) {
	switch c = s[i]; c {
	case '%':
		if i+2 >= len(s) || !pctHex(s[i+1]) || !pctHex(s[i+2]) {
			return 0, i + 1, false
		}
		return pctUnhex(s[i+1])<<4 | pctUnhex(s[i+2]), i + 3, true
	case '+':
		return ' ', i + 1, true
	}
	return c, i + 1, true
}

// queryKeyIs compares the decoded raw key with want: exactly and ASCII
// case-insensitively. bracket reports a key that is want (in any case)
// followed by '[' ("model[]", "Model[0]", "model%5B%5D"). ok is false when
// raw has a malformed escape.
func queryKeyIs(raw, want string) (exact, fold, bracket, ok bool) {
	exact, fold = true, true
	j := 0
	for i := 0; i < len(raw); {
		c, next, valid := queryByte(raw, i)
		if !valid {
			return false, false, false, false
		}
		i = next
		if j >= len(want) {
			if j == len(want) && fold && c == '[' {
				bracket = true
			}
			exact, fold = false, false
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
	if j < len(want) {
		return false, false, false, true
	}
	return exact, fold, bracket, true
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
		if exact, _, _, _ := queryKeyIs(k, key); exact {
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
