package modelacl

import (
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/routeparse"
)

// Sentinel errors. Every error [Policy.Check] returns wraps exactly one of
// them, so callers map categories to responses with [errors.Is]. They are
// part of the API: their meaning does not change.
//
// Every refusal of the middleware matches one of these, one of the
// credential errors ([ErrNoCredential], ...) or one of routeparse's
// sentinels; [ReasonOf] maps each to a stable [Reason] code.
var (
	// ErrModelNotAllowed: a scope that sets an allowlist does not allow a
	// model the request names. Returned inside a [*DenyError] that says which
	// scope and which model.
	ErrModelNotAllowed = errors.New("model not allowed")

	// ErrTeamModelsWithoutTeam: the key's allowlist relies on
	// "all-team-models" but the principal has no team (no TeamID, or the
	// team sets no allowlist), so there is no list to inherit and the key
	// denies. Returned inside a [*DenyError] with [ScopeKey].
	ErrTeamModelsWithoutTeam = errors.New("all-team-models on a key without a team")

	// ErrNoAllowlist: no scope of the principal sets an allowlist. Unset
	// means "this scope does not restrict", but a principal on whom nothing
	// is set at all is far more likely a key store that forgot to fill it
	// than a deliberate grant of everything, so it is denied. Grant all
	// models explicitly with [AllowAll]. Returned inside a [*DenyError] with
	// [ScopeNone].
	ErrNoAllowlist = errors.New("no allowlist set on any scope")

	// ErrNoModel: the request names no model, or names the empty string
	// (directly or as an alias target), or a name longer than
	// [MaxModelNameLen]. It is routeparse's sentinel itself, so one
	// errors.Is covers a route the parser found no model in and a name the
	// policy refused.
	ErrNoModel = routeparse.ErrNoModel

	// ErrUnknownModel: a provider-native model ID resolves to no name the
	// policy can check (the [Resolver] returned nothing, or failed). The
	// request is denied like a model that is not allowed (DenyStatus).
	ErrUnknownModel = errors.New("modelacl: model not served by this gateway")

	// ErrBodyRead: the middleware could not read the request body (the
	// client went away, a broken chunked encoding). The client gets 400.
	ErrBodyRead = errors.New("modelacl: cannot read the request body")

	// ErrAuthenticateFailed: the host's Authenticate function returned an
	// error that is none of the credential errors ([ErrUnknownKey], ...):
	// an internal failure. The client gets 500 and never the error's text;
	// the host's error is wrapped too, for errors.Is and the log.
	ErrAuthenticateFailed = errors.New("modelacl: authenticate failed")

	// ErrNoPolicy: the policy is nil (an empty [Store], a failed reload).
	// Everything is denied until a policy is installed.
	ErrNoPolicy = errors.New("modelacl: no policy")

	// ErrNoPrincipal: the principal is nil. Authentication must produce a
	// principal before a model can be authorized.
	ErrNoPrincipal = errors.New("modelacl: no principal")

	// ErrRouteIncomplete: [Checker.CheckRoute] was given a route whose
	// body must be read ([routeparse.Route.Body] is not BodyNone) but
	// whose body models were never extracted by a successful
	// [routeparse.Parser.ParseBody]. Deciding on the request line alone
	// would miss every model the body names.
	ErrRouteIncomplete = errors.New("modelacl: route body not parsed")

	// ErrRouteUnsealed: [Checker.CheckRoute] was given a route that
	// [routeparse.Parser.ParseRequest] did not make, or whose fields were
	// changed after parsing ([routeparse.Route.Sealed] is false). It is
	// routeparse's sentinel itself.
	ErrRouteUnsealed = routeparse.ErrUnsealedRoute

	// ErrInvalidConfig: [Compile] rejected the configuration. Wrapped by
	// every [*ConfigError] and by the errors [Allowlist.UnmarshalJSON]
	// returns.
	ErrInvalidConfig = errors.New("modelacl: invalid configuration")
)

// DenyError reports that one scope's allowlist does not allow one model.
// Err is [ErrModelNotAllowed], [ErrTeamModelsWithoutTeam] or
// [ErrNoAllowlist]; errors.Is sees through to it.
//
// The message quotes the model as the request named it and the scope, and
// never the allowlist or any credential: it is meant to be safe to return to
// the caller.
type DenyError struct {
	Scope Scope  // the scope that denied; ScopeNone for ErrNoAllowlist
	Model string // the name as the request gave it (before alias resolution), or the name a provider-native ID resolved to
	Err   error  // the reason, one of the sentinels above
}

func (e *DenyError) Error() string { return "modelacl: " + e.clientMessage() }

// clientMessage is the message for the client, built from the fields.
func (e *DenyError) clientMessage() string {
	switch {
	case errors.Is(e.Err, ErrNoAllowlist):
		return fmt.Sprintf("model %q denied: %v", e.Model, e.Err)
	case errors.Is(e.Err, ErrTeamModelsWithoutTeam):
		return fmt.Sprintf("key may not call model %q: %v", e.Model, e.Err)
	default:
		return fmt.Sprintf("%s may not call model %q", e.Scope.noun(), e.Model)
	}
}

func (e *DenyError) Unwrap() error { return e.Err }

// messenger is an error of this package that carries its client-safe
// message as data. The middleware shows a client that message, or the
// phrase of the error's category (reason.go), never the text of an error
// it did not make.
type messenger interface {
	error
	clientMessage() string
}

// modelError is a refusal of this package with a fixed client-safe
// message.
type modelError struct {
	msg string
	err error // the sentinel
}

func (e *modelError) Error() string         { return "modelacl: " + e.msg }
func (e *modelError) Unwrap() error         { return e.err }
func (e *modelError) clientMessage() string { return e.msg }

// ConfigError is one problem [Compile] found in a [Config]. It wraps
// [ErrInvalidConfig]. Compile joins all of them with [errors.Join], so an
// operator sees every problem at once.
type ConfigError struct {
	Index  int    // index into Config.ModelList, or -1
	Field  string // JSON path of the field, e.g. "litellm_params.model"
	Value  string // the offending value (configuration, never a secret)
	Reason string
}

func (e *ConfigError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("modelacl: config %s %q: %s", e.Field, e.Value, e.Reason)
	}
	return fmt.Sprintf("modelacl: config model_list[%d].%s %q: %s", e.Index, e.Field, e.Value, e.Reason)
}

func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }
