package routeparse

import (
	"math"

	"github.com/modelgate/modelgate/internal/hexdigit"
)

// Name returns the model name, decoded exactly once, when the model was
// recorded, from the text the request carried: a percent-encoded path
// segment or query value is unescaped, a JSON string's backslash escapes
// are resolved, and a Vertex publisher qualifier is joined on
// ("meta/llama-3"). It never allocates.
//
// Models are validated when they are recorded, so Name never fails; a
// Model that did not come from a [Route] has an empty name.
func (m Model) Name() string { return m.name }

// AppendName appends the decoded name to b and returns the extended
// buffer.
func (m Model) AppendName(b []byte) []byte { return append(b, m.name...) }

// decodeName decodes a validated path or query text once, when it is
// recorded: it returns raw itself, without allocating, when raw has no
// escapes and qual is empty, and otherwise one new string holding
// qual + "/" + the decoded text.
func decodeName(raw string, esc escaping, qual string) string {
	plus := esc == escQuery
	if qual == "" && (esc == escNone || !needsUnescape(raw, plus)) {
		return raw
	}
	var buf [256]byte
	b := buf[:0]
	if qual != "" {
		b = append(append(b, qual...), '/')
	}
	if esc == escNone {
		b = append(b, raw...)
	} else {
		b = appendUnescape(b, raw, plus)
	}
	return string(b)
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
		case c == '%' && i+2 < len(s) && hexdigit.Is(s[i+1]) && hexdigit.Is(s[i+2]):
			b = append(b, hexdigit.Value(s[i+1])<<4|hexdigit.Value(s[i+2]))
			i += 2
		case c == '+' && plus:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return b
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
