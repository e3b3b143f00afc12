package routeparse_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// splice returns body with s replaced by the JSON encoding of name: what a
// dispatcher does to send an alias's target.
func splice(t *testing.T, body []byte, s routeparse.Span, name string) []byte {
	t.Helper()
	val, err := json.Marshal(name)
	require.NoError(t, err)
	out := make([]byte, 0, len(body)-(s.End-s.Start)+len(val))
	out = append(out, body[:s.Start]...)
	out = append(out, val...)
	return append(out, body[s.End:]...)
}

// asciiName reports whether s is a name the parser accepts whatever the
// rest of the rules: letters, digits and ". _ : -", with '/' between
// non-dot parts.
func asciiName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._:-/", c) >= 0) {
			return false
		}
	}
	return plainName(s)
}

// decodeAny decodes a JSON text the way encoding/json reads it, numbers
// kept as written.
func decodeAny(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

// FuzzBodySpan holds every body span to its contract: body[Start:End] is
// the JSON string that names the model, and replacing it by another name's
// JSON encoding is the same request, for encoding/json, as decoding the
// body, setting the name and encoding it again; the parser then reads the
// new name in the same place and every other model unchanged.
func FuzzBodySpan(f *testing.F) {
	for _, seed := range []struct{ body, to string }{
		{`{"model":"gpt-4o"}`, "gpt-4o-mini"},
		{`{"messages":[{"role":"user","content":"hi \"x\" \u00e9","model":"gpt-4o"}],"model":"gpt-4o","stream":true}`, "claude-haiku-4-5"},
		{` { "model" :  "claude\u002dopus-4-7" , "metadata" : {"model":"x"} } `, "claude-haiku-4-5"},
		{`{"model":"a,b","fallbacks":["c",{"model":"d","fallbacks":["e"]},{"f":["g"]}]}`, "z"},
		{`{"model":["a","b"],"deployment_id":"c"}`, "<&>"},
		{`{"model":"gpt-4o","x":"\ud83d\ude00"}`, "\u2028x"},
		{`{"model":"a","context_window_fallbacks":[{"a":["b","c"]}],"content_policy_fallbacks":null}`, `q"uote\`},
	} {
		f.Add([]byte(seed.body), seed.to)
	}
	var p routeparse.Parser
	base, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
	require.NoError(f, err)

	f.Fuzz(func(t *testing.T, body []byte, to string) {
		r := base
		if p.ParseBody(&r, "application/json", "", body, 0) != nil {
			return
		}
		if to == "" || !utf8.ValidString(to) || strings.IndexByte(to, ',') >= 0 {
			// A name with a comma is several names to the parser (and to
			// LiteLLM-style upstreams); modelacl's Compile refuses such
			// group names and alias targets, so no splice writes one.
			to = "target"
		}
		models := r.Models()
		for i, m := range models {
			s, ok := m.BodySpan()
			require.True(t, ok, "body model %q has no span", m.Name())
			require.True(t, 0 <= s.Start && s.Start < s.End && s.End <= len(body))

			// The span is one JSON string, and it decodes to the name.
			var got string
			require.NoError(t, json.Unmarshal(body[s.Start:s.End], &got), "span %q", body[s.Start:s.End])
			if s.Shared {
				var parts []string
				for part := range strings.SplitSeq(got, ",") {
					parts = append(parts, strings.TrimSpace(part))
				}
				require.Contains(t, parts, m.Name(), "part of %q", got)
				continue
			}
			require.Equal(t, `"`+m.Raw()+`"`, string(body[s.Start:s.End]))
			require.Equal(t, m.Name(), got)

			out := splice(t, body, s, to)
			// encoding/json reads the spliced body as the original with
			// the top-level model set to the new name.
			if m.Field == "model" && !m.Fallback {
				if top, ok := decodeAny(t, body).(map[string]any); ok {
					if _, isString := top["model"].(string); isString {
						top["model"] = to
						require.Equal(t, top, decodeAny(t, out), "splice of %q into %q", to, body)
					}
				}
			}
			// The parser reads the spliced body as the same request with
			// this one name changed, when the new name is one it accepts.
			r2 := base
			if err := p.ParseBody(&r2, "application/json", "", out, 0); err != nil {
				require.False(t, asciiName(to), "%q refused after splicing: %v", to, err)
				continue
			}
			after := r2.Models()
			require.Len(t, after, len(models))
			for j := range models {
				want := models[j].Name()
				if j == i {
					want = to
				}
				require.Equal(t, want, after[j].Name(), "model %d after splicing model %d", j, i)
				require.Equal(t, models[j].Field, after[j].Field)
				require.Equal(t, models[j].Fallback, after[j].Fallback)
			}
		}
	})
}
