package gateway

import (
	"net/http"

	"github.com/modelgate/modelgate/modelacl"
)

// Dispatch runs the handler behind the middleware with dec as the
// request's decision (nil: none), so tests can hand it decisions the
// middleware would never make; only the middleware can put one in a
// request's context.
func (g *Gateway) Dispatch(w http.ResponseWriter, r *http.Request, dec *modelacl.Decision) {
	g.dispatch.serve(w, r, dec)
}
