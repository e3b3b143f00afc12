package modelacl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/modelgate/modelgate/routeparse"
)

// Middleware is the net/http middleware: it lets a request reach the next
// handler only if the caller may call every model the request names. Make
// one with [New] (or [MustNew]); it is immutable and safe for concurrent
// use. Most callers want [Middleware.Handler]; hosts on other routers, or
// that write their own responses, call [Middleware.Check], which runs the
// same pipeline and returns the Decision and the request to hand on
// without serving, as net/http's CrossOriginProtection does.
//
// # What it decides, in order
//
// The order is part of the API:
//
//  1. Normalise and classify the request line (method, escaped path,
//     query) with routeparse. A path that is not in canonical form
//     (dot segments, "//", double or bad percent-encoding, ...) is 400; a
//     request no route of the grammar matches is 404 (fail closed: a route
//     the parser does not know may still name a model it cannot see).
//  2. Authenticate: find the credential ([FindCredential]) and call
//     Options.Authenticate. A missing, ambiguous, malformed or unknown
//     credential is 401, on every route, model-free ones included.
//     Authentication comes before the body is read, so an anonymous client
//     cannot make the gateway buffer bodies. A SigV4 credential, when
//     Options.SigV4 is set, is verified here, before Authenticate and
//     before anything is decided, so an unsigned caller learns nothing
//     about what a key may call: the signature is parsed and the access
//     key ID looked up first (an unknown ID, a malformed signature, a
//     stale date or a foreign scope is refused without reading the body,
//     because none of them can become valid by reading it), then the
//     body is read, bounded as in step 3 and on every route (the payload
//     hash covers it), and the signature is checked over the request as
//     received. Refusals carry AWS's error types and a Date header from
//     the verifier's clock. Step 3 reuses that body; it is read once.
//  3. Read the body, when the route may name a model in it, bounded by
//     MaxBodyBytes (413 beyond, without reading when Content-Length says
//     so), and classify it: a missing, duplicated, escaped, case-variant or
//     non-string model, invalid JSON, a model that disagrees with the path
//     or query, an unsupported Content-Encoding: 400. A GET, HEAD, DELETE
//     or OPTIONS request with a body, on a route that does not read one
//     (GET /v1/chat/completions, GET /v1/models, DELETE
//     /v1/responses/{id}), is 400 too: the body would go on unchecked, and
//     a handler that reads a model from any body would call it.
//  4. Resolve and decide ([Checker.CheckRoute]): every model the request
//     names (path, query, body, form, each fallback) must be allowed by
//     every scope of the principal. Otherwise DenyStatus (403).
//  5. Mutate and hand over: restore a body it read byte for byte (Body,
//     ContentLength, GetBody; a Content-Encoding is decoded for inspection
//     only, the compressed bytes go on), remove the client's credentials
//     ([CredentialHeaders], the "key" and X-Amz-* query parameters) and the
//     StripHeaders, put the [Decision] in the context ([FromContext]), call
//     the next handler.
//
// Refusals are written in the client's dialect (OpenAI, Anthropic,
// Bedrock, Google), the route's [routeparse.Route.ResponseDialect]: the
// Anthropic Messages bodies that anthropic-sdk-go's bedrock and vertex
// options send get Anthropic errors, OpenAI-compatible surfaces of other
// providers get OpenAI's. Each official SDK so reports a typed error;
// messages quote the model and never a credential or an allowlist.
//
// # What it trusts
//
// The host's Authenticate function, Options.SigV4's lookup and the
// policy. Without Options.SigV4 it does not verify SigV4 signatures (see
// [CredentialAWSAccessKeyID]). It mutates the
// request it was given in one way: it deletes the credential headers and
// StripHeaders from r.Header (the map is shared with the copy handed on);
// URL, body and context changes are made on a shallow copy.
//
// # Before going live
//
// Mount it in front of every route that reaches an upstream (a handler
// reachable around it is a bypass); dispatch downstream on
// [FromContext]'s Decision, not on a second parse of the request; keep
// ReportOnly off; make sure the gateway sets its own upstream credentials
// after the middleware; answer CORS preflight requests (OPTIONS) before it,
// since they carry no credential and name no route of the grammar.
//
// Stream both ways. On a route whose body the middleware does not read (a
// model in the path: Bedrock invoke-with-response-stream, converse-stream),
// the next handler forwards the client's body while the upstream's answer
// streams back. Go's HTTP/1 server discards or closes an unread request
// body as soon as the response starts, which breaks such a stream mid-way;
// call http.NewResponseController(w).EnableFullDuplex() before proxying
// (HTTP/2 is always full duplex). And set the server's timeouts
// (ReadHeaderTimeout, a body read deadline, IdleTimeout, MaxHeaderBytes):
// the middleware bounds what it reads, not how slowly it arrives.
type Middleware struct {
	c *config
}

