package gateway_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
)

// slowClient is one keyless connection that sends its headers, then
// dribbles its body a byte at a time, and records when the gateway refused
// it and when the gateway let go of the connection.
type slowClient struct {
	status            int
	refused, released time.Duration // since the start; 0: never
	err               error
}

func dribble(addr string, start time.Time, stop <-chan struct{}) slowClient {
	var sc slowClient
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		sc.err = err
		return sc
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetReadDeadline(time.Now().Add(6 * time.Second))
	_, err = io.WriteString(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
	if err != nil {
		sc.err = err
		return sc
	}
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		sc.err = fmt.Errorf("no refusal: %w", err)
		return sc
	}
	sc.status, sc.refused = resp.StatusCode, time.Since(start)
	_, _ = io.Copy(io.Discard, resp.Body)
	// The connection is released when the gateway closes it (a reset
	// when the gateway closes with some of the body unread).
	if _, err := br.ReadByte(); err == io.EOF || errors.Is(err, syscall.ECONNRESET) {
		sc.released = time.Since(start)
	} else {
		sc.err = fmt.Errorf("connection still open after the refusal: %v", err)
	}
	return sc
}

// A handler that refuses a request without reading its body and closes
// the connection (Connection: close, as the middleware's refusals do)
// releases it at once: the server does not first read the rest of the
// body at the client's pace.
func TestServerReleasesUnreadRefusals(t *testing.T) {
	refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusUnauthorized)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := gateway.NewServer(refuse, gateway.ServerOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	stop := make(chan struct{})
	defer close(stop)
	start := time.Now()
	sc := dribble(ln.Addr().String(), start, stop)
	require.NoError(t, sc.err)
	assert.Equal(t, http.StatusUnauthorized, sc.status)
	assert.Less(t, sc.released-sc.refused, time.Second, "the connection was held after the refusal")
}
