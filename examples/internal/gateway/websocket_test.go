package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
	"github.com/modelgate/modelgate/examples/internal/gatewaytest"
)

// realtimeUpstream is a fake realtime API: it greets each session with
// session.created, records every frame it receives and acknowledges each
// text frame with {"type":"ack","of":<its type>}.
type realtimeUpstream struct {
	*httptest.Server
	mu       sync.Mutex
	frames   []string
	sessions int
	closed   chan struct{} // one value per finished session
	query    []string
	headers  []http.Header
}

func newRealtimeUpstream(t *testing.T) *realtimeUpstream {
	t.Helper()
	u := &realtimeUpstream{closed: make(chan struct{}, 16)}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer func() { u.closed <- struct{}{} }()
		defer func() { _ = c.CloseNow() }()
		u.mu.Lock()
		u.sessions++
		u.query = append(u.query, r.URL.RawQuery)
		u.headers = append(u.headers, r.Header.Clone())
		u.mu.Unlock()
		ctx := context.Background()
		if c.Write(ctx, websocket.MessageText, []byte(`{"type":"session.created"}`)) != nil {
			return
		}
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			u.mu.Lock()
			u.frames = append(u.frames, string(data))
			u.mu.Unlock()
			if typ != websocket.MessageText {
				continue
			}
			var ev struct{ Type string }
			_ = json.Unmarshal(data, &ev)
			ack, _ := json.Marshal(map[string]string{"type": "ack", "of": ev.Type})
			if c.Write(ctx, websocket.MessageText, ack) != nil {
				return
			}
		}
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *realtimeUpstream) seen() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.frames...)
}

// waitClosed waits until the upstream's session ended.
func (u *realtimeUpstream) waitClosed(t *testing.T) {
	t.Helper()
	select {
	case <-u.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream session did not end")
	}
}

const realtimeConfig = `
model_list:
  - {model_name: gpt-realtime, litellm_params: {model: openai/gpt-realtime}}
  - {model_name: whisper-1, litellm_params: {model: openai/whisper-1}}
  - {model_name: gpt-4o-mini, litellm_params: {model: openai/gpt-4o-mini}}
keys:
  - {key: sk-a, models: [gpt-realtime, whisper-1]}
  - {key: sk-r, models: [gpt-realtime]}
  - {key: sk-alias, models: [gpt-realtime], aliases: {fast: gpt-realtime}}
`

// startRealtime runs the gateway in front of a fake realtime upstream.
func startRealtime(t *testing.T, opts gateway.Options) (string, *realtimeUpstream, *gateway.Gateway) {
	t.Helper()
	up := newRealtimeUpstream(t)
	gw, _ := gatewaytest.New(t, gatewaytest.Parse(t, realtimeConfig+"upstreams: {openai: '"+up.URL+"'}\n"), opts)
	ts := httptest.NewServer(gw)
	t.Cleanup(ts.Close)
	return "ws" + strings.TrimPrefix(ts.URL, "http"), up, gw
}

func dialRealtime(t *testing.T, base, key, model string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+key)
	c, resp, err := websocket.Dial(ctx, base+"/v1/realtime?model="+model, &websocket.DialOptions{HTTPHeader: h})
	if c != nil {
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, resp, err
}

func readEvent(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, data, err := c.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, websocket.MessageText, typ)
	var ev map[string]any
	require.NoError(t, json.Unmarshal(data, &ev))
	return ev
}

func sendFrame(t *testing.T, c *websocket.Conn, typ websocket.MessageType, frame string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.Write(ctx, typ, []byte(frame)))
}