// New validates o and returns the middleware, or an error if o is invalid
// (a missing Policy or Authenticate, a bad DenyStatus, ...). o's fields
// are validated here, once, not per request; the Parser is used as given.
func New(o Options) (*Middleware, error) {
	c, err := o.compile()
	if err != nil {
		return nil, err
	}
	return &Middleware{c: c}, nil
}

// MustNew is like [New] but panics if o is invalid, as
// regexp.MustCompile does: for options fixed in code, where an error is a
// programming mistake.
func MustNew(o Options) *Middleware {
	m, err := New(o)
	if err != nil {
		panic(err)
	}
	return m
}

// Handler returns a handler that calls [Middleware.Check] and then either
// writes the refusal ([Middleware.WriteRefusal]) or calls next with the
// request Check prepared. It panics if next is nil.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	if next == nil {
		panic("modelacl: nil next handler")
	}
	return &handler{m: m, next: next}
}

type handler struct {
	m    *Middleware
	next http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r2, d, err := h.m.Check(r)
	if err != nil {
		h.m.WriteRefusal(w, r, d)
		return
	}
	h.next.ServeHTTP(w, r2)
}

// Check runs steps 1 to 5 of the pipeline on r (see [Middleware]) without
// writing a response or calling a handler, and reports the outcome once
// through Options.OnDecision and Options.Logger.
//
//   - Allowed: it returns the request to hand on (a shallow copy of r
//     whose context carries d, credentials stripped, body restored), d, and
//     a nil error.
//   - Refused: it returns a nil request, d (d.Err says why) and that
//     error; write the refusal with [Middleware.WriteRefusal]. Whatever of
//     r's body was read is gone, so r must not be forwarded.
//   - Let through by ReportOnly despite a failure: like allowed, with
//     d.Allowed false and d.Err set.
//   - Let through by UnsafeAllowUnknownReadOnly: the prepared request, a nil
//     Decision and a nil error.
//   - A model listing answered by the gateway (Options.Discovery): a nil
//     request, d, and an error wrapping [ErrListingAnswered];
//     [Middleware.WriteRefusal] writes the listing. d is the listing's
//     decision: Allowed for a listing, the named model's for a Get.
//
// When it hands the request on, Check deletes the credential headers and
// StripHeaders from r.Header (the map is shared with the copy it returns).
func (m *Middleware) Check(r *http.Request) (*http.Request, *Decision, error) {
	c := m.c
	// One allocation holds the decision (with its route) and the context
	// that carries it to the next handler.
	dc := &decisionCtx{Context: r.Context()}
	d := &dc.d

	// 1. Normalise and classify the request line. EscapedPath, not Path:
	// a model ID may contain an encoded '/' (a Bedrock ARN) that must be
	// decoded once, per segment; it is also the form httputil.ReverseProxy
	// forwards, so what is classified is what goes upstream.
	var perr error
	d.Route, perr = c.parser.ParseRequest(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header)
	passUnknown := false
	if perr != nil && c.unknownRead && errors.Is(perr, routeparse.ErrUnknownRoute) &&
		(r.Method == http.MethodGet || r.Method == http.MethodHead) {
		passUnknown, perr = true, nil
	}

	// 2. Authenticate (verifying a SigV4 signature first, which reads the
	// body). Never relaxed, not even by ReportOnly.
	pr, b, err := m.authenticate(r)
	if err != nil {
		m.refuse(r, d, nil, err, false)
		return nil, d, err
	}
	if passUnknown {
		return m.prepare(r, nil, b), nil, nil
	}
	if c.discovery != nil && perr == nil && IsListing(&d.Route) {
		// Discovery equals enforcement: answered here, from the policy,
		// never handed on to be forwarded unfiltered.
		return nil, d, m.answerListing(r, d, pr)
	}

	// 3. Read and classify the body; 4. resolve and decide.
	b, err = m.decide(r, d, pr, perr, b)
	if err != nil {
		if !m.refuse(r, d, pr, err, true) {
			return nil, d, err
		}
	} else {
		m.report(r.Context(), d, nil, 0)
	}

	// 5. Mutate and hand over.
	return m.prepare(r, dc, b), d, nil
}

