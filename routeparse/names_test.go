package routeparse_test

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// TestParserNames: a body model name that Parser.Names knows is taken
// from it, without a copy of the body's bytes; an answer that is not the
// name byte for byte is ignored, and escaped names never reach Names.
func TestParserNames(t *testing.T) {
	known := map[string]string{"gpt-4o": "gpt-4o", "liar": "gpt-4o-mini", "claude-opus-4-7": "claude-opus-4-7"}
	var asked []string
	p := routeparse.Parser{Names: func(b []byte) (string, bool) {
		asked = append(asked, string(b))
		s, ok := known[string(b)]
		return s, ok
	}}
	base, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
	require.NoError(t, err)

	for _, c := range []struct {
		name, body, want string
		fromNames        bool
		asked            []string
	}{
		{"known name is the host's string", `{"model":"gpt-4o"}`, "gpt-4o", true, []string{"gpt-4o"}},
		{"unknown name is copied", `{"model":"gpt-5"}`, "gpt-5", false, []string{"gpt-5"}},
		{"an answer that differs from the body is ignored", `{"model":"liar"}`, "liar", false, []string{"liar"}},
		{"escaped name is decoded, not looked up", `{"model":"claude\u002dopus-4-7"}`, "claude-opus-4-7", false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			asked = nil
			r := base
			require.NoError(t, p.ParseBody(&r, "application/json", "", []byte(c.body), 0))
			require.Len(t, r.Models(), 1)
			got := r.Models()[0].Name()
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.asked, asked)
			if s, ok := known[c.want]; ok {
				assert.Equal(t, c.fromNames, unsafe.StringData(got) == unsafe.StringData(s), "name shares the host's string")
			}
		})
	}

	// A known name costs no allocation; the same body naming an unknown
	// model costs one (its copy).
	p.Names = func(b []byte) (string, bool) { s, ok := known[string(b)]; return s, ok }
	for body, want := range map[string]float64{`{"model":"gpt-4o"}`: 0, `{"model":"gpt-5o"}`: 1} {
		b := []byte(body)
		allocs := testing.AllocsPerRun(100, func() {
			r := base
			if err := p.ParseBody(&r, "application/json", "", b, 0); err != nil {
				t.Fatal(err)
			}
		})
		assert.Equal(t, want, allocs, body)
	}
}
