package modelacl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/bedrock/sigv4/verify"
	"github.com/modelgate/modelgate/internal/wire"
	"github.com/modelgate/modelgate/routeparse"
)

// DefaultMaxBufferedBytes is the default of [Options].MaxBufferedBytes:
// 128 MiB of request bodies buffered across all requests in flight, four
// bodies of the default maximum size. It keeps the peak memory of a flood
// of large or compressed bodies within a few hundred MiB, the garbage
// collector's headroom included.
const DefaultMaxBufferedBytes = 128 << 20

// DefaultMaxBodyBytes is the body limit when [Options].MaxBodyBytes is
// zero: 32 MiB, the request size limit of the Anthropic Messages API, and
// room for base64 images and long contexts on the other providers. It is
// the same constant as [routeparse.DefaultBodyLimit] and
// [sigv4.DefaultMaxBodyBytes], so a body the middleware accepts is one
// the parser and the re-signer accept.
//
// [sigv4.DefaultMaxBodyBytes]: https://pkg.go.dev/github.com/modelgate/modelgate/bedrock/sigv4#DefaultMaxBodyBytes
const DefaultMaxBodyBytes = wire.MaxBodyBytes

// Options configures [New] and [MustNew]. Policy and Authenticate are
// required; every other field has a safe zero value, stated beside it.
type Options struct {
	// Policy supplies the policy: a *Policy, or a *Store for hot reloads
	// (each request reads one snapshot). Required. While a Store holds no
	// policy every request is refused with 503.
	Policy PolicySource

	// Resolver maps provider-native model IDs (Bedrock IDs and ARNs, Azure
	// deployments, Gemini and Vertex models) to the names the policy
	// checks. Nil: the policy snapshot itself, which resolves through the
	// deployment list. With a *Store as Policy it must be nil ([New]
	// returns an error wrapping [ErrResolverWithStore]): a fixed resolver
	// would keep resolving with the policy it was built from after a swap.
	Resolver Resolver

	// Authenticate turns the request and the credential [FindCredential]
	// found into the caller's Principal. Required. It is the host's key
	// lookup; it runs after the request line is classified and before the
	// body is read (except for a SigV4 request that SigV4 verifies: then
	// after, see SigV4), and must not read the body. It must not change
	// r's headers either: the middleware reads them, the ones it strips
	// included, in one pass before calling it. A header map that grew
	// meanwhile is searched again, so an added credential header is still
	// stripped, but one that replaced another header would not be.
	//
	// When the request carries no credential, Authenticate is called with
	// the zero Credential (Kind CredentialNone), so hosts with their own
	// scheme (mutual TLS, a session cookie) can still authenticate; a host
	// that only knows keys returns ErrUnknownKey, and the client is told
	// it sent no credential ([ErrNoCredential]). Requests with ambiguous or
	// malformed credentials are refused with 401 without calling it.
	//
	// Return an error wrapping [ErrUnknownKey] (or a nil Principal) for a
	// credential the host does not know: the client gets 401. Any other
	// error is an internal failure: it is wrapped with
	// [ErrAuthenticateFailed], the client gets 500 and the error's text is
	// not shown to it (it is logged).
	//
	// A credential of kind [CredentialAWSAccessKeyID] is proof of identity
	// only if its Verified field is true; see its documentation.
	Authenticate func(r *http.Request, c Credential) (*Principal, error)

	// SigV4 verifies the AWS Signature Version 4 of requests whose
	// credential is an access key ID ([CredentialAWSAccessKeyID]), as AWS
	// does, with the secrets the host issued (its Lookup). Nil: signatures
	// are not verified and every access key ID reaches Authenticate with
	// Verified false.
	//
	// When set, a SigV4 request is parsed and its access key ID looked up
	// before anything is read: an unknown ID, a malformed signature, a
	// request time outside the window or a foreign credential scope is
	// refused at once, with AWS's error type and message
	// (UnrecognizedClientException, IncompleteSignatureException,
	// InvalidSignatureException) and status 401 like every refused
	// credential (400 for a malformed signature; AWS itself answers 403,
	// which Claude Code retries for minutes). Then the
	// body is read, bounded by MaxBodyBytes, whatever the route (Bedrock's
	// invoke routes included: the payload hash covers it), and the
	// signature is verified over the request as received; only then is
	// Authenticate called, with Verified true. An ID the lookup knows
	// without a secret (verify.ErrNoSecret) reaches Authenticate unread
	// and unverified, for the host to refuse or, deliberately, trust. An
	// access key ID the lookup holds a secret for, sent as a bearer token
	// or API key, is refused ([ErrAccessKeyIDAsToken]).
	SigV4 *verify.Verifier

	// Parser classifies requests. Nil: a zero routeparse.Parser (default
	// gateway prefixes /bedrock, /vertex_ai, /gemini, /azure, /openai,
	// /anthropic, and unprefixed routes). New compiles a copy of it
	// ([routeparse.Parser.Compile]): an invalid prefix is an error from New,
	// and later changes to *Parser have no effect. Unless Parser.Names is
	// set, New sets it to look names up among the current policy's model
	// groups, so a body naming a configured group is not copied.
	Parser *routeparse.Parser

	// MaxBodyBytes bounds the body the middleware reads, for routes whose
	// model may be in the body. Zero: [DefaultMaxBodyBytes] (32 MiB).
	// Negative is an error. A larger body is refused with 413 and not
	// forwarded; memory per request is the body plus a small constant.
	MaxBodyBytes int64

	// MaxModelsPerRequest bounds the model names one request may carry:
	// path, query and body together, every occurrence counted (each
	// fallback, list element, comma-separated part, batch request). Zero:
	// the Parser's MaxModels, by default [routeparse.DefaultMaxModels]
	// (256). Negative is an error. A request naming more is refused with
	// 400 (reason too_many_models) as soon as the parser meets the name
	// past the bound, so millions of names cost no more than a few.
	MaxModelsPerRequest int

	// MaxDecodedBodyBytes bounds a body once its Content-Encoding (gzip,
	// deflate) is undone, separately from MaxBodyBytes, which bounds it as
	// received. Zero: the Parser's MaxDecodedBytes if set, else the
	// smaller of MaxBodyBytes and [routeparse.DefaultMaxDecodedBytes]
	// (8 MiB). Negative is an error. A
	// body that decodes to more is refused with 413, and decoding stops
	// there: a compression bomb holds at most about this many bytes.
	MaxDecodedBodyBytes int64

	// MaxBufferedBytes bounds the body bytes that all requests in flight
	// through this Middleware hold buffered together: bodies being read
	// or handed on (each counts its buffer, sized from Content-Length, or
	// as it grows when the length is unknown) and bodies being decoded
	// (each counts 1.5 times MaxDecodedBodyBytes while it is decoded, the
	// decoder's worst case). Zero: [DefaultMaxBufferedBytes] (128 MiB), or
	// what one body of MaxBodyBytes and one decoding need together, if
	// that is more. Less than that is an error.
	//
	// A request whose body would go past it is refused with 503 and a
	// Retry-After header ([ErrBufferBudget]), without being forwarded: a
	// busy gateway turns clients away rather than run out of memory. A
	// body counts until the next handler returns ([Middleware.Handler])
	// or the request's context is done ([Middleware.Check]). Use one
	// Middleware for the whole server, so that every route shares it.
	MaxBufferedBytes int64

	// DenyStatus is the status of a model denial: 403 (zero) or 401, for
	// clients of LiteLLM-style gateways that expect 401. Any other value
	// is an error. Unknown keys always get 401.
	DenyStatus int

	// ReportOnly is a DRY RUN. WHEN TRUE, THE MIDDLEWARE ENFORCES NOTHING
	// ABOUT MODELS: requests that would be denied (a model not allowed, an
	// unknown route, a malformed or ambiguous path or body, a body over a
	// limit or over MaxBufferedBytes (then handed on as far as it was
	// read, followed by the unread rest), no policy loaded) are LOGGED AND
	// PASSED TO THE NEXT HANDLER.
	// It exists to roll a policy out safely: run it, read the would-be
	// denials in the log or the OnDecision hook, fix the allowlists, then
	// turn it off. Never leave it on in production.
	//
	// It does not relax authentication: a missing, ambiguous, malformed or
	// unknown credential is still refused with 401, and an Authenticate
	// failure with 500. Nor the upgrade policy: a refused protocol upgrade
	// is still 400 ([ErrUpgrade]). Credentials are still stripped. The next handler
	// finds the would-be denial in the context (Decision.Allowed false).
	ReportOnly bool

	// OnDecision, if set, is called once per request, for every outcome
	// (allowed; denied; refused as malformed, too large or unauthenticated,
	// then with d.Err saying why, and no principal when authentication
	// failed), before the response is written or the next handler runs.
	// [Decision.Reason] is a stable code to count outcomes by. Requests let through by
	// UnsafeAllowUnknownReadOnly are not reported. For audit and metrics; it
	// runs on the request's goroutine and must not block. It must not
	// modify or keep the Decision; the Decision never holds the credential.
	OnDecision func(ctx context.Context, d *Decision)

	// Logger, if set, receives one line per decision: Debug for an allow
	// (a handler at the usual Info level skips it before building the
	// line, so an allowed request pays no logging; use OnDecision for
	// per-request metrics), Warn for a denial (and for a would-be denial under ReportOnly),
	// Error for internal failures. Nil: no logging. Lines carry the route's
	// provider and operation, the models, the denying scope, the principal
	// IDs and the reason; never the credential.
	Logger *slog.Logger

	// UnsafeAllowUnknownReadOnly lets GET and HEAD requests that match no
	// route of the grammar (routeparse.ErrUnknownRoute) through to the next
	// handler after authentication, with no model check and no Decision in
	// the context. Off (zero): such requests are refused with 404, as is
	// every unclassifiable request, because a route the parser does not
	// know may still name a model it cannot see.
	//
	// Turn it on only if the handler behind the middleware serves
	// model-free read-only endpoints of its own (a UI, metrics) that the
	// grammar does not cover, and no upstream route reachable with GET
	// names a model in a place the parser does not read. Malformed paths
	// and other methods are still refused.
	UnsafeAllowUnknownReadOnly bool

	// StripHeaders are further request headers the gateway owns and a
	// client must not be able to set (say "X-Gateway-User" or
	// "Anthropic-Beta" if the gateway sets them itself). They are removed
	// before the next handler, like the credential headers, which are
	// always removed ([CredentialHeaders], and the "key" query parameter).
	StripHeaders []string

	// Discovery, when set, makes the middleware answer the model listings
	// and model metadata routes itself ([IsListing]: GET /v1/models and
	// /v1/models/{id} in OpenAI's or Anthropic's shape, Gemini's models,
	// Bedrock's inference profiles and foundation models), with what the
	// caller may call through the route's API ([Checker.AnswerListing]),
	// after authentication and never handing them to the next handler. A
	// listing route whose shape is not rendered (Vertex publisher models,
	// Ollama tags, Gemini tuned models) is refused with 404 rather than
	// forwarded unfiltered. ReportOnly does not widen a listing.
	//
	// Nil (the zero value): listing routes go to the next handler like any
	// model-free route, and a Get of a model the caller may not call is
	// refused with DenyStatus. The next handler must then answer listings
	// itself ([IsListing] tells them apart): an upstream's own listing is
	// not filtered by the caller's allowlists, so forwarding it shows every
	// model the upstream serves.
	Discovery *DiscoveryOptions
}

