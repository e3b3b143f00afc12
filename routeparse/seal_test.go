package routeparse_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

func TestRouteSeal(t *testing.T) {
	var p routeparse.Parser
	parse := func(t *testing.T, method, path string) routeparse.Route {
		t.Helper()
		r, err := p.ParseRequest(method, path, "", nil)
		require.NoError(t, err)
		require.True(t, r.Sealed(), "a route the parser returned is sealed")
		return r
	}

	t.Run("zero and hand-built routes are not sealed", func(t *testing.T) {
		assert.False(t, (&routeparse.Route{}).Sealed())
		assert.False(t, (&routeparse.Route{Provider: routeparse.OpenAI, Operation: routeparse.OpListModels, ModelFree: true}).Sealed())
	})

	edits := map[string]func(r *routeparse.Route){
		"Provider":     func(r *routeparse.Route) { r.Provider = routeparse.Bedrock },
		"Operation":    func(r *routeparse.Route) { r.Operation = routeparse.OpListModels },
		"Dialect":      func(r *routeparse.Route) { r.Dialect = routeparse.Anthropic },
		"Prefix":       func(r *routeparse.Route) { r.Prefix = "/openai" },
		"UpstreamPath": func(r *routeparse.Route) { r.UpstreamPath = "/v1/models" },
		"Stream":       func(r *routeparse.Route) { r.Stream = !r.Stream },
		"ModelFree":    func(r *routeparse.Route) { r.ModelFree = true },
		"Body":         func(r *routeparse.Route) { r.Body = routeparse.BodyNone },
	}
	for field, edit := range edits {
		t.Run("edited "+field+" breaks the seal", func(t *testing.T) {
			r := parse(t, "POST", "/v1/chat/completions")
			edit(&r)
			assert.False(t, r.Sealed())
			err := p.ParseBody(&r, "application/json", "", []byte(`{"model":"gpt-4o"}`), 0)
			require.ErrorIs(t, err, routeparse.ErrUnsealedRoute, "ParseBody never extends and re-seals an edited route")
			assert.False(t, r.Sealed())
		})
	}

	t.Run("edited path model breaks the seal", func(t *testing.T) {
		r := parse(t, "POST", "/model/anthropic.claude-3-haiku-20240307-v1:0/invoke")
		other := parse(t, "POST", "/model/anthropic.claude-opus-4-7/invoke")
		r.Models()[0] = other.Models()[0]
		assert.False(t, r.Sealed())
		r = parse(t, "POST", "/model/anthropic.claude-3-haiku-20240307-v1:0/invoke")
		r.Models()[0].Field = "fallbacks"
		assert.False(t, r.Sealed())
	})

	t.Run("ParseBody reseals with the body models; a copy stays sealed", func(t *testing.T) {
		r := parse(t, "POST", "/v1/chat/completions")
		require.NoError(t, p.ParseBody(&r, "application/json", "", []byte(`{"model":"gpt-4o","stream":true}`), 0))
		assert.True(t, r.Sealed())
		assert.True(t, r.Stream)
		c := r
		assert.True(t, c.Sealed())
		c.Models()[0].Fallback = true
		assert.False(t, c.Sealed())
	})

	t.Run("a failed ParseBody leaves the request-line seal", func(t *testing.T) {
		r := parse(t, "POST", "/v1/chat/completions")
		require.Error(t, p.ParseBody(&r, "application/json", "", []byte(`{"model":"a","model":"b"}`), 0))
		assert.True(t, r.Sealed())
		assert.False(t, r.BodyParsed())
	})

	t.Run("Sealed does not allocate", func(t *testing.T) {
		r := parse(t, "POST", "/v1beta/models/gemini-2.0-flash:generateContent")
		assert.Zero(t, testing.AllocsPerRun(100, func() { _ = r.Sealed() }))
	})
}