// body is the request body as it will be handed on.
type body struct {
	set   bool // replace Body/ContentLength/GetBody on the outgoing request
	bytes []byte
	rest  io.ReadCloser // ReportOnly over the limit: the unread remainder
}

// authenticate finds the credential, verifies a SigV4 signature
// (verifySigV4, which returns the body if it had to read it) and calls the
// host's Authenticate.
func (m *Middleware) authenticate(r *http.Request) (*Principal, body, error) {
	cred, err := FindCredential(r)
	if err != nil && !errors.Is(err, ErrNoCredential) {
		return nil, body{}, err
	}
	b, err := m.verifySigV4(r, &cred)
	if err != nil {
		return nil, b, err
	}
	pr, err := m.c.auth(r, cred)
	switch {
	case err == nil && pr == nil:
		err = ErrUnknownKey
	case err != nil && categoryOf(err).kind == failInternal:
		// The host's own failure (its key store is down, ...): 500, and
		// the error still matches a sentinel of ours.
		err = fmt.Errorf("%w: %w", ErrAuthenticateFailed, err)
	}
	if cred.Kind == CredentialNone && errors.Is(err, ErrUnknownKey) {
		// The host knows nobody without a credential: the client sent
		// none, which is not the same mistake as a key nobody knows.
		err = ErrNoCredential
	}
	return pr, b, err
}

// decide reads (unless authentication already did: b) and classifies the
// body when the route takes one, and decides; perr is the request line's
// classification error.
func (m *Middleware) decide(r *http.Request, d *Decision, pr *Principal, perr error, b body) (body, error) {
	rt := &d.Route
	switch {
	case perr != nil:
		return b, perr
	case rt.Body == routeparse.BodyNone && bodyless(r.Method) && hasBody(r):
		// A body nobody reads is a body nobody checked. The route does not
		// take one (GET /v1/chat/completions lists stored completions),
		// but a handler that serves the path for every method, or reads
		// "model" from any body, would call what it names. Refuse it
		// rather than forward it unread.
		return b, errUnexpectedBody
	case rt.Body != routeparse.BodyNone:
		var err error
		if !b.set {
			b, err = m.readBody(r)
		}
		if err == nil {
			err = m.parseBody(r, rt, b.bytes)
		}
		if err != nil {
			return b, err
		}
		*d, err = m.c.checker.CheckRoute(pr, rt) // the returned Decision carries *rt
		return b, err
	default:
		var err error
		*d, err = m.c.checker.CheckRoute(pr, rt)
		return b, err
	}
}

// WriteRefusal writes the refusal d (a Decision [Middleware.Check] returned
// with an error) in the client's dialect: the status and message d.Err
// calls for, in the error shape of d.Route's response dialect (or, for an
// unclassified request, of the SDK r's headers point to).
func (m *Middleware) WriteRefusal(w http.ResponseWriter, r *http.Request, d *Decision) {
	if d.listing != nil {
		d.listing.Write(w)
		return
	}
	m.sigV4Date(w, d.Err)
	writeFailure(w, dialectFor(&d.Route, r.Header), failureFor(d.Err, m.c.denyStatus))
}

// decisionCtx is the context handed to the next handler: the request's
// context plus its Decision, in one allocation.
type decisionCtx struct {
	context.Context
	d Decision
}

func (c *decisionCtx) Value(key any) any {
	if key == (decisionKey{}) {
		return &c.d
	}
	return c.Context.Value(key)
}

