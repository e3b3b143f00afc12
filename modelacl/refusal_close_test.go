package modelacl_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// dribble opens a connection to addr, sends head (request line and
// headers, without the blank line) and then the body one byte every 20 ms,
// for at most 3 s. It returns the status line of the response and how long
// after the response began the server closed the connection (-1: it did
// not within the 3 s).
func dribble(t *testing.T, addr, head string, chunked bool) (status string, closedAfter time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, head+"\r\n\r\n")
	require.NoError(t, err)

	type result struct {
		status string
		at     time.Time
		closed time.Time
	}
	done := make(chan result, 1)
	go func() {
		br := bufio.NewReader(c)
		line, err := br.ReadString('\n')
		res := result{status: strings.TrimSpace(line), at: time.Now()}
		if err == nil {
			_, _ = io.Copy(io.Discard, br) // until the server closes
		}
		res.closed = time.Now()
		done <- res
	}()
	stop := time.After(3 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case res := <-done:
			return res.status, res.closed.Sub(res.at)
		case <-stop:
			return "", -1
		case <-tick.C:
			b := "a"
			if chunked {
				b = "1\r\na\r\n"
			}
			_, _ = io.WriteString(c, b) // errors once the server is gone
		}
	}
}

// TestRefusalClosesConnectionWithoutDraining: a request refused before its
// body was read is answered at once and its connection closed within a
// second, however slowly the client sends the body: net/http would
// otherwise read up to 256 KiB of it at the client's pace before closing.
func TestRefusalClosesConnectionWithoutDraining(t *testing.T) {
	h, _ := newHandler(t, modelacl.Options{MaxBodyBytes: 1 << 20})
	srv := httptest.NewServer(h)
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	for _, tc := range []struct {
		name, head string
		chunked    bool
		status     int
	}{
		{"keyless, small Content-Length", "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100000", false, 401},
		{"keyless, chunked", "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", true, 401},
		{"unknown key", "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer sk-nobody\r\nContent-Length: 100000", false, 401},
		{"denied model in the path", "POST /bedrock/model/global.anthropic.claude-opus-4-7/converse HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + restrictedKey + "\r\nContent-Length: 100000", false, 403},
		{"unknown route", "POST /v9/nothing HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + restrictedKey + "\r\nContent-Length: 100000", false, 404},
		{"too large by Content-Length", "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + restrictedKey + "\r\nContent-Length: 2000000", false, 413},
		{"refused upgrade", "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + restrictedKey + "\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 100000", false, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, closedAfter := dribble(t, addr, tc.head, tc.chunked)
			require.NotEqual(t, time.Duration(-1), closedAfter, "connection still open after 3 s")
			assert.Equal(t, fmt.Sprintf("HTTP/1.1 %d %s", tc.status, http.StatusText(tc.status)), status)
			assert.Less(t, closedAfter, time.Second, "the server closed the connection late")
		})
	}
}

// TestRefusalAfterReadingKeepsConnection: a refusal after the whole body
// was read leaves the connection open for the client's next request, and
// says nothing about closing it.
func TestRefusalAfterReadingKeepsConnection(t *testing.T) {
	h, _ := newHandler(t, modelacl.Options{})
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	br := bufio.NewReader(c)
	for i, model := range []string{"gpt-4o", "gpt-4o-mini"} {
		body := `{"model":"` + model + `","messages":[]}`
		_, err := fmt.Fprintf(c, "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", restrictedKey, len(body), body)
		require.NoError(t, err)
		res, err := http.ReadResponse(br, nil)
		require.NoError(t, err, "request %d on the same connection", i)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		assert.Equal(t, []int{403, 200}[i], res.StatusCode)
		assert.False(t, res.Close, "a refusal after the body was read keeps the connection")
	}
}

// TestRefusalCloseOnlyOnHTTP1: an HTTP/2 request refused with its body
// unread gets no Connection header (forbidden in HTTP/2; net/http would
// turn it into a GOAWAY for the connection's other streams).
func TestRefusalCloseOnlyOnHTTP1(t *testing.T) {
	h, _ := newHandler(t, modelacl.Options{})
	for _, proto := range []int{1, 2} {
		r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(`{"model":"gpt-4o"}`))
		r.ProtoMajor = proto
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(t, http.StatusUnauthorized, w.Code)
		if proto == 1 {
			assert.Equal(t, "close", w.Header().Get("Connection"))
		} else {
			assert.Empty(t, w.Header().Values("Connection"))
		}
	}
}

// TestListingWithUnreadBodyClosesConnection: a model listing the
// middleware answers itself refuses a body (a GET carries none) without
// reading it; the connection is closed at once rather than drained at the
// client's pace.
func TestListingWithUnreadBodyClosesConnection(t *testing.T) {
	h, _ := newHandler(t, modelacl.Options{Discovery: &modelacl.DiscoveryOptions{}})
	srv := httptest.NewServer(h)
	defer srv.Close()
	status, closedAfter := dribble(t, srv.Listener.Addr().String(),
		"GET /v1/models HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer "+restrictedKey+"\r\nContent-Length: 100000", false)
	require.NotEqual(t, time.Duration(-1), closedAfter, "connection still open after 3 s")
	assert.Equal(t, "HTTP/1.1 400 Bad Request", status)
	assert.Less(t, closedAfter, time.Second)
}
