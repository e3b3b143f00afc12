package routeparse_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

func TestDefaultModels(t *testing.T) {
	p, err := (&routeparse.Parser{DefaultModels: map[routeparse.Operation]string{
		routeparse.OpThreadRun:       "gpt-4o",
		routeparse.OpRealtime:        "gpt-realtime",
		routeparse.OpVideoGeneration: "sora-2",
		routeparse.OpModeration:      "omni-moderation-latest",
	}}).Compile()
	require.NoError(t, err)

	parse := func(t *testing.T, p *routeparse.Parser, path, ct, body string) (routeparse.Route, error) {
		t.Helper()
		r, err := p.ParseRequest("POST", path, "", nil)
		require.NoError(t, err)
		return r, p.ParseBody(&r, ct, "", []byte(body), 0)
	}
	only := func(t *testing.T, r routeparse.Route) routeparse.Model {
		t.Helper()
		require.Len(t, r.Models(), 1)
		return r.Models()[0]
	}

	t.Run("a run without model is authorized as the configured default", func(t *testing.T) {
		r, err := parse(t, p, "/v1/threads/thread_1/runs", "application/json", `{"assistant_id":"asst_1"}`)
		require.NoError(t, err)
		m := only(t, r)
		assert.Equal(t, routeparse.SourceDefault, m.Source)
		assert.Equal(t, "gpt-4o", m.Name())
		assert.False(t, m.Fallback)
		assert.True(t, r.Sealed())
	})
	t.Run("a named model wins; the default is not added", func(t *testing.T) {
		r, err := parse(t, p, "/v1/threads/runs", "application/json", `{"assistant_id":"asst_1","model":"gpt-4o-mini"}`)
		require.NoError(t, err)
		assert.Equal(t, "gpt-4o-mini", only(t, r).Name())
	})
	t.Run("a session without model gets the realtime default", func(t *testing.T) {
		r, err := parse(t, p, "/v1/realtime/client_secrets", "application/json", `{"session":{"type":"realtime"}}`)
		require.NoError(t, err)
		assert.Equal(t, "gpt-realtime", only(t, r).Name())
	})
	t.Run("a moderation without model gets its default", func(t *testing.T) {
		r, err := parse(t, p, "/v1/moderations", "application/json", `{"input":"hi"}`)
		require.NoError(t, err)
		assert.Equal(t, "omni-moderation-latest", only(t, r).Name())
	})
	t.Run("fallbacks alone still take the default as the primary", func(t *testing.T) {
		r, err := parse(t, p, "/v1/moderations", "application/json", `{"input":"hi","fallbacks":["text-moderation-latest"]}`)
		require.NoError(t, err)
		require.Len(t, r.Models(), 2)
	})
	t.Run("routes that need a named model take no default", func(t *testing.T) {
		_, err := parse(t, p, "/v1/chat/completions", "application/json", `{"messages":[]}`)
		require.ErrorIs(t, err, routeparse.ErrNoModel)
		_, err = p.ParseRequest("GET", "/v1/realtime", "", nil)
		require.ErrorIs(t, err, routeparse.ErrNoModel, "a websocket session still names its model in the query")
	})
	t.Run("without an entry the refusal says how to configure one", func(t *testing.T) {
		var zero routeparse.Parser
		_, err := parse(t, &zero, "/v1/threads/thread_1/runs", "application/json", `{"assistant_id":"asst_1"}`)
		require.ErrorIs(t, err, routeparse.ErrNoModel)
		assert.Contains(t, err.Error(), "DefaultModels")
		assert.Contains(t, err.Error(), "thread_run")
	})
	t.Run("Compile refuses entries that cannot be defaults", func(t *testing.T) {
		for name, m := range map[string]map[routeparse.Operation]string{
			"operation whose model is required": {routeparse.OpChatCompletions: "gpt-4o"},
			"empty name":                        {routeparse.OpThreadRun: ""},
			"dot part":                          {routeparse.OpThreadRun: "gpt-4o/../o1-pro"},
			"white space":                       {routeparse.OpVideoGeneration: "sora-2 "},
		} {
			_, err := (&routeparse.Parser{DefaultModels: m}).Compile()
			assert.Error(t, err, name)
		}
	})
	t.Run("an uncompiled Parser ignores an invalid entry, failing closed", func(t *testing.T) {
		lit := routeparse.Parser{DefaultModels: map[routeparse.Operation]string{routeparse.OpThreadRun: "a/../b"}}
		_, err := parse(t, &lit, "/v1/threads/runs", "application/json", `{"assistant_id":"asst_1"}`)
		require.ErrorIs(t, err, routeparse.ErrNoModel)
	})
	t.Run("the compiled Parser keeps its own copy", func(t *testing.T) {
		src := &routeparse.Parser{DefaultModels: map[routeparse.Operation]string{routeparse.OpThreadRun: "gpt-4o"}}
		c, err := src.Compile()
		require.NoError(t, err)
		src.DefaultModels[routeparse.OpThreadRun] = "o1-pro"
		c.DefaultModels[routeparse.OpThreadRun] = "o1-pro"
		r, err := parse(t, c, "/v1/threads/runs", "application/json", `{"assistant_id":"asst_1"}`)
		require.NoError(t, err)
		assert.Equal(t, "gpt-4o", only(t, r).Name())
	})
}
