package modelacl_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// TestAttackUpgrade: a request that asks to switch protocols on a route
// authorized for one model would turn the connection into a tunnel whose
// later requests (h2c) or frames nobody classifies. Only a websocket
// upgrade on a realtime session route goes through.
func TestAttackUpgrade(t *testing.T) {
	const realtime = "/v1/realtime?model=gpt-4o-mini-realtime-preview"
	ws := map[string][]string{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-Websocket-Version": {"13"}}
	with := func(base map[string][]string, kv ...string) map[string][]string {
		h := map[string][]string{}
		for k, v := range base {
			h[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(h, kv[i])
				continue
			}
			h[kv[i]] = strings.Split(kv[i+1], "|")
		}
		return h
	}
	h2c := map[string][]string{"Connection": {"Upgrade, HTTP2-Settings"}, "Upgrade": {"h2c"}, "Http2-Settings": {"AAMAAABkAAQAoAAAAAIAAAAA"}}
	for _, tc := range []struct {
		name, method, target string
		headers              map[string][]string
		body                 string
		allowed              bool
	}{
		{"websocket on a realtime route", "GET", realtime, ws, "", true},
		{"websocket, tokens in other case", "GET", realtime, with(ws, "Connection", "keep-alive, UPGRADE", "Upgrade", "WebSocket"), "", true},

		{"h2c upgrade on an allowed chat route", "POST", "/v1/chat/completions", h2c, `{"model":"gpt-4o-mini"}`, false},
		{"h2c upgrade on a realtime route", "GET", realtime, h2c, "", false},
		{"HTTP2-Settings alone", "POST", "/v1/chat/completions", map[string][]string{"Http2-Settings": {"AAMAAABk"}}, `{"model":"gpt-4o-mini"}`, false},
		{"h2c without Connection", "POST", "/v1/chat/completions", map[string][]string{"Upgrade": {"h2c"}}, `{"model":"gpt-4o-mini"}`, false},
		{"websocket listed with h2c", "GET", realtime, with(ws, "Upgrade", "websocket, h2c"), "", false},
		{"websocket then h2c in a second header line", "GET", realtime, with(ws, "Upgrade", "websocket|h2c"), "", false},
		{"websocket with HTTP2-Settings", "GET", realtime, with(ws, "Http2-Settings", "AAMAAABk"), "", false},
		{"websocket on a chat route", "POST", "/v1/chat/completions", ws, `{"model":"gpt-4o-mini"}`, false},
		{"websocket on the models listing", "GET", "/v1/models", ws, "", false},
		{"websocket on a Bedrock path-model route", "POST", "/bedrock/model/global.anthropic.claude-haiku-4-5/invoke-with-response-stream", ws, `{}`, false},
		{"websocket on an unknown route", "GET", "/v1/whatever", ws, "", false},
		{"websocket on a realtime route with POST", "POST", realtime, ws, `{}`, false},
		{"Upgrade: websocket without Connection: upgrade", "GET", realtime, with(ws, "Connection", ""), "", false},
		{"Connection: upgrade without Upgrade", "POST", "/v1/chat/completions", map[string][]string{"Connection": {"upgrade"}}, `{"model":"gpt-4o-mini"}`, false},
		{"another protocol", "GET", realtime, with(ws, "Upgrade", "TLS/1.2"), "", false},
		{"empty Upgrade", "POST", "/v1/chat/completions", map[string][]string{"Upgrade": {""}}, `{"model":"gpt-4o-mini"}`, false},
		{"websocket on a realtime route for a denied model", "GET", "/v1/realtime?model=gpt-4o-realtime-preview", ws, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, rec := newHandler(t, modelacl.Options{})
			var body *strings.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			var r *http.Request
			if body != nil {
				r = httptest.NewRequest(tc.method, tc.target, body)
				r.Header.Set("Content-Type", "application/json")
			} else {
				r = httptest.NewRequest(tc.method, tc.target, nil)
			}
			for k, v := range tc.headers {
				r.Header[k] = v
			}
			bearer(r, restrictedKey)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if tc.allowed {
				require.Equal(t, http.StatusOK, w.Code, "%s", w.Body)
				assert.True(t, strings.EqualFold("websocket", rec.last.header.Get("Upgrade")), "the upgrade goes on to the relay")
				return
			}
			assert.False(t, rec.last.called, "refused upgrade reached the next handler")
			assert.GreaterOrEqual(t, w.Code, 400, "%s", w.Body)
		})
	}
}

// TestUpgradeRefusalIsTyped: the refusal is 400 in the route's dialect,
// with ErrUpgrade in the decision, and comes before authentication.
func TestUpgradeRefusalIsTyped(t *testing.T) {
	var got error
	h, _ := newHandler(t, modelacl.Options{OnDecision: func(_ context.Context, d *modelacl.Decision) { got = d.Err }})
	r := httptest.NewRequest(http.MethodPost, "/v1/messages", strings.NewReader(`{"model":"claude-haiku-4-5","max_tokens":1,"messages":[]}`))
	r.Header.Set("Connection", "Upgrade, HTTP2-Settings")
	r.Header.Set("Upgrade", "h2c")
	r.Header.Set("HTTP2-Settings", "AAMAAABk")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r) // no credential: the upgrade is refused first
	require.Equal(t, http.StatusBadRequest, w.Code)
	require.ErrorIs(t, got, modelacl.ErrUpgrade)
	assertDialect(t, dAnthropic, http.StatusBadRequest, "invalid_request_error", w.Result(), w.Body.Bytes())
	assert.Contains(t, w.Body.String(), "h2c")
}
