package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
)

// interleavedUpstream answers a Bedrock stream before it has read the whole
// request body, as Bedrock does: it reads the first half of the body, sends
// the first event, then reads the rest and sends the last event, which
// carries the number of body bytes it received.
func interleavedUpstream(t *testing.T, half int) *httptest.Server {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The upstream streams both ways too.
		require.NoError(t, http.NewResponseController(w).EnableFullDuplex())
		first := make([]byte, half)
		if _, err := io.ReadFull(r.Body, first); err != nil {
			http.Error(w, "short body", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
		_, _ = io.WriteString(w, "event-1;")
		w.(http.Flusher).Flush()
		rest, err := io.ReadAll(r.Body)
		if err != nil {
			return // the connection was torn down: the client sees a cut stream
		}
		_, _ = fmt.Fprintf(w, "event-2:%d;end", half+len(rest))
	}))
	t.Cleanup(up.Close)
	return up
}

// The client sends the second half of its body only after it has read the
// first event: a gateway that is not full duplex on HTTP/1 discards or
// closes the unread body when the response starts, and the stream breaks
// (or never gets its first event). 1,000 calls, none may be cut.
func TestBedrockStreamsNeverBreak(t *testing.T) {
	const (
		calls   = 1000
		workers = 8
		half    = 4 << 10
	)
	up := interleavedUpstream(t, half)
	cfg, err := gateway.ParseConfig([]byte(baseConfig + "keys: [{key: sk-a, models: ['*']}]\nupstreams: {bedrock: '" + up.URL + "'}\n"))
	require.NoError(t, err)
	gw, err := gateway.New(cfg, gateway.Options{
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Transport: &http.Transport{MaxIdleConnsPerHost: workers},
	})
	require.NoError(t, err)
	ts := httptest.NewServer(gw)
	t.Cleanup(ts.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	url := ts.URL + "/bedrock/model/global.anthropic.claude-opus-4-7/invoke-with-response-stream"
	want := fmt.Sprintf("event-1;event-2:%d;end", 2*half)

	// One call: at most 5 s, so a stalled stream fails instead of hanging.
	call := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pr, pw := io.Pipe()
		// The transport waits for the body writer before it returns an
		// error; a cancelled call must end it.
		stop := context.AfterFunc(ctx, func() { _ = pw.CloseWithError(ctx.Err()) })
		defer stop()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, pr)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer sk-a")
		go func() { _, _ = pw.Write(bytes.Repeat([]byte{'a'}, half)) }()
		resp, err := client.Do(req)
		if err != nil {
			_ = pw.CloseWithError(err)
			return err
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode != http.StatusOK {
			_ = pw.Close()
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		got := make([]byte, len("event-1;"))
		if _, err := io.ReadFull(resp.Body, got); err != nil {
			_ = pw.CloseWithError(err)
			return fmt.Errorf("first event: %w", err)
		}
		go func() {
			_, err := pw.Write(bytes.Repeat([]byte{'b'}, half))
			_ = pw.CloseWithError(err)
		}()
		rest, err := io.ReadAll(resp.Body)
		if err != nil {
			return fmt.Errorf("stream cut after %q: %w", append(got, rest...), err)
		}
		if s := string(got) + string(rest); s != want {
			return fmt.Errorf("stream cut: got %q", s)
		}
		return nil
	}

	var (
		next, done atomic.Int64
		mu         sync.Mutex
		failures   []error
		wg         sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= calls {
				if err := call(); err != nil {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
					next.Store(calls) // stop early: one cut stream fails the test
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	require.Empty(t, failures, "truncated streams")
	assert.EqualValues(t, calls, done.Load())
}
