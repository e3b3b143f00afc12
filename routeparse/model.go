package routeparse

import "math"

// Name returns the model name, decoded exactly once from the text the
// request carried: a percent-encoded path segment or query value is
// unescaped, a JSON string's backslash escapes are resolved. It allocates
// only when the raw text contained escapes (or a Vertex publisher
// qualifier must be joined on).
//
// Models are validated when they are recorded, so Name never fails; a
// Model that did not come from a [Route] has an empty name.
func (m Model) Name() string {
	if m.qual == "" {
		switch m.esc {
		case escNone:
			return m.raw
		case escPercent, escQuery:
			if !needsUnescape(m.raw, m.esc == escQuery) {
				return m.raw
			}
		case escJSON:
			// The body extractor validated the string when it recorded it.
			name, err := decodeJSONString(m.raw)
			if err != nil {
				return ""
			}
			return name
		}
	}
	return string(m.AppendName(nil))
}

// AppendName appends the decoded name to b and returns the extended
// buffer, so callers that keep a scratch buffer decode without allocating.
func (m Model) AppendName(b []byte) []byte {
	if m.qual != "" {
		b = append(b, m.qual...)
		b = append(b, '/')
	}
	switch m.esc {
	case escNone:
		return append(b, m.raw...)
	case escPercent:
		return appendUnescape(b, m.raw, false)
	case escQuery:
		return appendUnescape(b, m.raw, true)
	case escJSON:
		return appendJSONString(b, m.raw)
	}
	return b
}

// Raw returns the model text exactly as the request carried it: still
// percent-encoded for path segments and query values, still backslash
// escaped for JSON strings. Authorize [Model.Name], never Raw; Raw is for
// logs and for re-emitting the request byte-for-byte.
//
// For a Vertex model of a publisher other than google and anthropic, Raw
// is the model segment alone; Name joins the publisher on ("meta/llama-3").
func (m Model) Raw() string { return m.raw }

// needsUnescape reports whether s contains an escape that decoding would
// change.
func needsUnescape(s string, plus bool) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' || (plus && s[i] == '+') {
			return true
		}
	}
	return false
}

// appendUnescape appends the percent-decoding of s to b. s has been
// validated when the Model was recorded; a malformed escape is copied
// through unchanged rather than guessed at.
func appendUnescape(b []byte, s string, plus bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && pctHex(s[i+1]) && pctHex(s[i+2]):
			b = append(b, pctUnhex(s[i+1])<<4|pctUnhex(s[i+2]))
			i += 2
		case c == '+' && plus:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return b
}

func pctHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func pctUnhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// Span is where a body model lies in the JSON body [Parser.ParseBody]
// parsed (after undoing any Content-Encoding): body[Start:End] is the JSON
// string that carried the model, quotes included. A dispatcher that must
// send another name than the one the request carries (an alias's target)
// replaces exactly those bytes by the JSON encoding of the new name, quotes
// included, and adjusts Content-Length; every other byte stays as sent, and
// nothing is parsed a second time. A string that names several models
// ("a,b") gives each of them the same Span, with Shared set: rewriting it
// rewrites all of them.
type Span struct {
	Start, End int
	// Shared: the string names several comma-separated models.
	Shared bool
	// Element: the string is an element of a list ("model": ["a", "b"],
	// "fallbacks": ["a"]) rather than a member's whole value or a key.
	Element bool
}

// BodySpan returns where the model lies in the body, for models recorded
// from a JSON body ([SourceBody]): the top-level "model" and
// "deployment_id" strings, each element of a "model" list, fallbacks
// (including the keys of {"m": ["f"]} maps), tools[].model, a batch's
// requests[].params.model and "modelId". ok is false for every other model
// (path, query, form), and for a body longer than 4 GiB.
func (m Model) BodySpan() (s Span, ok bool) {
	if m.spanEnd == 0 {
		return Span{}, false
	}
	return Span{Start: int(m.spanOff), End: int(m.spanEnd), Shared: m.part, Element: m.elem}, true
}

// span is a Span as a Model stores it; end 0 means none.
type span struct{ off, end uint32 }

// makeSpan returns the span [off, end) of a body, or none when it does not
// fit in 32 bits.
func makeSpan(off, end int) span {
	if off < 0 || end <= off || uint64(end) > math.MaxUint32 {
		return span{}
	}
	return span{off: uint32(off), end: uint32(end)}
}
