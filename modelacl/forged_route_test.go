package modelacl_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// TestCheckRouteRefusesForgedRoutes: a Route only the parser makes. A
// hand-built one, or a parsed one whose security-relevant fields were
// edited, is refused even for a key allowed every model its request
// line or body names, and even when the edit claims the route is
// model-free.
func TestCheckRouteRefusesForgedRoutes(t *testing.T) {
	c := modelacl.Checker{Policy: fixturePolicy(t)}
	keys := fixtureKeys()
	restricted, allowed := keys[restrictedKey], keys[allowedKey]
	var p routeparse.Parser

	parsedChat := func(t *testing.T, model string) routeparse.Route {
		t.Helper()
		rt, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
		require.NoError(t, err)
		require.NoError(t, p.ParseBody(&rt, "application/json", "", []byte(`{"model":"`+model+`"}`), 0))
		return rt
	}

	cases := []struct {
		name  string
		route func(t *testing.T) routeparse.Route
	}{
		{"hand-built model-free route", func(*testing.T) routeparse.Route {
			return routeparse.Route{Provider: routeparse.OpenAI, Operation: routeparse.OpChatCompletions, ModelFree: true}
		}},
		{"hand-built model-free route with a body kind", func(*testing.T) routeparse.Route {
			return routeparse.Route{Provider: routeparse.Bedrock, Operation: routeparse.OpInvoke, ModelFree: true, UpstreamPath: "/model/x/invoke"}
		}},
		{"request line only, body skipped by editing Body and ModelFree", func(t *testing.T) routeparse.Route {
			rt, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
			require.NoError(t, err)
			rt.Body, rt.ModelFree = routeparse.BodyNone, true
			return rt
		}},
		{"parsed chat route edited to model-free", func(t *testing.T) routeparse.Route {
			rt := parsedChat(t, "claude-opus-4-7")
			rt.ModelFree = true
			return rt
		}},
		{"parsed chat route with provider edited", func(t *testing.T) routeparse.Route {
			rt := parsedChat(t, "gpt-4o-mini")
			rt.Provider = routeparse.Bedrock
			return rt
		}},
		{"parsed chat route with body kind edited", func(t *testing.T) routeparse.Route {
			rt := parsedChat(t, "gpt-4o-mini")
			rt.Body = routeparse.BodyNone
			return rt
		}},
		{"parsed chat route with upstream path edited", func(t *testing.T) routeparse.Route {
			rt := parsedChat(t, "gpt-4o-mini")
			rt.UpstreamPath = "/v1/admin"
			return rt
		}},
		{"parsed route with a model swapped for another route's", func(t *testing.T) routeparse.Route {
			rt := parsedChat(t, "gpt-4o-mini")
			other := parsedChat(t, "claude-opus-4-7")
			rt.Models()[0] = other.Models()[0]
			return rt
		}},
		{"parsed route with its model marked a fallback", func(t *testing.T) routeparse.Route {
			rt := parsedChat(t, "gpt-4o-mini")
			rt.Models()[0].Fallback = true
			return rt
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt := tc.route(t)
			for _, pr := range []*modelacl.Principal{restricted, allowed} {
				d, err := c.CheckRoute(pr, &rt)
				require.ErrorIs(t, err, modelacl.ErrRouteUnsealed)
				require.ErrorIs(t, err, routeparse.ErrUnsealedRoute)
				assert.False(t, d.Allowed)
				assert.Equal(t, modelacl.ReasonInternal, d.Reason())
			}
		})
	}

	t.Run("the same routes unedited are decided as usual", func(t *testing.T) {
		rt := parsedChat(t, "gpt-4o-mini")
		d, err := c.CheckRoute(restricted, &rt)
		require.NoError(t, err)
		assert.True(t, d.Allowed)
		copied := rt
		d, err = c.CheckRoute(allowed, &copied)
		require.NoError(t, err, "a copy of a parsed route is the parser's route")
		assert.True(t, d.Allowed)
		free, err := p.ParseRequest("GET", "/v1/models", "", nil)
		require.NoError(t, err)
		d, err = c.CheckRoute(restricted, &free)
		require.NoError(t, err)
		assert.True(t, d.Allowed)
	})
}
