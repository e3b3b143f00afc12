package modelacl

import (
	"errors"
	"net/http"
	"strings"

	"github.com/modelgate/modelgate/routeparse"
)

// ErrUpgrade: the request asks to switch protocols on a route where that
// is not allowed. After an upgrade the connection is a tunnel: what goes
// through it next (more requests over h2c, websocket frames) is never
// classified, so an upgrade on a route authorized for one model reaches
// every model the upstream serves. The middleware refuses, with 400:
//
//   - every h2c upgrade ("Upgrade: h2c", or an HTTP2-Settings header),
//     on every route;
//   - any other Upgrade header, or "Connection: upgrade", except a
//     websocket upgrade (exactly "Upgrade: websocket" with "Connection:
//     upgrade", method GET) on a route whose shape is a websocket session
//     ([routeparse.OpRealtime]: OpenAI's GET /v1/realtime?model=...,
//     Azure's /openai/realtime?deployment=...). The frames of such a
//     session can name models too; the host must check them with
//     [Checker] (the reference gateway does).
var ErrUpgrade = errors.New("modelacl: protocol upgrade refused")

// checkUpgrade applies the upgrade policy to r, whose headers are hs; rt
// is its route when classified is true.
func checkUpgrade(r *http.Request, hs *requestHeaders, rt *routeparse.Route, classified bool) error {
	up, hasUp := hs.upgrade, hs.hasUpgrade
	h2settings := hs.http2Settings
	connUp := hasToken(hs.connection, "upgrade")
	switch {
	case !hasUp && !h2settings && !connUp:
		return nil
	case h2settings || hasToken(up, "h2c"):
		return upgradeError("h2c upgrades are not allowed")
	case len(up) != 1 || !strings.EqualFold(strings.TrimSpace(up[0]), "websocket") || !connUp:
		return upgradeError("only a websocket upgrade (Upgrade: websocket, Connection: upgrade) is allowed, on realtime routes")
	case !classified || rt.Operation != routeparse.OpRealtime || r.Method != http.MethodGet:
		return upgradeError("websocket upgrades are allowed only on realtime routes")
	}
	return nil
}

// upgradeError is a refused upgrade, saying what was refused; it wraps
// ErrUpgrade.
type upgradeError string

func (e upgradeError) Error() string         { return "modelacl: " + e.clientMessage() }
func (e upgradeError) clientMessage() string { return "protocol upgrade refused: " + string(e) }
func (upgradeError) Unwrap() error           { return ErrUpgrade }

// hasToken reports whether the comma-separated header values contain
// token, compared without regard to case (RFC 9110, section 5.6.1).
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
