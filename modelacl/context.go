package modelacl

import "context"

// decisionKey is the context key of the request's [Decision]. It is
// unexported and no exported function stores a Decision under it: the only
// context that answers it is the one [Middleware.Check] builds for the
// request it hands on (decisionCtx). So a handler that finds a Decision in
// its context knows the middleware made it for this request's pipeline;
// code outside the package cannot make one up, as it cannot with
// net/http's CrossOriginProtection.
//
// Paths without an HTTP request (a websocket session, a batch worker)
// decide with [Checker] and pass the Decision they get along explicitly.
type decisionKey struct{}

// FromContext returns the decision the middleware made for the request
// whose context is ctx. ok is false when there is none (the request did
// not pass through the middleware, or took the pass-through for unknown
// read-only routes).
//
// Downstream code dispatches on the decision (d.Route, the authorized
// names) instead of parsing the request again: a second parser that reads
// the request differently from the one that authorized it is a bypass.
// The Decision belongs to the middleware: read it, do not modify it.
//
// With [Options].ReportOnly, a decision can be a denial (d.Allowed false)
// that was let through; check it if that matters downstream.
func FromContext(ctx context.Context) (d *Decision, ok bool) {
	d, ok = ctx.Value(decisionKey{}).(*Decision)
	return d, ok && d != nil
}
