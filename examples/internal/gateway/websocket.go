package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/coder/websocket"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// DefaultMaxRealtimeFrameBytes bounds one websocket message of a realtime
// session, each way, when Options.MaxRealtimeFrameBytes is zero: 16 MiB,
// above the 15 MiB the realtime API lets one input_audio_buffer.append
// carry.
const DefaultMaxRealtimeFrameBytes = 16 << 20

// A realtime session is a websocket: the middleware authorized the model
// its URL names (GET /v1/realtime?model=...), and after the upgrade the
// client may name models again in its events (session.update's
// session.model and transcription model, ...). The proxy would tunnel
// those bytes unread, so the gateway relays the session itself: it dials
// the upstream, accepts the client, and passes each client event through
// routeparse.ParseRealtimeFrame and the same Checker decision, with the
// policy snapshot and principal the session was authorized with. A frame
// that is malformed, ambiguous, names a model the key may not call, or is
// not text is never forwarded: the client gets an error event in the
// realtime dialect ({"type":"error","error":{...}}) and the socket is
// closed with 1008 (policy violation; 1003 for a binary frame, 1009 for
// one over the size limit; 1012 for the first event after a reload, since
// the session was authorized by the configuration it replaced). Upstream
// events are relayed unchanged.
//
// No other upgrade is relayed: the proxy drops Upgrade, Connection and
// HTTP2-Settings from what it forwards, and refuses an upstream that
// switches protocols anyway.

// isWebsocketUpgrade reports whether r asks to upgrade to a websocket.
func isWebsocketUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// handshakeHeaders are the client's headers the relay does not pass on:
// the websocket handshake (the relay makes its own), hop-by-hop headers,
// and Origin (the gateway is the upstream's client).
var handshakeHeaders = []string{
	"Connection", "Upgrade", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions",
	"Sec-Websocket-Protocol", "Sec-Websocket-Accept", "Http2-Settings", "Keep-Alive", "Te", "Trailer",
	"Transfer-Encoding", "Content-Length", "Proxy-Connection", "Origin", "Host",
}

// relayRealtime runs one realtime session between the client (r, w) and
// target, checking every client frame.
func (d *dispatcher) relayRealtime(w http.ResponseWriter, r *http.Request, dec *modelacl.Decision, target *url.URL) {
	route := &dec.Route
	up := *target
	up.Path = strings.TrimSuffix(target.Path, "/")
	up.RawPath = ""
	upPath, _ := url.PathUnescape(route.UpstreamPath) // checked by serve
	up.Path += upPath
	up.RawQuery = r.URL.RawQuery // the middleware removed the "key" parameter

	hdr := r.Header.Clone() // credentials were removed by the middleware
	for _, h := range handshakeHeaders {
		hdr.Del(h)
	}
	// Browsers put an API key in a subprotocol ("openai-insecure-api-key.
	// sk-..."): a credential, never passed on.
	var protocols []string
	for _, v := range r.Header.Values("Sec-Websocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" && !strings.HasPrefix(strings.ToLower(p), "openai-insecure-api-key") {
				protocols = append(protocols, p)
			}
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dialCtx, dialCancel := context.WithTimeout(r.Context(), d.dialTimeout)
	upConn, resp, err := websocket.Dial(dialCtx, up.String(), &websocket.DialOptions{
		HTTPClient:   d.wsClient,
		HTTPHeader:   hdr,
		Subprotocols: protocols,
	})
	dialCancel()
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		d.logger.Warn("upstream error", "upstream", "realtime", "status", status, "err", err)
		writeError(w, http.StatusBadGateway, "upstream unavailable")
		return
	}
	defer func() { _ = upConn.CloseNow() }()
	var accept websocket.AcceptOptions
	if p := upConn.Subprotocol(); p != "" {
		accept.Subprotocols = []string{p}
	}
	client, err := websocket.Accept(w, r, &accept)
	if err != nil {
		_ = upConn.Close(websocket.StatusGoingAway, "client handshake failed")
		return // Accept has answered the client
	}
	defer func() { _ = client.CloseNow() }()
	client.SetReadLimit(d.maxFrame)
	upConn.SetReadLimit(d.maxFrame)

	// Upstream to client: unchanged. An upstream close goes on to the
	// client, unless the gateway is closing the session itself.
	var refusing atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel()
		for {
			typ, data, err := upConn.Read(ctx)
			if err != nil {
				if st := websocket.CloseStatus(err); st != -1 && st != websocket.StatusNoStatusRcvd && !refusing.Load() {
					_ = client.Close(st, "upstream closed")
				}
				return
			}
			if client.Write(ctx, typ, data) != nil {
				return
			}
		}
	}()

	checker := modelacl.Checker{Policy: dec.Policy()} // the session's snapshot
	pr := dec.Principal()
	var events atomic.Uint64
	for {
		typ, data, err := client.Read(ctx)
		if err != nil {
			// A close from the client goes on to the upstream; a frame
			// over the limit was answered with 1009 by the websocket
			// library, and nothing of it was relayed.
			st := websocket.CloseStatus(err)
			if st == -1 || st == websocket.StatusNoStatusRcvd {
				st = websocket.StatusGoingAway
			}
			_ = upConn.Close(st, "")
			break
		}
		if typ != websocket.MessageText {
			refusing.Store(true)
			d.refuseFrame(ctx, client, upConn, &events, websocket.StatusUnsupportedData, "binary_frame",
				"realtime events are JSON text frames; binary frames are not relayed", "")
			break
		}
		if d.current != nil && d.current() != dec.Policy() {
			// The configuration was reloaded since the session opened:
			// its key may be gone or its models withdrawn. The client
			// reconnects and is decided by the new one.
			refusing.Store(true)
			d.refuseFrame(ctx, client, upConn, &events, websocket.StatusServiceRestart, "configuration_reloaded",
				"the gateway's configuration changed; reconnect", "")
			break
		}
		if code, msg, param := d.checkFrame(checker, pr, route, data); code != "" {
			d.logger.Warn("realtime event refused", "key", dec.KeyID, "reason", code, "detail", msg)
			refusing.Store(true)
			d.refuseFrame(ctx, client, upConn, &events, websocket.StatusPolicyViolation, code, msg, param)
			break
		}
		if upConn.Write(ctx, websocket.MessageText, data) != nil {
			break
		}
	}
	cancel()
	<-done
}

