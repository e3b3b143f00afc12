package modelacl_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// A 32 MiB body naming millions of models is refused with a typed 400
// once the parser meets the name past the bound, and nothing is forwarded.
// The body ends in invalid JSON, so the reason (too many models, not a
// malformed body) shows the parser stopped at the bound.
func TestMiddlewareRefusesTooManyModelNames(t *testing.T) {
	var reason modelacl.Reason
	h, rec := newHandler(t, modelacl.Options{OnDecision: func(_ context.Context, d *modelacl.Decision) { reason = d.Reason() }})
	var b bytes.Buffer
	b.WriteString(`{"model":"gpt-4o-mini","fallbacks":[`)
	for b.Len() < 32<<20-64 {
		b.WriteString(`"gpt-4o-mini",`)
	}
	b.WriteString(`"gpt-4o-mini",!`)
	r := httptest.NewRequest("POST", "/v1/chat/completions", bytes.NewReader(b.Bytes()))
	bearer(r, allowedKey)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	assert.False(t, rec.last.called, "forwarded")
	assert.Equal(t, modelacl.ReasonTooManyModels, reason)
	var e struct {
		Error struct{ Message string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
	assert.Contains(t, e.Error.Message, "the request names more than 256 models")

	// The bound is an option.
	h, rec = newHandler(t, modelacl.Options{MaxModelsPerRequest: 2})
	for body, want := range map[string]int{
		`{"model":"gpt-4o-mini","fallbacks":["gpt-4o-mini"]}`:               http.StatusOK,
		`{"model":"gpt-4o-mini","fallbacks":["gpt-4o-mini","gpt-4o-mini"]}`: http.StatusBadRequest,
	} {
		rec.last.called = false
		r := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(body))
		bearer(r, allowedKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, want, w.Code, body)
		assert.Equal(t, want == http.StatusOK, rec.last.called, body)
	}
}

// A compressed body is bounded once decoded by MaxDecodedBodyBytes,
// separately from MaxBodyBytes.
func TestMiddlewareDecodedBodyBound(t *testing.T) {
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	_, _ = zw.Write([]byte(`{"model":"gpt-4o-mini","pad":"` + strings.Repeat("0", 64<<10) + `"}`))
	require.NoError(t, zw.Close())
	send := func(h http.Handler) int {
		r := httptest.NewRequest("POST", "/v1/chat/completions", bytes.NewReader(zb.Bytes()))
		r.Header.Set("Content-Encoding", "gzip")
		bearer(r, allowedKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	h, _ := newHandler(t, modelacl.Options{})
	assert.Equal(t, http.StatusOK, send(h), "64 KiB decoded, under the default")
	h, rec := newHandler(t, modelacl.Options{MaxDecodedBodyBytes: 32 << 10})
	assert.Equal(t, http.StatusRequestEntityTooLarge, send(h))
	assert.False(t, rec.last.called)
	h, _ = newHandler(t, modelacl.Options{MaxBodyBytes: 4 << 10, MaxDecodedBodyBytes: 1 << 20})
	assert.Equal(t, http.StatusOK, send(h), "decoded past MaxBodyBytes when MaxDecodedBodyBytes allows it")

	for _, o := range []modelacl.Options{{MaxDecodedBodyBytes: -1}, {MaxModelsPerRequest: -1}} {
		o.Policy, o.Authenticate = fixturePolicy(t), fixtureKeys().authenticate
		_, err := modelacl.New(o)
		require.Error(t, err)
	}
}
