package modelacl_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// An upstream that honours a method override (Google's front ends read
// X-HTTP-Method-Override) would serve a request with another method than
// the one the middleware classified: refused, whatever the route, before
// anything reaches the next handler; the same request without the header
// goes on.
func TestMiddlewareRefusesMethodOverrides(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{})
	for _, tc := range []struct {
		name, method, target, body, header string
	}{
		{"GET listing turned into a POST", "GET", "/v1beta/models", "", "X-HTTP-Method-Override"},
		{"allowed chat turned into a DELETE", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini"}`, "X-HTTP-Method"},
		{"bedrock invoke with another method", "POST", "/bedrock/model/global.anthropic.claude-haiku-4-5/invoke", `{}`, "X-Method-Override"},
		{"lower-case header name", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini"}`, "x-http-method-override"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, override := range []bool{false, true} {
				rec.last = seen{}
				r := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
				if tc.body == "" {
					r.Body, r.ContentLength = http.NoBody, 0
				}
				r.Header.Set("Content-Type", "application/json")
				bearer(r, allowedKey)
				if override {
					r.Header.Set(tc.header, "DELETE")
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if !override {
					require.Equal(t, http.StatusOK, w.Code, "control without the header: %s", w.Body)
					continue
				}
				assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
				assert.Contains(t, w.Body.String(), "method override")
				assert.False(t, rec.last.called, "nothing reaches the next handler")
			}
		})
	}
}