// CredentialHeaders returns the request headers that carry a client's
// credential in one of the dialects the middleware accepts, in canonical
// form: Authorization, Proxy-Authorization, X-Api-Key, Api-Key,
// X-Goog-Api-Key, X-Litellm-Api-Key, X-Amz-Security-Token, X-Amz-Date,
// X-Amz-Content-Sha256. The middleware removes them (and the "key" query
// parameter) from every request it hands on, since a client's key must not
// reach an upstream and the SigV4 headers would conflict with the
// gateway's own signature; bedrock/sigv4's signer removes the same list. A
// host that forwards requests around the middleware strips them too.
// The slice is a fresh copy.
func CredentialHeaders() []string { return slices.Clone(wire.CredentialHeaders[:]) }

// config is Options validated and expanded once, in New.
type config struct {
	checker     Checker
	parser      *routeparse.Parser
	auth        func(*http.Request, Credential) (*Principal, error)
	maxBody     int64
	budget      budget   // MaxBufferedBytes
	bufs        bodyPool // body buffers reused by Handler (bodybuf.go)
	denyStatus  int
	reportOnly  bool
	onDecision  func(context.Context, *Decision)
	logger      *slog.Logger
	unknownRead bool
	strip       headerSet // credentials and StripHeaders
	sigv4       *verify.Verifier
	discovery   *DiscoveryOptions
}