// closeStatus reads until the connection ends and returns its close code.
func closeStatus(t *testing.T, c *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

const (
	appendFrame   = `{"type":"input_audio_buffer.append","audio":"AAAA"}`
	allowedUpdate = `{"type":"session.update","session":{"type":"realtime","model":"gpt-realtime","audio":{"input":{"transcription":{"model":"whisper-1"}}}}}`
)

// An allowed session relays both ways, frames byte for byte.
func TestRealtimeRelay(t *testing.T) {
	base, up, _ := startRealtime(t, gateway.Options{})
	c, _, err := dialRealtime(t, base, "sk-a", "gpt-realtime")
	require.NoError(t, err)
	assert.Equal(t, "session.created", readEvent(t, c)["type"])
	for _, f := range []string{allowedUpdate, appendFrame} {
		sendFrame(t, c, websocket.MessageText, f)
		ev := readEvent(t, c)
		assert.Equal(t, "ack", ev["type"])
	}
	require.NoError(t, c.Close(websocket.StatusNormalClosure, ""))
	up.waitClosed(t)
	assert.Equal(t, []string{allowedUpdate, appendFrame}, up.seen())
	assert.Equal(t, "model=gpt-realtime", up.query[0])
	assert.Empty(t, up.headers[0].Get("Authorization"), "the client's credential reached the upstream")
}

// Every client frame that can name a model is decided like a request; a
// refused one gets an error event in the realtime dialect, the socket is
// closed with 1008, and the upstream never sees it (the allowed frame
// before it, it does).
func TestRealtimeFrameRefused(t *testing.T) {
	cases := []struct {
		name, key, frame, code, param string
	}{
		{"transcription model the key may not call", "sk-r",
			`{"type":"session.update","session":{"audio":{"input":{"transcription":{"model":"whisper-1"}}}}}`,
			"model_not_allowed", "session.audio.input.transcription.model"},
		{"session switched to a model the key may not call", "sk-r",
			`{"type":"session.update","session":{"model":"gpt-4o-mini"}}`, "model_not_allowed", "session.model"},
		{"beta transcription session event", "sk-r",
			`{"type":"transcription_session.update","session":{"input_audio_transcription":{"model":"whisper-1"}}}`,
			"model_not_allowed", "session.input_audio_transcription.model"},
		{"model under a case-variant key", "sk-a",
			`{"type":"session.update","session":{"Model":"gpt-4o-mini"}}`, "ambiguous_model", ""},
		{"second model member", "sk-a",
			`{"type":"session.update","session":{"model":"gpt-realtime","model":"gpt-4o-mini"}}`, "ambiguous_model", ""},
		{"event type nobody documents", "sk-a",
			`{"type":"session.replace","session":{"model":"gpt-4o-mini"}}`, "malformed", ""},
		{"invalid JSON behind a valid prefix", "sk-a",
			`{"type":"session.update","session":{"model":"gpt-realtime"}} trailing`, "malformed", ""},
		{"alias in a frame cannot be forwarded as authorized", "sk-alias",
			`{"type":"session.update","session":{"model":"fast"}}`, "model_alias_not_forwardable", ""},
	}
	base, up, _ := startRealtime(t, gateway.Options{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(up.seen())
			conn, _, err := dialRealtime(t, base, c.key, "gpt-realtime")
			require.NoError(t, err)
			readEvent(t, conn) // session.created
			sendFrame(t, conn, websocket.MessageText, appendFrame)
			assert.Equal(t, "ack", readEvent(t, conn)["type"])
			sendFrame(t, conn, websocket.MessageText, c.frame)
			ev := readEvent(t, conn)
			assert.Equal(t, "error", ev["type"])
			e, ok := ev["error"].(map[string]any)
			require.True(t, ok, "error event without an error object: %v", ev)
			assert.Equal(t, c.code, e["code"])
			assert.Equal(t, "invalid_request_error", e["type"])
			assert.NotEmpty(t, e["message"])
			if c.param != "" {
				assert.Equal(t, c.param, e["param"])
			}
			assert.Equal(t, websocket.StatusPolicyViolation, closeStatus(t, conn))
			up.waitClosed(t)
			assert.Equal(t, []string{appendFrame}, up.seen()[before:], "the upstream saw the refused frame")
		})
	}
}

// Binary frames and frames over the size limit are not relayed.
func TestRealtimeFrameShapes(t *testing.T) {
	base, up, _ := startRealtime(t, gateway.Options{MaxRealtimeFrameBytes: 1 << 10})
	for _, c := range []struct {
		name  string
		typ   websocket.MessageType
		frame string
		want  websocket.StatusCode
	}{
		{"binary frame", websocket.MessageBinary, allowedUpdate, websocket.StatusUnsupportedData},
		{"frame over the limit", websocket.MessageText, `{"type":"input_audio_buffer.append","audio":"` + strings.Repeat("A", 2<<10) + `"}`, websocket.StatusMessageTooBig},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(up.seen())
			conn, _, err := dialRealtime(t, base, "sk-a", "gpt-realtime")
			require.NoError(t, err)
			readEvent(t, conn)
			sendFrame(t, conn, c.typ, c.frame)
			assert.Equal(t, c.want, closeStatus(t, conn))
			up.waitClosed(t)
			assert.Len(t, up.seen(), before, "the upstream saw the frame")
		})
	}
}

