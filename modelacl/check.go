package modelacl

import (
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/routeparse"
)

// Checker is the decision the middleware makes, without HTTP: use it
// wherever a model is named outside a request line or body the middleware
// sees, so that every path decides with the same code:
//
//   - a realtime websocket's session.update frame that switches the model
//     ([Checker.CheckModels] with the new name);
//   - the lines of an uploaded batch file, each naming its own model
//     ([Checker.CheckModels] with every line's model, or one call per line);
//   - a router's fallback, retry or load-balancing choice made after the
//     request was authorized ([Checker.CheckModels] with the model actually
//     about to be called);
//   - provider-native IDs from any other source ([Checker.CheckNative]).
//
// The zero Checker has no policy and denies everything with [ErrNoPolicy].
// A Checker is a small value, safe for concurrent use; each call reads the
// policy snapshot once, so a concurrent reload never mixes two policies in
// one decision.
type Checker struct {
	// Policy is where the current policy comes from: a *Policy, or a *Store
	// that hot-swaps it. Required.
	Policy PolicySource
	// Resolver maps provider-native model IDs (a Bedrock ARN, an Azure
	// deployment, a Gemini model) to the names the policy checks. Nil means
	// the policy snapshot of each call itself, which is what a Store needs:
	// a fixed Resolver beside a Policy source other than a *Policy cannot
	// follow a swap, so every call fails with [ErrResolverWithStore]
	// instead of resolving with one policy and deciding with another.
	Resolver Resolver
}

// unresolvedError says which model could not be resolved; it wraps
// [ErrUnknownModel] and the resolver's error, if any. Its message does not
// repeat the resolver's error, which is not promised safe to show.
type unresolvedError struct {
	model string
	err   error
}

func (e *unresolvedError) Error() string { return "modelacl: " + e.clientMessage() }

func (e *unresolvedError) clientMessage() string {
	return fmt.Sprintf("model %q is not served by this gateway", e.model)
}

func (e *unresolvedError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrUnknownModel}
	}
	return []error{ErrUnknownModel, e.err}
}

// snapshot returns the policy and resolver for one decision: both from one
// read of the source, so a concurrent swap cannot mix two policies.
func (c Checker) snapshot() (*Policy, Resolver, error) {
	if c.Policy == nil {
		return nil, nil, ErrNoPolicy
	}
	if c.Resolver != nil {
		if _, fixed := c.Policy.(*Policy); !fixed {
			return nil, nil, ErrResolverWithStore
		}
	}
	p := c.Policy.Policy()
	if p == nil {
		return nil, nil, ErrNoPolicy
	}
	if c.Resolver != nil {
		return p, c.Resolver, nil
	}
	return p, p, nil
}

// CheckModels decides whether pr may call every one of names, given as a
// client of the unified (OpenAI- or Anthropic-shaped) API names them:
// model group names, aliases of the principal, provider-qualified names.
// It is [Policy.Check] on the current snapshot. At least one name is
// required ([ErrNoModel]).
//
// Aliases apply, so the caller must dispatch to [Grant.Model] (see
// [Policy.Check]); for IDs forwarded to a provider unchanged use
// [Checker.CheckNative].
func (c Checker) CheckModels(pr *Principal, names ...string) (Decision, error) {
	p, _, err := c.snapshot()
	if err != nil {
		return deniedDecision(pr, "", err), err
	}
	return withErr(p.Check(pr, names...))
}

// CheckNative decides whether pr may call every one of ids, given as the
// provider's own API names them (a Bedrock model ID, inference profile or
// ARN; an Azure deployment; a Gemini or Vertex model; the model in the
// body of a passthrough route), which the gateway forwards unchanged. Each
// ID goes through the resolver; every name it resolves to must be allowed
// (an ID that several model groups serve is allowed only if all of them
// are). An ID that resolves to nothing is denied with [ErrUnknownModel]
// (see [Resolver] for the contract).
//
// The principal's aliases do not apply: the upstream receives the ID, not
// an alias target, so an alias named like the ID must not change what is
// authorized. Each [Grant] has the ID as Requested and one name it
// resolved to as Model; an ID that resolves to several names has several
// grants.
func (c Checker) CheckNative(pr *Principal, provider routeparse.Provider, ids ...string) (Decision, error) {
	p, res, err := c.snapshot()
	if err != nil {
		return deniedDecision(pr, "", err), err
	}
	var buf, rbuf [8]string
	names, reqs := buf[:0], rbuf[:0]
	for _, id := range ids {
		if names, reqs, err = appendResolved(names, reqs, res, provider, id); err != nil {
			return deniedDecision(pr, id, err), err
		}
	}
	return withErr(p.decide(pr, names, reqs, nil, false))
}

