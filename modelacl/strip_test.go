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

// TestStripEverySpelling: a header the gateway owns, or a credential, must
// not reach the next handler in any spelling a lenient server reads as the
// same header, whatever its length.
func TestStripEverySpelling(t *testing.T) {
	long := "X-" + strings.Repeat("Gateway-Owned-", 6) + "Header" // longer than 63 bytes
	h, rec := newHandler(t, modelacl.Options{StripHeaders: []string{"x-gateway-user", long}})
	kept := map[string]string{
		"X-Gateway-Users":        "a longer name is another header",
		"X-Gateway-Use":          "a shorter one too",
		"X-Api-Keys":             "not a credential",
		"Content-Type":           "application/json",
		"X-Amz-Date-Extra":       "not X-Amz-Date",
		"X-Api-Kez":              "same length, one byte off",
		long[:len(long)-1]:       "one byte short of the long name",
		long[:len(long)-1] + "S": "same length as the long name",
	}
	stripped := []string{
		"x_gateway_user", "X-GATEWAY-USER", "X-Gateway-User",
		"x_api_key", "X-API-KEY", "api_key", "x_goog_api_key", "PROXY-AUTHORIZATION",
		"x_amz_date", "X-AMZ-SECURITY-TOKEN", "x-amz-content-sha256",
		strings.ToLower(long), strings.ReplaceAll(long, "-", "_"),
	}
	r := httptest.NewRequest(http.MethodGet, "/v1/models", nil)
	bearer(r, restrictedKey)
	for k, v := range kept {
		r.Header[k] = []string{v}
	}
	for _, k := range stripped {
		r.Header[k] = []string{restrictedKey} // the same secret: not ambiguous
	}
	w := &discardRecorder{h: http.Header{}}
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.code)
	got := rec.last.header
	for k, v := range kept {
		assert.Equal(t, []string{v}, got[k], "%s must be kept", k)
	}
	for _, k := range append(stripped, "Authorization") {
		assert.NotContains(t, got, k, "%s must be stripped", k)
	}
	assert.Len(t, got, len(kept))
}

type discardRecorder struct {
	h    http.Header
	code int
}

func (w *discardRecorder) Header() http.Header         { return w.h }
func (w *discardRecorder) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardRecorder) WriteHeader(c int)           { w.code = c }

// TestStripHeadersAddedByAuthenticate: the headers to strip are found in
// the pass over the request's headers made before Authenticate runs; a
// header a host's Authenticate adds afterwards (here its own gateway
// header, and a credential in another spelling) must be stripped all the
// same.
func TestStripHeadersAddedByAuthenticate(t *testing.T) {
	keys := fixtureKeys()
	h, rec := newHandler(t, modelacl.Options{
		StripHeaders: []string{"x-gateway-user"},
		Authenticate: func(r *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
			r.Header["X-Gateway-User"] = []string{"set by the host"}
			r.Header["x_api_key"] = []string{restrictedKey}
			return keys.authenticate(r, c)
		},
	})
	r := httptest.NewRequest(http.MethodGet, "/v1/models", nil)
	bearer(r, restrictedKey)
	r.Header.Set("Accept", "application/json")
	w := &discardRecorder{h: http.Header{}}
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.code)
	got := rec.last.header
	for _, k := range []string{"Authorization", "X-Gateway-User", "x_api_key"} {
		assert.NotContains(t, got, k, "%s must be stripped", k)
	}
	assert.Equal(t, []string{"application/json"}, got["Accept"])
}
