package gateway

import "net/http"

// Dispatcher returns the handler behind the middleware, so tests can hand
// it decisions the middleware would never make.
func (g *Gateway) Dispatcher() http.Handler { return g.dispatch }