// CheckRoute decides whether pr may call every model a classified route
// names; it is what the middleware calls after [routeparse.Parser.ParseBody].
//
// A model is checked as a provider-native ID (through the resolver) when
// the route belongs to a provider-native API (Bedrock, Azure OpenAI,
// Gemini, Vertex AI, Cohere, Ollama) or was reached through a provider
// prefix (/anthropic/v1/messages, /openai/v1/...: passthrough routes, whose
// upstream receives the name unchanged), as [Checker.CheckNative] does:
// without the principal's aliases. It is checked as a unified name, as
// [Checker.CheckModels] does, on the unprefixed OpenAI- and
// Anthropic-shaped routes: aliases apply, and the dispatcher must call
// [Grant.Model] (rewriting the body's model if it forwards the body).
//
// rt must come from the parser unchanged ([routeparse.Route.Sealed]): a
// route built by hand or edited after parsing is refused with
// [ErrRouteUnsealed]. rt must be complete: when rt.Body is not
// [routeparse.BodyNone], the body must have gone through
// [routeparse.Parser.ParseBody] successfully; a route whose body models
// were never extracted is refused with [ErrRouteIncomplete], never decided
// on its request line alone. A route that names no model is allowed only
// if it is model-free by design (routeparse marks it so); otherwise it is
// [ErrNoModel]. The returned Decision has its Route field set to *rt.
func (c Checker) CheckRoute(pr *Principal, rt *routeparse.Route) (Decision, error) {
	var d Decision
	err := c.checkRouteInto(&d, pr, rt, false)
	d.Route = *rt
	return withErr(d, err)
}

// withErr records err in d, so that a Decision handed to hooks says why.
func withErr(d Decision, err error) (Decision, error) {
	d.recordErr(err)
	return d, err
}

func (d *Decision) recordErr(err error) {
	if err != nil {
		d.Allowed = false
		if d.Err == nil {
			d.Err = err
		}
	}
}

// checkRouteInto decides rt, writing the outcome into d, which holds none
// yet, and leaving d.Route alone: rt may be &d.Route, so the middleware
// decides in place without copying the route or the Decision. parsedHere
// says the caller's own parser produced rt just now and nothing else could
// touch it (the middleware's pipeline), so its seal need not be checked
// again.
func (c Checker) checkRouteInto(d *Decision, pr *Principal, rt *routeparse.Route, parsedHere bool) error {
	p, res, err := c.snapshot()
	if err != nil {
		return d.deny(pr, "", err)
	}
	if !parsedHere && !rt.Sealed() {
		// Fail closed: a route nobody parsed (or edited after) may claim
		// anything, ModelFree above all.
		return d.deny(pr, "", ErrRouteUnsealed)
	}
	if !rt.BodyParsed() {
		// Fail closed: the body may name models the request line does not.
		return d.deny(pr, "", ErrRouteIncomplete)
	}
	models := rt.Models()
	if len(models) == 0 {
		if !rt.ModelFree {
			return d.deny(pr, "", ErrNoModel)
		}
		if pr == nil {
			return d.deny(pr, "", ErrNoPrincipal)
		}
		d.Allowed, d.policy = true, p
		d.setPrincipal(pr)
		return nil
	}
	var buf, rbuf [8]string
	var fbuf [8]bool
	names, reqs, fallback := buf[:0], rbuf[:0], fbuf[:0]
	if !isNativeRoute(rt) {
		// Unified names: the dispatcher calls the authorized model
		// (Grant.Model), so aliases apply.
		for _, m := range models {
			names = append(names, m.Name())
			fallback = append(fallback, m.Fallback)
		}
		return p.decideInto(d, pr, names, nil, fallback, true)
	}
	// Provider-native IDs, forwarded unchanged: resolved, no aliases.
	for _, m := range models {
		name := m.Name()
		if names, reqs, err = appendResolved(names, reqs, res, rt.Provider, name); err != nil {
			return d.deny(pr, name, err)
		}
		for len(fallback) < len(names) {
			fallback = append(fallback, m.Fallback)
		}
	}
	return p.decideInto(d, pr, names, reqs, fallback, false)
}

// nativeDenyError is a denial of a name the request gave as another,
// provider-native, ID, so the client reads the model it sent
// ("global.anthropic...") beside the name that was denied (its model
// group).
type nativeDenyError struct {
	id  string
	err *DenyError
}

func (e *nativeDenyError) Error() string { return "modelacl: " + e.clientMessage() }

func (e *nativeDenyError) clientMessage() string {
	return fmt.Sprintf("%s (requested as %q)", e.err.clientMessage(), e.id)
}

func (e *nativeDenyError) Unwrap() error { return e.err }

// isNativeRoute reports whether the models of rt are provider-native IDs.
func isNativeRoute(rt *routeparse.Route) bool {
	switch rt.Provider {
	case routeparse.OpenAI, routeparse.Anthropic:
		return rt.Prefix != ""
	case routeparse.ProviderUnknown:
		return false
	default:
		return true
	}
}

// appendResolved appends the names id resolves to, and id to reqs once
// for each of them.
func appendResolved(names, reqs []string, res Resolver, provider routeparse.Provider, id string) ([]string, []string, error) {
	if id == "" {
		return names, reqs, ErrNoModel
	}
	rn, err := res.Resolve(provider, id)
	if err != nil {
		var de *DenyError
		if errors.As(err, &de) {
			return names, reqs, err
		}
		return names, reqs, &unresolvedError{model: id, err: err}
	}
	if len(rn) == 0 {
		return names, reqs, &unresolvedError{model: id}
	}
	for range rn {
		reqs = append(reqs, id)
	}
	return append(names, rn...), reqs, nil
}

// deniedDecision is the Decision for a request refused before or outside
// the policy check.
func deniedDecision(pr *Principal, model string, err error) Decision {
	var d Decision
	d.deny(pr, model, err)
	return d
}

// deny writes into d, which holds no outcome yet, the refusal of model
// for err, and returns err.
func (d *Decision) deny(pr *Principal, model string, err error) error {
	d.Denied, d.Err = model, err
	var de *DenyError
	if errors.As(err, &de) {
		d.Scope, d.Denied = de.Scope, de.Model
	}
	d.setPrincipal(pr)
	return err
}