// checkFrame classifies one client event and decides it. It returns "" when
// the event may go on, else a reason code, a message safe to show the
// client and the member that named the refused model.
func (d *dispatcher) checkFrame(checker modelacl.Checker, pr *modelacl.Principal, session *routeparse.Route, data []byte) (code, msg, param string) {
	rt, err := d.parser.ParseRealtimeFrame(session, data)
	if err != nil {
		return string(modelacl.ReasonOf(err)), err.Error(), ""
	}
	if len(rt.Models()) == len(session.Models()) {
		return "", "", "" // the event names no model of its own
	}
	fd, err := checker.CheckRoute(pr, &rt)
	if err != nil || !fd.Allowed {
		param := ""
		for _, m := range rt.Models() {
			if m.Name() == fd.Denied {
				param = m.Field
			}
		}
		return string(fd.Reason()), fmt.Sprintf("this key may not call model %s", jsonQuote(fd.Denied)), param
	}
	// What is checked is what is forwarded: a frame is relayed as sent, so
	// a name authorized as another one (an alias) cannot go on.
	grants := fd.Grants()
	if !covers(grants, rt.Models()) {
		return "model_not_authorized", "realtime event was not authorized", ""
	}
	if isUnified(&rt) {
		for _, g := range grants {
			if g.Model != g.Requested {
				return "model_alias_not_forwardable", fmt.Sprintf("model alias %s is not supported in realtime events; name the model itself", jsonQuote(g.Requested)), ""
			}
		}
	}
	return "", "", ""
}

// refuseFrame sends the client an error event in the realtime dialect,
// closes the client with status and the upstream as going away.
func (d *dispatcher) refuseFrame(ctx context.Context, client, upConn *websocket.Conn, n *atomic.Uint64, status websocket.StatusCode, code, msg, param string) {
	type apiError struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
		Param   string `json:"param,omitempty"`
	}
	ev, _ := json.Marshal(struct {
		Type    string   `json:"type"`
		EventID string   `json:"event_id"`
		Error   apiError `json:"error"`
	}{"error", fmt.Sprintf("event_gateway_%d", n.Add(1)), apiError{"invalid_request_error", code, msg, param}})
	_ = client.Write(ctx, websocket.MessageText, ev)
	_ = client.Close(status, code)
	_ = upConn.Close(websocket.StatusGoingAway, "")
}
