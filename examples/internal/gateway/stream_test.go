package gateway_test

import (
	"bufio"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
)

// TestStreamedEventsReachTheClientOneByOne proves the gateway streams
// without a forced flush interval: the upstream sends its second event only
// after the client has read the first through the gateway. A gateway that
// buffered the response would hold the first event back and the upstream
// would wait forever (here: until the test's deadline).
func TestStreamedEventsReachTheClientOneByOne(t *testing.T) {
	for _, tc := range []struct {
		name, path, contentType string
	}{
		// Bedrock's event stream: chunked, no Content-Length.
		{"bedrock event stream", "/bedrock/model/global.anthropic.claude-opus-4-7/invoke-with-response-stream", "application/vnd.amazon.eventstream"},
		// OpenAI's server-sent events.
		{"openai sse", "/v1/chat/completions", "text/event-stream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			firstRead := make(chan struct{})
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = io.WriteString(w, "event one\n")
				w.(http.Flusher).Flush()
				select {
				case <-firstRead:
				case <-time.After(5 * time.Second):
					return // the client never saw the first event: the test fails below
				}
				_, _ = io.WriteString(w, "event two\n")
			}))
			defer upstream.Close()

			cfg, err := gateway.ParseConfig([]byte(baseConfig + `
keys:
  - {key: sk-all, models: ["*"]}
upstreams: {bedrock: ` + upstream.URL + `, openai: ` + upstream.URL + `}
`))
			require.NoError(t, err)
			gw, err := gateway.New(cfg, gateway.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			require.NoError(t, err)
			srv := httptest.NewServer(gw)
			defer srv.Close()

			req, err := http.NewRequest(http.MethodPost, srv.URL+tc.path, strings.NewReader(`{"model":"gpt-4o-mini","stream":true}`))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer sk-all")
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)

			lines := bufio.NewReader(resp.Body)
			got := make(chan string, 1)
			go func() {
				line, _ := lines.ReadString('\n')
				got <- line
			}()
			select {
			case line := <-got:
				assert.Equal(t, "event one\n", line)
			case <-time.After(3 * time.Second):
				t.Fatal("the first event did not reach the client before the upstream sent the second")
			}
			close(firstRead)
			line, err := lines.ReadString('\n')
			require.NoError(t, err)
			assert.Equal(t, "event two\n", line)
		})
	}
}