// ErrInvalidOptions is wrapped by every error [New] returns.
var ErrInvalidOptions = errors.New("modelacl: invalid middleware options")

func (o *Options) compile() (*config, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...))
	}
	if o.Policy == nil {
		bad("Policy is required")
	}
	if o.Authenticate == nil {
		bad("Authenticate is required")
	}
	if _, fixed := o.Policy.(*Policy); o.Resolver != nil && o.Policy != nil && !fixed {
		errs = append(errs, fmt.Errorf("%w: %w", ErrInvalidOptions, ErrResolverWithStore))
	}
	c := &config{
		checker:     Checker{Policy: o.Policy, Resolver: o.Resolver},
		parser:      o.Parser,
		auth:        o.Authenticate,
		maxBody:     o.MaxBodyBytes,
		denyStatus:  o.DenyStatus,
		reportOnly:  o.ReportOnly,
		onDecision:  o.OnDecision,
		logger:      o.Logger,
		unknownRead: o.UnsafeAllowUnknownReadOnly,
		sigv4:       o.SigV4,
	}
	if o.Discovery != nil {
		dv := *o.Discovery
		c.discovery = &dv
	}
	switch {
	case c.maxBody == 0:
		c.maxBody = DefaultMaxBodyBytes
	case c.maxBody < 0:
		bad("MaxBodyBytes %d is negative", o.MaxBodyBytes)
	}
	// The bounds on names and on decoded bodies are the parser's; these
	// options override a Parser's own, and a decoded body is never allowed
	// to be larger than MaxBodyBytes unless MaxDecodedBodyBytes says so.
	var p routeparse.Parser
	if o.Parser != nil {
		p = *o.Parser // every setting, DefaultModels too; Compile below rebuilds the rest
	}
	if p.Names == nil && o.Policy != nil {
		// Body model names the policy knows are taken from it rather
		// than copied out of every request's body.
		src := o.Policy
		p.Names = func(b []byte) (string, bool) { return src.Policy().knownName(b) }
	}
	switch {
	case o.MaxModelsPerRequest < 0:
		bad("MaxModelsPerRequest %d is negative", o.MaxModelsPerRequest)
	case o.MaxModelsPerRequest > 0:
		p.MaxModels = o.MaxModelsPerRequest
	}
	switch {
	case o.MaxDecodedBodyBytes < 0:
		bad("MaxDecodedBodyBytes %d is negative", o.MaxDecodedBodyBytes)
	case o.MaxDecodedBodyBytes > 0:
		p.MaxDecodedBytes = o.MaxDecodedBodyBytes
	case p.MaxDecodedBytes <= 0:
		p.MaxDecodedBytes = min(routeparse.DefaultMaxDecodedBytes, max(c.maxBody, 1))
	}
	// The smallest budget that admits one body of each kind at a time.
	least := max(c.maxBody, 0) + 1 + decodeReserve(max(p.MaxDecodedBytes, 0))
	switch c.budget.max = o.MaxBufferedBytes; {
	case c.budget.max == 0:
		c.budget.max = max(DefaultMaxBufferedBytes, least)
	case c.budget.max < 0:
		bad("MaxBufferedBytes %d is negative", o.MaxBufferedBytes)
	case c.budget.max < least:
		bad("MaxBufferedBytes %d cannot hold one body of MaxBodyBytes and one decoding of MaxDecodedBodyBytes (%d)", o.MaxBufferedBytes, least)
	}
	// The parser is compiled here, once: its prefixes are validated (a
	// typo is a start-up error, not a route that stops matching) and its
	// prefix table precomputed.
	if cp, err := p.Compile(); err != nil {
		bad("Parser: %v", err)
		c.parser = &routeparse.Parser{}
	} else {
		c.parser = cp
	}
	switch c.denyStatus {
	case 0:
		c.denyStatus = http.StatusForbidden
	case http.StatusForbidden, http.StatusUnauthorized:
	default:
		bad("DenyStatus %d is neither 403 nor 401", o.DenyStatus)
	}
	for _, h := range wire.CredentialHeaders {
		c.strip.add(h)
	}
	for _, h := range o.StripHeaders {
		if !validHeaderName(h) {
			bad("StripHeaders entry %q is not a header name", h)
			continue
		}
		c.strip.add(h)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
