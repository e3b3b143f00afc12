package gateway_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
	"github.com/modelgate/modelgate/routeparse"
)

// FuzzAliasSplice holds the dispatcher's alias rewrite to a re-encode: for
// every body the parser accepts on a unified route, splicing a new name in
// at the top-level "model" string gives a body that encoding/json reads as
// the original with "model" set to the new name, and that the parser reads
// with that one name changed.
func FuzzAliasSplice(f *testing.F) {
	for _, seed := range []struct{ body, to string }{
		{`{"model":"fast","messages":[]}`, "gpt-4o-mini"},
		{" { \"messages\" : [{\"model\":\"fast\"}] ,\n \"model\" :  \"f\\u0061st\" , \"x\":1.50e3 } ", "claude-haiku-4-5"},
		{`{"model":"fast","metadata":{"model":"fast"},"s":"\ud83d\ude00 \"q\""}`, "<a&b>"},
		{`{"temperature":0,"model":"fast"}`, "\u2028"},
	} {
		f.Add([]byte(seed.body), seed.to)
	}
	var p routeparse.Parser
	base, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
	require.NoError(f, err)
	decode := func(t *testing.T, b []byte) any {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		require.NoError(t, dec.Decode(&v), "%q", b)
		return v
	}
	f.Fuzz(func(t *testing.T, body []byte, to string) {
		r := base
		if p.ParseBody(&r, "application/json", "", body, 0) != nil {
			return
		}
		if !utf8.ValidString(to) {
			to = "target"
		}
		top, ok := decode(t, body).(map[string]any)
		if !ok {
			return
		}
		if _, isString := top["model"].(string); !isString {
			return // a model list: the gateway refuses to rewrite it
		}
		for _, m := range r.Models() {
			sp, ok := m.BodySpan()
			if !ok || m.Field != "model" || m.Fallback || sp.Shared || sp.Element {
				continue
			}
			out, ok := gateway.SpliceModel(body, m, to)
			require.True(t, ok, "the span of %q does not hold its string", m.Name())
			top["model"] = to
			require.Equal(t, top, decode(t, out), "splice of %q into %q", to, body)
			// Nothing but the span changed.
			require.Equal(t, body[:sp.Start], out[:sp.Start])
			require.Equal(t, body[sp.End:], out[len(out)-(len(body)-sp.End):])
			// A body changed at the span is not spliced.
			if sp.End-sp.Start > 2 {
				bad := bytes.Clone(body)
				bad[sp.Start+1] ^= 0x01
				_, ok := gateway.SpliceModel(bad, m, to)
				require.False(t, ok, "spliced a body whose span changed")
			}
		}
	})
}
