package modelacl_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// A client can send headers after the body as HTTP/1.1 trailers, where
// neither credential stripping nor any model rule looks. The middleware
// hands on no trailers, so a next handler that forwards the request's
// Trailer map (or reads a model or a gateway-owned header from it) never
// sees the client's trailing Authorization or X-Gateway-User.
func TestMiddlewareDropsRequestTrailers(t *testing.T) {
	var got http.Header
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // trailers arrive after the body
		got = r.Trailer.Clone()
	})
	mw, err := modelacl.New(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate})
	require.NoError(t, err)

	for _, tc := range []struct {
		name         string
		h            http.Handler
		wantTrailers bool
	}{
		{"control: without the middleware the handler reads them", next, true},
		{"behind the middleware: none are handed on", mw.Handler(next), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			for _, path := range []string{
				"/v1/chat/completions", // body read and checked by the middleware
				"/bedrock/model/global.anthropic.claude-haiku-4-5/invoke", // body streamed on unread
			} {
				got = nil
				body := io.MultiReader(strings.NewReader(`{"model":"gpt-4o-mini",`), strings.NewReader(`"messages":[]}`))
				req, err := http.NewRequest(http.MethodPost, srv.URL+path, body)
				require.NoError(t, err)
				req.ContentLength = -1 // chunked, the only HTTP/1.1 framing that carries trailers
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+restrictedKey)
				req.Trailer = http.Header{"Authorization": {"Bearer " + restrictedKey}, "X-Gateway-User": {"admin"}}
				resp, err := srv.Client().Do(req)
				require.NoError(t, err)
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				require.Equal(t, http.StatusOK, resp.StatusCode, path)
				if tc.wantTrailers {
					assert.Equal(t, "Bearer "+restrictedKey, got.Get("Authorization"), path)
				} else {
					assert.Empty(t, got, path)
				}
			}
		})
	}
}