// refuse records the refusal err in d and reports it, and returns whether
// ReportOnly lets the request through (relaxable, and the failure is about
// models, routes or bodies).
func (m *Middleware) refuse(r *http.Request, d *Decision, pr *Principal, err error, relaxable bool) bool {
	if d.Err == nil { // refused before the policy check
		rt := d.Route
		*d = deniedDecision(pr, "", err)
		d.Route = rt
	}
	d.Allowed = false
	f := failureFor(err, m.c.denyStatus)
	pass := relaxable && m.c.reportOnly && f.kind != failUnauthenticated && f.kind != failInternal
	status := f.status
	if pass {
		status = 0
	}
	m.report(r.Context(), d, err, status)
	return pass
}

// errUnexpectedBody refuses a body on a request whose method has no body
// semantics, on a route whose body the middleware does not read.
var errUnexpectedBody = &routeparse.Error{Shape: "body", Detail: "GET, HEAD, DELETE and OPTIONS requests must not carry a body", Err: routeparse.ErrMalformedBody}

// bodyless reports whether requests with method carry no body in any API
// the grammar covers. POST and PUT routes that do not name a model (file
// uploads, Bedrock invoke's opaque body) legitimately carry one.
func bodyless(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// hasBody reports whether r carries a body: a non-zero Content-Length, a
// Transfer-Encoding (chunked, of unknown length), or a body of unknown
// length. A server-side request without one has ContentLength 0 and
// Body http.NoBody.
func hasBody(r *http.Request) bool {
	switch {
	case r.ContentLength > 0, len(r.TransferEncoding) > 0:
		return true
	case r.ContentLength < 0:
		return r.Body != nil && r.Body != http.NoBody
	}
	return false
}

// readBody reads the body, bounded by MaxBodyBytes. Over the limit it
// returns an error wrapping routeparse.ErrBodyTooLarge; under ReportOnly
// the body is then kept whole for the next handler.
func (m *Middleware) readBody(r *http.Request) (body, error) {
	max := m.c.maxBody
	if r.Body == nil || r.Body == http.NoBody {
		return body{set: true}, nil
	}
	if r.ContentLength > max {
		return body{}, errBodyTooLarge // not read: the body goes on untouched under ReportOnly
	}
	hint := int64(512)
	if r.ContentLength >= 0 {
		hint = r.ContentLength + 1 // +1: room to see EOF (or excess) without growing
	}
	buf, err := readAtMost(r.Body, max+1, hint)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return body{}, errBodyTooLarge
		}
		return body{}, fmt.Errorf("%w: %w", ErrBodyRead, err)
	}
	if int64(len(buf)) > max {
		// Keep what was read in front of the rest, in case ReportOnly
		// lets the request through.
		return body{set: true, bytes: buf, rest: r.Body}, errBodyTooLarge
	}
	return body{set: true, bytes: buf}, nil
}

