package modelacl

import "context"

// decisionKey is the context key of the request's [Decision]. Unexported,
// so only this package can set it: a handler that finds a Decision in its
// context knows the middleware put it there.
type decisionKey struct{}

// NewContext returns a copy of ctx carrying d. The middleware calls it
// before the next handler; non-HTTP paths (a websocket session, a batch
// worker) may use it to hand a decision from [Checker] to code that reads
// it with [FromContext].
func NewContext(ctx context.Context, d *Decision) context.Context {
	return context.WithValue(ctx, decisionKey{}, d)
}

// FromContext returns the decision the middleware made for the request
// whose context is ctx. ok is false when there is none (the request did
// not pass through the middleware, or took the pass-through for unknown
// read-only routes).
//
// Downstream code dispatches on the decision (d.Route, the authorized
// names) instead of parsing the request again: a second parser that reads
// the request differently from the one that authorized it is a bypass.
//
// With [Options].ReportOnly, a decision can be a denial (d.Allowed false)
// that was let through; check it if that matters downstream.
func FromContext(ctx context.Context) (d *Decision, ok bool) {
	d, ok = ctx.Value(decisionKey{}).(*Decision)
	return d, ok && d != nil
}
