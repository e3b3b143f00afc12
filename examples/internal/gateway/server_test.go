package gateway_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
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

	"github.com/modelgate/modelgate/examples/internal/gateway"
	"github.com/modelgate/modelgate/examples/internal/gatewaytest"
)

// serve runs the gateway for doc behind the reference server on a loopback
// port, with mocks for the upstreams doc leaves out, and returns its
// address.
func serve(t *testing.T, doc string, o gateway.ServerOptions) (string, gateway.Mocks) {
	t.Helper()
	gw, mocks := gatewaytest.New(t, gatewaytest.Parse(t, doc), gateway.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	o.Logger = gatewaytest.Quiet
	srv := gateway.NewServer(gw, o)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), mocks
}

// client is one way to speak to the server: a protocol and its transport.
type client struct {
	name   string
	scheme string
	proto  int // the HTTP major version the response must have
	tr     *http.Transport
}

// clients returns Go's HTTP/1.1 and HTTP/2 clients, over plaintext (h2c
// with prior knowledge) or over TLS trusting cert.
func clients(cert []byte) []client {
	var h1, h2c, h2 http.Protocols
	h1.SetHTTP1(true)
	h2c.SetUnencryptedHTTP2(true)
	h2.SetHTTP2(true)
	if cert == nil {
		return []client{
			{"http/1.1", "http", 1, &http.Transport{Protocols: &h1}},
			{"h2c prior knowledge", "http", 2, &http.Transport{Protocols: &h2c}},
		}
	}
	pool := x509.NewCertPool()
	parsed, err := x509.ParseCertificate(cert)
	if err != nil {
		panic(err)
	}
	pool.AddCert(parsed)
	tc := &tls.Config{RootCAs: pool, ServerName: "localhost"}
	return []client{
		{"tls http/1.1", "https", 1, &http.Transport{Protocols: &h1, TLSClientConfig: tc}},
		{"tls h2", "https", 2, &http.Transport{Protocols: &h2, TLSClientConfig: tc.Clone()}},
	}
}

// streamingUpstream answers a chat completion with two server-sent events,
// the second only once the client has read the first (so nothing may
// buffer the response), and a trailer.
func streamingUpstream(t *testing.T, firstRead <-chan struct{}) *httptest.Server {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Trailer", "X-Usage")
		_, _ = io.WriteString(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-firstRead:
		case <-time.After(5 * time.Second):
			return
		}
		_, _ = io.WriteString(w, "data: 2\n\n")
		w.Header().Set("X-Usage", "tokens=2")
	}))
	t.Cleanup(up.Close)
	return up
}

// Every protocol the server speaks carries the same decisions: an allowed
// request reaches the upstream with its model, a denied one reaches
// nothing, a streamed response arrives event by event with its trailer,
// and a Bedrock stream whose body and response interleave completes.
func TestServerProtocols(t *testing.T) {
	tlsCfg, cert, _, err := gateway.SelfSignedTLS()
	require.NoError(t, err)
	for _, mode := range []struct {
		name string
		tls  *tls.Config
		cert []byte
	}{{"plaintext", nil, nil}, {"tls", tlsCfg, cert}} {
		for _, c := range clients(mode.cert) {
			t.Run(c.name, func(t *testing.T) {
				firstRead := make(chan struct{})
				stream := streamingUpstream(t, firstRead)
				duplex := interleavedUpstream(t, 1<<10)
				addr, mocks := serve(t, baseConfig+`
keys: [{key: sk-a, models: ['*']}, {key: sk-r, models: [common-models]}]
upstreams: {openai: '`+stream.URL+`', bedrock: '`+duplex.URL+`'}
`, gateway.ServerOptions{TLS: mode.tls})
				base := c.scheme + "://" + strings.Replace(addr, "127.0.0.1", "localhost", 1)
				hc := &http.Client{Transport: c.tr, Timeout: 10 * time.Second}
				t.Cleanup(c.tr.CloseIdleConnections)
				do := func(key, path, body string) *http.Response {
					req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
					require.NoError(t, err)
					req.Header.Set("Authorization", "Bearer "+key)
					req.Header.Set("Content-Type", "application/json")
					resp, err := hc.Do(req)
					require.NoError(t, err)
					assert.Equal(t, c.proto, resp.ProtoMajor, "protocol")
					return resp
				}

				resp := do("sk-a", "/v1/messages", `{"model":"claude-opus-4-7","max_tokens":1,"messages":[]}`)
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				require.Equal(t, http.StatusOK, resp.StatusCode, "allowed")
				got, ok := mocks["anthropic"].Last()
				require.True(t, ok)
				assert.Equal(t, "claude-opus-4-7", got.Model())

				mocks.Reset()
				resp = do("sk-r", "/v1/messages", `{"model":"claude-opus-4-7","max_tokens":1,"messages":[]}`)
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "denied")
				assert.Zero(t, mocks.Total(), "a denied request reached an upstream")

				resp = do("sk-a", "/v1/chat/completions", `{"model":"gpt-4o-mini","stream":true,"messages":[]}`)
				require.Equal(t, http.StatusOK, resp.StatusCode, "stream")
				br := bufio.NewReader(resp.Body)
				first, err := br.ReadString('\n')
				require.NoError(t, err, "first event before the upstream's second: nothing buffers")
				assert.Equal(t, "data: 1\n", first)
				close(firstRead)
				rest, err := io.ReadAll(br)
				require.NoError(t, err)
				_ = resp.Body.Close()
				assert.Equal(t, "\ndata: 2\n\n", string(rest))
				assert.Equal(t, "tokens=2", resp.Trailer.Get("X-Usage"), "trailer")

				for i := range 20 {
					pr, pw := io.Pipe()
					req, err := http.NewRequest(http.MethodPost, base+"/bedrock/model/global.anthropic.claude-opus-4-7/invoke-with-response-stream", pr)
					require.NoError(t, err)
					req.Header.Set("Authorization", "Bearer sk-a")
					go func() { _, _ = pw.Write([]byte(strings.Repeat("a", 1<<10))) }()
					resp, err := hc.Do(req)
					require.NoError(t, err)
					head := make([]byte, len("event-1;"))
					_, err = io.ReadFull(resp.Body, head)
					require.NoError(t, err, "call %d", i)
					go func() {
						_, err := pw.Write([]byte(strings.Repeat("b", 1<<10)))
						_ = pw.CloseWithError(err)
					}()
					tail, err := io.ReadAll(resp.Body)
					_ = resp.Body.Close()
					require.NoError(t, err, "call %d", i)
					assert.Equal(t, "event-1;event-2:2048;end", string(head)+string(tail), "call %d", i)
				}
			})
		}
	}
}