// readAtMost reads r until EOF or until limit bytes, starting with a buffer
// of capacity hint, so a body of known length is read into one allocation.
func readAtMost(r io.Reader, limit, hint int64) ([]byte, error) {
	hint = min(hint, limit)
	buf := make([]byte, 0, hint)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= limit {
				return buf, nil
			}
			grown := append(buf[:cap(buf)], 0)[:len(buf)]
			if int64(cap(grown)) > limit {
				grown = grown[:len(buf):limit]
			}
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// parseBody classifies the body. Several Content-Type headers are refused:
// the next handler would read only the first, the parser must not guess.
func (m *Middleware) parseBody(r *http.Request, rt *routeparse.Route, b []byte) error {
	ct := r.Header["Content-Type"]
	if len(ct) > 1 {
		return &routeparse.Error{Shape: "body", Detail: "several Content-Type headers", Err: routeparse.ErrMalformedBody}
	}
	var contentType string
	if len(ct) == 1 {
		contentType = ct[0]
	}
	var encoding string
	switch ce := r.Header["Content-Encoding"]; len(ce) {
	case 0:
	case 1:
		encoding = ce[0]
	default:
		// Let the parser see every coding; it refuses what it cannot
		// decode.
		encoding = strings.Join(ce, ", ")
	}
	return m.c.parser.ParseBody(rt, contentType, encoding, b, m.c.maxBody)
}

// prepare strips credentials and gateway-owned headers, restores the body
// and attaches the decision (when dc is not nil): it returns the request
// to hand on.
func (m *Middleware) prepare(r *http.Request, dc *decisionCtx, b body) *http.Request {
	m.c.strip.remove(r.Header)
	var r2 *http.Request
	if dc != nil {
		r2 = r.WithContext(dc)
	} else {
		r2 = r.WithContext(r.Context())
	}
	if q, ok := stripQueryKeys(r.URL.RawQuery); ok {
		u := *r.URL
		u.RawQuery = q
		r2.URL = &u
		if r.RequestURI != "" {
			r2.RequestURI = u.RequestURI()
		}
		if r.Form != nil {
			r2.Form = make(map[string][]string, len(r.Form))
			for k, v := range r.Form {
				if !strings.EqualFold(k, "key") && !isAmzParam(k) {
					r2.Form[k] = v
				}
			}
		}
	}
	switch {
	case b.rest != nil:
		r2.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b.bytes), b.rest), b.rest}
		r2.GetBody = nil
	case b.set && len(b.bytes) == 0:
		r2.Body, r2.ContentLength, r2.TransferEncoding = http.NoBody, 0, nil
		r2.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	case b.set:
		rb := &replayBody{buf: b.bytes}
		rb.Reset(rb.buf)
		r2.Body = rb
		r2.ContentLength, r2.TransferEncoding = int64(len(b.bytes)), nil
		r2.GetBody = rb.replay
	}
	return r2
}

// replayBody is the buffered body handed on, and the source of GetBody's
// fresh copies.
type replayBody struct {
	bytes.Reader
	buf []byte
}

func (*replayBody) Close() error { return nil }

func (rb *replayBody) replay() (io.ReadCloser, error) {
	n := &replayBody{buf: rb.buf}
	n.Reset(n.buf)
	return n, nil
}

// report calls OnDecision and logs one line. status is the status written
// (0 when the request goes on).
func (m *Middleware) report(ctx context.Context, d *Decision, err error, status int) {
	c := m.c
	if c.onDecision != nil {
		c.onDecision(ctx, d)
	}
	if c.logger == nil {
		return
	}
	level, msg := slog.LevelDebug, "modelacl: allowed"
	switch {
	case d.Allowed:
	case status == 0:
		level, msg = slog.LevelWarn, "modelacl: would deny (report only)"
	case failureFor(err, c.denyStatus).kind == failInternal:
		level, msg = slog.LevelError, "modelacl: internal error"
	default:
		level, msg = slog.LevelWarn, "modelacl: denied"
	}
	if !c.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 16)
	attrs = append(attrs,
		slog.Bool("allowed", d.Allowed),
		slog.String("code", string(d.Reason())),
		slog.String("provider", d.Route.Provider.String()),
		slog.String("operation", d.Route.Operation.String()),
	)
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	if models := d.Route.Models(); len(models) > 0 {
		names := make([]string, len(models))
		for i, m := range models {
			names[i] = m.Name()
		}
		attrs = append(attrs, slog.Any("models", names))
	}
	if g := d.Grants(); len(g) > 0 {
		as := make([]string, len(g))
		for i := range g {
			as[i] = g[i].Model
			if g[i].Group != "" {
				as[i] = g[i].Group
			}
		}
		attrs = append(attrs, slog.Any("authorized_as", as))
	}
	if d.Denied != "" {
		attrs = append(attrs, slog.String("denied_model", d.Denied))
	}
	if d.Scope != ScopeNone {
		attrs = append(attrs, slog.String("scope", d.Scope.String()))
	}
	for _, id := range [...]struct{ k, v string }{
		{"key_id", d.KeyID}, {"team_id", d.TeamID}, {"user_id", d.UserID}, {"org_id", d.OrgID}, {"end_user_id", d.EndUserID},
	} {
		if id.v != "" {
			attrs = append(attrs, slog.String(id.k, id.v))
		}
	}
	if err != nil {
		attrs = append(attrs, slog.String("reason", err.Error()))
	}
	c.logger.LogAttrs(ctx, level, msg, attrs...)
}