// A session whose URL names a model the key may not call is refused
// before the upgrade, and the upstream is never dialed.
func TestRealtimeConnectDenied(t *testing.T) {
	base, up, _ := startRealtime(t, gateway.Options{})
	_, resp, err := dialRealtime(t, base, "sk-r", "gpt-4o-mini")
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	up.mu.Lock()
	defer up.mu.Unlock()
	assert.Zero(t, up.sessions)
}

// No other upgrade is relayed: against an upstream that switches to
// whatever protocol it is asked for, a request asking for h2c or for a
// websocket on a route that is not a realtime session gets no 101, and
// the upstream is never asked to upgrade.
func TestOtherUpgradesNotRelayed(t *testing.T) {
	var mu sync.Mutex
	var upgrades []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		upgrades = append(upgrades, r.Header.Get("Upgrade")+"|"+r.Header.Get("Http2-Settings"))
		mu.Unlock()
		if r.Header.Get("Upgrade") == "" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{}`)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer func() { _ = conn.Close() }()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + r.Header.Get("Upgrade") + "\r\n\r\n")
		_ = brw.Flush()
	}))
	t.Cleanup(up.Close)
	url, _ := start(t, "keys: [{key: sk-a, models: ['*']}]\nupstreams: {openai: '"+up.URL+"'}\n")
	for _, c := range []struct {
		name    string
		headers []string
	}{
		{"h2c upgrade", []string{"Connection", "Upgrade, HTTP2-Settings", "Upgrade", "h2c", "HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA"}},
		{"websocket on a chat route", []string{"Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, resp := rawRequest(t, strings.TrimPrefix(url, "http://"), rawPost("/v1/chat/completions", "sk-a", chatMini, c.headers...))
			assert.NotEqual(t, http.StatusSwitchingProtocols, resp.StatusCode)
			mu.Lock()
			defer mu.Unlock()
			for _, u := range upgrades {
				assert.Equal(t, "|", u, "the upstream was asked to upgrade")
			}
		})
	}
}

// rawPost is an HTTP/1.1 POST with extra header pairs, as raw bytes.
func rawPost(path, key, body string, header ...string) string {
	var b strings.Builder
	b.WriteString("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer " + key + "\r\n")
	for i := 0; i+1 < len(header); i += 2 {
		b.WriteString(header[i] + ": " + header[i+1] + "\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	return b.String()
}

// A reload ends the sessions the previous configuration authorized: their
// next event is not relayed, the client is told to reconnect (1012), and
// the new session is decided by the new configuration.
func TestRealtimeSessionEndsOnReload(t *testing.T) {
	base, up, gw := startRealtime(t, gateway.Options{})
	conn, _, err := dialRealtime(t, base, "sk-a", "gpt-realtime")
	require.NoError(t, err)
	readEvent(t, conn)
	sendFrame(t, conn, websocket.MessageText, appendFrame)
	assert.Equal(t, "ack", readEvent(t, conn)["type"])

	cfg, err := gateway.ParseConfig([]byte(strings.Replace(realtimeConfig, "{key: sk-a, models: [gpt-realtime, whisper-1]}", "{key: sk-a, models: [whisper-1]}", 1)))
	require.NoError(t, err)
	require.NoError(t, gw.Reload(cfg))
	sendFrame(t, conn, websocket.MessageText, appendFrame)
	ev := readEvent(t, conn)
	require.Equal(t, "error", ev["type"])
	assert.Equal(t, "configuration_reloaded", ev["error"].(map[string]any)["code"])
	assert.Equal(t, websocket.StatusServiceRestart, closeStatus(t, conn))
	up.waitClosed(t)
	assert.Equal(t, []string{appendFrame}, up.seen(), "an event after the reload reached the upstream")

	_, resp, err := dialRealtime(t, base, "sk-a", "gpt-realtime")
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the new configuration no longer allows the session's model")
}