// rawRequest writes req on a fresh connection to addr and returns the
// connection and a reader positioned after the response's headers.
func rawRequest(t *testing.T, addr, req string) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = io.WriteString(conn, req)
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	return conn, br, resp
}

// A request with both Content-Length and Transfer-Encoding is framed by
// its chunked encoding, and its connection is closed after the response:
// whatever a front proxy read differently must not be served as a second
// request. Without Content-Length the same connection stays open.
func TestServerClosesAmbiguousFraming(t *testing.T) {
	addr, mocks := serve(t, baseConfig+"keys: [{key: sk-a, models: ['*']}]\n", gateway.ServerOptions{})
	const body = `{"model":"gpt-4o-mini","messages":[]}`
	chunked := fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body), body)
	next := "GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-a\r\n\r\n"
	for _, c := range []struct {
		name      string
		headers   string
		wantClose bool
	}{
		{"content-length and chunked: smuggling shape", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", true},
		{"chunked first, mixed case", "transfer-ENCODING: chunked\r\ncontent-length: 4\r\n", true},
		{"chunked alone keeps the connection", "Transfer-Encoding: chunked\r\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			mocks.Reset()
			req := "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-a\r\nContent-Type: application/json\r\n" +
				c.headers + "\r\n" + chunked
			_, br, resp := rawRequest(t, addr, req+next)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			got, ok := mocks["openai"].Last()
			require.True(t, ok)
			assert.Equal(t, body, string(got.Body), "the chunked framing is the one read")
			if !c.wantClose {
				assert.False(t, resp.Close)
				resp2, err := http.ReadResponse(br, nil)
				require.NoError(t, err, "the next request on the connection is served")
				assert.Equal(t, http.StatusOK, resp2.StatusCode)
				return
			}
			assert.True(t, resp.Close, "response says Connection: close")
			_, err := http.ReadResponse(br, nil)
			assert.Error(t, err, "the pipelined request was served on a connection that should be closed")
		})
	}
}

// The h2c upgrade from HTTP/1.1 is never served: only prior knowledge
// speaks HTTP/2 in plaintext, so no tunnel opens past the middleware.
func TestServerRefusesH2CUpgrade(t *testing.T) {
	addr, mocks := serve(t, baseConfig+"keys: [{key: sk-a, models: ['*']}]\n", gateway.ServerOptions{})
	req := "GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-a\r\n" +
		"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
	_, _, resp := rawRequest(t, addr, req)
	assert.NotEqual(t, http.StatusSwitchingProtocols, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Upgrade"))
	assert.Zero(t, mocks.Total())
}

// A body that arrives too slowly is cut at BodyReadTimeout; the deadline
// is lifted once the body is read, so a response that streams for longer
// is not cut.
func TestServerBodyReadTimeout(t *testing.T) {
	firstRead := make(chan struct{})
	stream := streamingUpstream(t, firstRead)
	addr, mocks := serve(t, baseConfig+"keys: [{key: sk-a, models: ['*']}]\nupstreams: {openai: '"+stream.URL+"'}\n",
		gateway.ServerOptions{BodyReadTimeout: 300 * time.Millisecond})

	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	start := time.Now()
	_, err = io.WriteString(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\":")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "the server answers a stalled body")
	assert.GreaterOrEqual(t, resp.StatusCode, 400)
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Zero(t, mocks.Total())

	// A whole body, then a response that streams past the deadline, on
	// both protocols.
	for _, c := range clients(nil) {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/chat/completions", strings.NewReader(`{"model":"gpt-4o-mini","stream":true,"messages":[]}`))
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer sk-a")
			resp, err := (&http.Client{Transport: c.tr}).Do(req)
			require.NoError(t, err)
			defer func() { _ = resp.Body.Close() }()
			assert.Equal(t, c.proto, resp.ProtoMajor)
			br := bufio.NewReader(resp.Body)
			_, err = br.ReadString('\n')
			require.NoError(t, err)
			time.Sleep(600 * time.Millisecond) // twice the body deadline
			firstRead <- struct{}{}
			rest, err := io.ReadAll(br)
			require.NoError(t, err, "the stream was cut by the body deadline")
			assert.Equal(t, "\ndata: 2\n\n", string(rest))
		})
	}
}

// Oversized header blocks are refused before any handler runs.
func TestServerMaxHeaderBytes(t *testing.T) {
	addr, mocks := serve(t, baseConfig+"keys: [{key: sk-a, models: ['*']}]\n", gateway.ServerOptions{MaxHeaderBytes: 4 << 10})
	_, _, resp := rawRequest(t, addr, "GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-a\r\nX-Pad: "+strings.Repeat("a", 16<<10)+"\r\n\r\n")
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
	assert.Zero(t, mocks.Total())
}
