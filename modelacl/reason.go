package modelacl

import (
	"errors"

	"github.com/modelgate/modelgate/bedrock/sigv4/verify"
	"github.com/modelgate/modelgate/routeparse"
)

// Reason is a stable code for why a request was allowed or refused, for log
// fields and metrics labels: a small, closed set of strings that do not
// change meaning, unlike error messages. [Decision.Reason] gives the
// Decision's; [ReasonOf] maps an error from any step.
type Reason string

const (
	ReasonAllowed         Reason = "allowed"           // every model allowed, or a model-free route
	ReasonModelNotAllowed Reason = "model_not_allowed" // a scope does not allow a model ([ErrModelNotAllowed], [ErrTeamModelsWithoutTeam], [ErrNoAllowlist])
	ReasonUnknownModel    Reason = "unknown_model"     // a provider-native ID resolves to nothing ([ErrUnknownModel])
	ReasonNoCredential    Reason = "no_credential"     // [ErrNoCredential]
	ReasonBadCredential   Reason = "bad_credential"    // [ErrAmbiguousCredential], [ErrMalformedCredential]
	ReasonUnknownKey      Reason = "unknown_key"       // [ErrUnknownKey], [ErrNoPrincipal], [verify.ErrUnrecognizedClient]
	ReasonBadSignature    Reason = "bad_signature"     // a SigV4 signature that does not verify: [verify.ErrInvalidSignature], [verify.ErrIncompleteSignature], [verify.ErrSignatureExpired], [verify.ErrUnsupported]
	ReasonUnknownRoute    Reason = "unknown_route"     // [routeparse.ErrUnknownRoute]
	ReasonNoModel         Reason = "no_model"          // [ErrNoModel]
	ReasonAmbiguousModel  Reason = "ambiguous_model"   // [routeparse.ErrAmbiguousModel]
	ReasonMalformed       Reason = "malformed"         // [routeparse.ErrMalformedPath], [routeparse.ErrMalformedBody], [routeparse.ErrUnsupportedEncoding], [ErrBodyRead]
	ReasonBodyTooLarge    Reason = "body_too_large"    // [routeparse.ErrBodyTooLarge]
	ReasonTooManyModels   Reason = "too_many_models"   // [routeparse.ErrTooManyModels]
	ReasonNoPolicy        Reason = "no_policy"         // [ErrNoPolicy]
	ReasonBusy            Reason = "busy"              // [ErrBufferBudget]
	ReasonUpgrade         Reason = "upgrade_refused"   // [ErrUpgrade]
	ReasonInternal        Reason = "internal"          // anything else: [ErrAuthenticateFailed], [ErrRouteIncomplete], [ErrRouteUnsealed], [ErrResolverWithStore], an unknown error
)

// category is one sentinel's place in the taxonomy: its reason code, the
// failure the middleware writes, and what the client is told when the
// error carries no message of its own.
type category struct {
	err    error
	reason Reason
	kind   failKind
	phrase string // safe to show the client
}

// categories lists every sentinel a refusal can match, most specific
// first. The middleware's status codes, the reason codes and the client
// messages all come from here.
var categories = [...]category{
	{ErrModelNotAllowed, ReasonModelNotAllowed, failDenied, "model not allowed"},
	{ErrTeamModelsWithoutTeam, ReasonModelNotAllowed, failDenied, "all-team-models on a key without a team"},
	{ErrNoAllowlist, ReasonModelNotAllowed, failDenied, "no allowlist set on any scope"},
	{ErrUnknownModel, ReasonUnknownModel, failDenied, "model not served by this gateway"},
	{ErrNoCredential, ReasonNoCredential, failUnauthenticated, "missing credential: send an API key"},
	{ErrAmbiguousCredential, ReasonBadCredential, failUnauthenticated, "the request carries several different credentials"},
	{ErrMalformedCredential, ReasonBadCredential, failUnauthenticated, "malformed credential"},
	{ErrUnknownKey, ReasonUnknownKey, failUnauthenticated, "invalid API key"},
	{ErrNoPrincipal, ReasonUnknownKey, failUnauthenticated, "invalid API key"},
	{verify.ErrUnrecognizedClient, ReasonUnknownKey, failUnauthenticated, "invalid API key"},
	{verify.ErrInvalidSignature, ReasonBadSignature, failUnauthenticated, "invalid signature"},
	{verify.ErrSignatureExpired, ReasonBadSignature, failUnauthenticated, "signature expired"},
	{verify.ErrIncompleteSignature, ReasonBadSignature, failUnauthenticated, "incomplete signature"},
	{verify.ErrUnsupported, ReasonBadSignature, failUnauthenticated, "unsupported signature"},
	{ErrNoPolicy, ReasonNoPolicy, failUnavailable, "no model access policy is loaded"},
	{ErrBufferBudget, ReasonBusy, failBusy, "the gateway is reading too many request bodies at once; retry shortly"},
	{ErrUpgrade, ReasonUpgrade, failBadRequest, "protocol upgrade refused"},
	{routeparse.ErrBodyTooLarge, ReasonBodyTooLarge, failTooLarge, "body too large"},
	{routeparse.ErrUnknownRoute, ReasonUnknownRoute, failNotFound, "unknown route"},
	{ErrNoModel, ReasonNoModel, failBadRequest, "route names no model"},
	{routeparse.ErrAmbiguousModel, ReasonAmbiguousModel, failBadRequest, "ambiguous model"},
	{routeparse.ErrTooManyModels, ReasonTooManyModels, failBadRequest, "too many models"},
	{routeparse.ErrMalformedPath, ReasonMalformed, failBadRequest, "malformed path"},
	{routeparse.ErrMalformedBody, ReasonMalformed, failBadRequest, "malformed body"},
	{routeparse.ErrUnsupportedEncoding, ReasonMalformed, failBadRequest, "unsupported content encoding"},
	{ErrBodyRead, ReasonMalformed, failBadRequest, "cannot read the request body"},
}

// internalCategory is every other error: the host's authenticate function
// failed, or a programming error. Its text is not shown to the client.
var internalCategory = category{reason: ReasonInternal, kind: failInternal, phrase: "internal error"}

// categoryOf returns err's category (internalCategory when it matches no
// sentinel in the table).
func categoryOf(err error) category {
	for _, c := range categories {
		if errors.Is(err, c.err) {
			return c
		}
	}
	return internalCategory
}

// ReasonOf returns the reason code of an error returned by any step of the
// decision ([Middleware.Check], [Checker], [Policy.Check],
// [FindCredential], routeparse's parser): ReasonAllowed for nil and for
// a listing the middleware answered ([ErrListingAnswered], unless it
// answered a Get of a model the caller may not call, which keeps that
// denial's code), ReasonInternal for an error that matches none of the
// documented sentinels.
func ReasonOf(err error) Reason {
	if err == nil {
		return ReasonAllowed
	}
	c := categoryOf(err)
	if c.reason == ReasonInternal && errors.Is(err, ErrListingAnswered) {
		return ReasonAllowed // answered by the gateway: nothing was refused
	}
	return c.reason
}

// Reason returns the decision's reason code: ReasonAllowed when d.Allowed,
// else the code of d.Err. A denial that [Options].ReportOnly let through
// keeps the code of its denial.
func (d *Decision) Reason() Reason {
	if d.Allowed {
		return ReasonAllowed
	}
	if d.Err == nil {
		return ReasonInternal // a Decision nobody filled in
	}
	return ReasonOf(d.Err)
}
