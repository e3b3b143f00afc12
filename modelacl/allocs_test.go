package modelacl_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// TestMiddlewareAllocations pins what one allowed request costs in
// allocations, measured as BenchmarkServeHTTP sends it:
//
//   - a model in the path: one, the request's state (Decision, the
//     context that carries it, the request copy handed on, the body and
//     budget bookkeeping); an ID escaped as the AWS SDKs send it adds the
//     decoded name (its escaped path is read without net/url's decoding
//     copy);
//   - a model in a 1 KiB or a 1 MiB body: the state and GetBody's
//     closure. The name of a model group the policy configures is the
//     policy's string (routeparse.Parser.Names), not a copy out of the
//     body; another name adds its copy. The body's buffer (sized from
//     Content-Length, read once, never grown) comes from the pool once an
//     earlier request gave it back.
func TestMiddlewareAllocations(t *testing.T) {
	mw, err := modelacl.New(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate})
	require.NoError(t, err)
	h := mw.Handler(drain)
	converse := []byte(`{"messages":[{"role":"user","content":[{"text":"` + strings.Repeat("a", 1024-60) + `"}]}]}`)
	for _, tc := range []struct {
		name, target string
		body         []byte
		allocs       float64
		key          string // restrictedKey when empty
	}{
		{"path model", "/bedrock/model/global.anthropic.claude-haiku-4-5/converse", converse, 1, ""},
		{"escaped ARN path model", "/bedrock/model/" + awsEscape(opusProfile) + "/converse", converse, 2, allowedKey},
		{"1 KiB body model", "/v1/chat/completions", chatBody(1024, "gpt-4o-mini"), 2, ""},
		{"1 MiB body model", "/v1/chat/completions", chatBody(1<<20, "gpt-4o-mini"), 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := rewindBody{bytes.NewReader(tc.body)}
			r := httptest.NewRequest(http.MethodPost, tc.target, body)
			r.ContentLength = int64(len(tc.body))
			r.Header.Set("Content-Type", "application/json")
			key := tc.key
			if key == "" {
				key = restrictedKey
			}
			auth := []string{"Bearer " + key}
			w := discardWriter{h: http.Header{}}
			var status int
			probe := &statusWriter{ResponseWriter: w, status: &status}
			got := testing.AllocsPerRun(200, func() {
				_, _ = body.Seek(0, io.SeekStart)
				r.Header["Authorization"] = auth
				w.clear()
				h.ServeHTTP(w, r)
			})
			r.Header["Authorization"] = auth
			_, _ = body.Seek(0, io.SeekStart)
			h.ServeHTTP(probe, r)
			require.Equal(t, 0, status, "the request must be allowed (nothing written by the middleware)")
			require.LessOrEqual(t, got, tc.allocs)
			t.Logf("%.0f allocations", got)
		})
	}
}

// statusWriter records a status the middleware writes.
type statusWriter struct {
	http.ResponseWriter
	status *int
}

func (w *statusWriter) WriteHeader(code int) {
	if code != http.StatusOK {
		*w.status = code
	}
}
