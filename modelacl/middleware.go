package modelacl

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

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
//     the parser does not know may still name a model it cannot see). A
//     request asking for a protocol upgrade is 400 ([ErrUpgrade]) unless it
//     is a websocket upgrade on a realtime route; an h2c upgrade always is.
//     So is a request with a method override header
//     (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override): it is
//     classified by its own method, which an upstream honouring the header
//     would not serve.
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
//     so), MaxDecodedBodyBytes once a Content-Encoding is undone (413),
//     MaxModelsPerRequest (400) and MaxBufferedBytes across all requests
//     in flight (503 with Retry-After, [ErrBufferBudget]); and classify
//     it: a missing, duplicated, escaped, case-variant or non-string model, invalid JSON, a model that disagrees with the path
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
// messages quote the model and never a credential or an allowlist. A
// refusal of an HTTP/1 request whose body was not read to its end closes
// the connection at once, without draining the body
// ([Middleware.WriteRefusal]).
//
// # Bounds
//
// Every cost is bounded by an option with a default: MaxBodyBytes (32
// MiB as received), MaxDecodedBodyBytes (8 MiB once decoded),
// MaxModelsPerRequest (256 names), MaxBufferedBytes (128 MiB of bodies
// across all requests in flight). Log lines name at most a few models,
// each clipped, whatever the request names. Body buffers are reused
// across requests ([Middleware.Handler]), each rounded up by at most a
// quarter; a buffer the pools keep unused is dropped by the garbage
// collector within two cycles, so, as garbage would, they stay within a
// small multiple of what MaxBufferedBytes lets requests hold.
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
// the middleware bounds what it reads, not how slowly it arrives; it
// closes the connections it refuses, but a client still sending headers,
// or an allowed one dribbling its body, is the server's to time out.
//
// Use one Middleware for the whole server, so that MaxBufferedBytes bounds
// every route together. Serve HTTP/2 over TLS or with prior knowledge
// (http.Server.Protocols), never through an h2c upgrade handler placed in
// front of the middleware (golang.org/x/net/http2/h2c's NewHandler
// answers "Upgrade: h2c" itself, before the middleware can refuse it). A
// realtime websocket the middleware lets through carries frames that can
// name models: check each with [Checker] (routeparse.ParseRealtimeFrame
// classifies them).
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
//
// A body the middleware buffered is handed to next in a buffer that later
// requests reuse, so it is valid only until next returns: from then on,
// reads of r.Body and of every GetBody copy fail with an error (never
// another request's bytes), even when they were started before, as
// net/http's Transport may do when the upstream answered before reading
// the whole body. A handler that keeps the body past its return must copy
// it first. The [Decision] and its models stay valid.
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
	r2, dc, d, err := h.m.check(r, true)
	if dc != nil {
		// The buffered body, its buffer and its share of MaxBufferedBytes
		// are held until the next handler is done with them (bodybuf.go).
		defer dc.done()
	}
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
// A body it buffered counts against Options.MaxBufferedBytes until r's
// context is done: for a request a net/http server is serving, when its
// ServeHTTP returns. A caller whose context never ends (a test's
// context.Background) keeps that share for good; [Middleware.Handler]
// gives it back as soon as the next handler returns.
func (m *Middleware) Check(r *http.Request) (*http.Request, *Decision, error) {
	r2, dc, d, err := m.check(r, false)
	if err == nil && dc != nil && dc.lease.held > 0 {
		context.AfterFunc(r.Context(), dc.lease.release)
	}
	return r2, d, err
}

// check is Check, returning the request's state too; after a refusal the
// state holds nothing of the budget. pooled: the body is read into a
// pooled buffer, which the caller must give back with dc.done once the
// request is over.
func (m *Middleware) check(r *http.Request, pooled bool) (*http.Request, *decisionCtx, *Decision, error) {
	c := m.c
	// One allocation holds the decision (with its route), the context
	// that carries it to the next handler, the request handed on, the body
	// handed on and its share of the buffer budget.
	dc := &decisionCtx{Context: r.Context()}
	dc.lease.b = &c.budget
	if pooled {
		dc.lease.bufs.pool = &c.bufs
	}
	d := &dc.d

	// 1. Normalise and classify the request line. EscapedPath, not Path:
	// a model ID may contain an encoded '/' (a Bedrock ARN) that must be
	// decoded once, per segment; it is also the form httputil.ReverseProxy
	// forwards, so what is classified is what goes upstream.
	perr := c.parser.ParseRequestInto(&d.Route, r.Method, escapedPath(r.URL), r.URL.RawQuery, r.Header)
	var hs requestHeaders
	hs.read(r.Header, &c.strip)
	passUnknown := false
	if perr != nil && c.unknownRead && errors.Is(perr, routeparse.ErrUnknownRoute) &&
		(r.Method == http.MethodGet || r.Method == http.MethodHead) {
		passUnknown, perr = true, nil
	}

	// A protocol upgrade turns the connection into a tunnel whose later
	// traffic nobody classifies: refused before anything else, unless it
	// is a websocket on a route whose shape is a websocket session.
	// Never relaxed, not even by ReportOnly.
	if !hs.noUpgrade() {
		if err := checkUpgrade(r, &hs, &d.Route, perr == nil); err != nil {
			m.refuse(r, d, nil, err, false)
			return dc.refused(r, body{}, err)
		}
	}
	// Likewise a method override: the upstream would serve a method
	// nobody classified.
	if err := checkMethodOverride(&hs); err != nil {
		m.refuse(r, d, nil, err, false)
		return dc.refused(r, body{}, err)
	}

	// 2. Authenticate (verifying a SigV4 signature first, which reads the
	// body). Never relaxed, not even by ReportOnly.
	pr, b, err := m.authenticate(r, &hs, &dc.lease)
	if err != nil {
		m.refuse(r, d, nil, err, false)
		return dc.refused(r, b, err)
	}
	if passUnknown {
		return m.prepare(r, &hs, dc, b, false), dc, nil, nil
	}
	if c.discovery != nil && perr == nil && IsListing(&d.Route) {
		// Discovery equals enforcement: answered here, from the policy,
		// never handed on to be forwarded unfiltered.
		return dc.refused(r, b, m.answerListing(r, d, pr))
	}

	// 3. Read and classify the body; 4. resolve and decide.
	b, err = m.decide(r, d, pr, perr, b, &dc.lease)
	if err != nil {
		if !m.refuse(r, d, pr, err, true) {
			return dc.refused(r, b, err)
		}
	} else {
		m.report(r.Context(), d, nil, 0)
	}

	// 5. Mutate and hand over.
	return m.prepare(r, &hs, dc, b, true), dc, d, nil
}

// body is the request body as it will be handed on.
type body struct {
	set   bool // replace Body/ContentLength/GetBody on the outgoing request
	eof   bool // the request body was read to its end
	bytes []byte
	rest  io.ReadCloser      // ReportOnly over a limit: the unread remainder
	sum   *[sha256.Size]byte // the SHA-256 of bytes, when a SigV4 verification hashed them
}

// authenticate finds the credential, verifies a SigV4 signature
// (verifySigV4, which returns the body if it had to read it) and calls the
// host's Authenticate.
func (m *Middleware) authenticate(r *http.Request, hs *requestHeaders, l *lease) (*Principal, body, error) {
	cred, err := findCredential(r, hs)
	if err != nil && !errors.Is(err, ErrNoCredential) {
		return nil, body{}, err
	}
	var b body
	if m.c.sigv4 != nil {
		if b, err = m.verifySigV4(r, &cred, l); err != nil {
			return nil, b, err
		}
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
func (m *Middleware) decide(r *http.Request, d *Decision, pr *Principal, perr error, b body, l *lease) (body, error) {
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
			b, err = m.readBody(r, l)
		}
		if err == nil {
			err = m.parseBody(r, rt, b.bytes, l.b)
		}
		if err != nil {
			return b, err
		}
		err = m.c.checker.checkRouteInto(d, pr, rt, true) // in place: rt is &d.Route, parsed above
		d.recordErr(err)
		return b, err
	default:
		var err error
		err = m.c.checker.checkRouteInto(d, pr, rt, true)
		d.recordErr(err)
		return b, err
	}
}

// WriteRefusal writes the refusal d (a Decision [Middleware.Check] returned
// with an error) in the client's dialect: the status and message d.Err
// calls for, in the error shape of d.Route's response dialect (or, for an
// unclassified request, of the SDK r's headers point to).
//
// When Check refused the request before reading its whole body (401
// without a key, 403 or 404 on the request line, 413 by Content-Length,
// 503 over MaxBufferedBytes, a refused upgrade), the response to an
// HTTP/1 request says "Connection: close" and the connection is closed as
// soon as the response is written, without the drain of up to 256 KiB
// that net/http would otherwise read at the client's pace: a refused
// client cannot hold a connection by dribbling its body. (HTTP/2 resets
// the stream of an unread body; the connection stays up for its other
// streams.) Closing at once needs http.ResponseController's
// SetReadDeadline: w, or a wrapper that unwraps to it, must be net/http's
// own ResponseWriter; elsewhere the server drains as usual. A 503 over
// MaxBufferedBytes carries "Retry-After".
func (m *Middleware) WriteRefusal(w http.ResponseWriter, r *http.Request, d *Decision) {
	closeConn := d.unread && r.ProtoMajor == 1
	if closeConn {
		w.Header().Set("Connection", "close")
		// net/http closes the request body after the handler returns,
		// and closing reads what is left of a small body (up to 256 KiB)
		// so that the connection can be reused; "Connection: close" does
		// not skip that read. A read deadline in the past makes it fail
		// at once (the response is written all the same). A server that
		// cannot set one (ErrNotSupported) is left to its own timeouts.
		defer func() { _ = http.NewResponseController(w).SetReadDeadline(time.Now()) }()
	}
	if d.listing != nil {
		d.listing.Write(w)
		return
	}
	m.sigV4Date(w, d.Err)
	f := failureFor(d.Err, m.c.denyStatus)
	if f.kind == failBusy {
		w.Header().Set("Retry-After", retryAfterBusy)
	}
	writeFailure(w, dialectFor(&d.Route, r.Header), f)
}

// retryAfterBusy is the Retry-After of a refusal over MaxBufferedBytes, in
// seconds: buffered requests finish in about that time.
const retryAfterBusy = "1"

// decisionCtx is the state of one request, in one allocation: the context
// handed to the next handler (the request's context plus its Decision),
// the shallow copy of the request it is given, the buffered body it is
// given, and the body's share of the buffer budget.
type decisionCtx struct {
	context.Context
	d     Decision
	req   http.Request // the request handed on
	held  heldBody     // the buffered body handed on
	rb    bodyReader   // its reader handed on, when there is one
	lease lease
}

// refused ends check with err, after the refusal was recorded in c.d: the
// body read so far (b) is dropped with its share of the budget, and
// whether some of it was left unread decides whether the refusal closes
// the connection.
func (c *decisionCtx) refused(r *http.Request, b body, err error) (*http.Request, *decisionCtx, *Decision, error) {
	c.lease.release()
	c.d.unread = hasBody(r) && !b.eof
	return nil, c, &c.d, err
}

// done ends the request for [Middleware.Handler]: reads of the body handed
// on fail from now on, and its buffer, or one read for a refused request,
// goes back to the pool; the budget share is given back.
func (c *decisionCtx) done() {
	if c.rb.h != nil {
		c.held.release()
	}
	c.lease.dropBuf()
	c.lease.release()
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

// readBody reads the body, bounded by MaxBodyBytes, holding its buffer's
// size in l. Over the limit it returns an error wrapping
// routeparse.ErrBodyTooLarge; when l cannot grow, [ErrBufferBudget]. Under
// ReportOnly the body is then kept whole for the next handler.
func (m *Middleware) readBody(r *http.Request, l *lease) (body, error) {
	max := m.c.maxBody
	if r.Body == nil || r.Body == http.NoBody {
		return body{set: true, eof: true}, nil
	}
	if r.ContentLength > max {
		return body{}, errBodyTooLarge // not read: the body goes on untouched under ReportOnly
	}
	hint := int64(512)
	if r.ContentLength >= 0 {
		hint = r.ContentLength // EOF is then looked for without growing
	}
	buf, eof, err := readAtMost(r.Body, max+1, hint, l)
	switch {
	case err == ErrBufferBudget:
		if len(buf) == 0 {
			return body{}, err // not read: the body goes on untouched under ReportOnly
		}
		return body{set: true, bytes: buf, rest: r.Body}, err
	case err != nil:
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return body{}, errBodyTooLarge
		}
		return body{}, fmt.Errorf("%w: %w", ErrBodyRead, err)
	case !eof:
		// Over the limit. Keep what was read in front of the rest, in
		// case ReportOnly lets the request through.
		return body{set: true, bytes: buf, rest: r.Body}, errBodyTooLarge
	}
	// Capped: no reader of the body can reslice into the buffer past it.
	return body{set: true, eof: true, bytes: buf[:len(buf):len(buf)]}, nil
}

// readAtMost reads r until EOF (eof true) or until limit bytes, starting
// with a buffer of capacity hint, so a body of known length is read into
// one buffer (l's: pooled, or allocated) and never grown. l holds the
// buffer's capacity at every step; when it cannot grow, readAtMost stops
// with [ErrBufferBudget].
func readAtMost(r io.Reader, limit, hint int64, l *lease) (buf []byte, eof bool, err error) {
	buf, ok := l.newBuf(min(hint, limit))
	if !ok {
		return nil, false, ErrBufferBudget
	}
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= limit {
				return buf, false, nil
			}
			// Full: a body of known length ends here (net/http's says
			// EOF with its last bytes; other readers on the next Read).
			// Look for the end with one byte before growing.
			one := l.bufs.probe[:]
			n, err := r.Read(one)
			switch {
			case n == 0 && err == io.EOF:
				return buf, true, nil
			case n == 0 && err != nil:
				return buf, false, err
			}
			// Longer than said, or of unknown length: double, so the
			// copies add up to less than the final size.
			if buf, ok = l.growBuf(buf, min(max(2*int64(cap(buf)), 512), limit)); !ok {
				return buf, false, ErrBufferBudget
			}
			buf = append(buf, one[:n]...)
			if err == io.EOF {
				return buf, true, nil
			}
			if err != nil {
				return buf, false, err
			}
			continue
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, true, nil
		}
		if err != nil {
			return buf, false, err
		}
	}
}

// parseBody classifies the body. Several Content-Type headers are refused:
// the next handler would read only the first, the parser must not guess.
//
// A body with a Content-Encoding is decoded for inspection into a second
// buffer: while it is parsed, the decoder's worst case ([decodeReserve])
// is held in bud too, so concurrent compression bombs cannot together
// exceed MaxBufferedBytes.
func (m *Middleware) parseBody(r *http.Request, rt *routeparse.Route, b []byte, bud *budget) error {
	// Read here, after Authenticate, not from the pass over the headers
	// before it: the body is classified under the headers it is
	// forwarded with.
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
	if encoding != "" && encoded(encoding) {
		dl := lease{b: bud}
		if !dl.growTo(decodeReserve(m.c.parser.MaxDecodedBytes)) {
			return ErrBufferBudget
		}
		defer dl.release()
	}
	return m.c.parser.ParseBody(rt, contentType, encoding, b, m.c.maxBody)
}

// encoded reports whether a Content-Encoding value asks for decoding:
// anything but empty or "identity" (the parser refuses what it cannot
// decode).
func encoded(ce string) bool {
	ce = strings.TrimSpace(ce)
	return ce != "" && !strings.EqualFold(ce, "identity")
}

// decodeReserve is what decoding a body may hold at once when its decoded
// size is bounded by limit: the decoder doubles its buffer, so the old and
// the new one, about 1.5 times the limit.
func decodeReserve(limit int64) int64 { return limit + limit/2 + 1 }

// prepare strips credentials and gateway-owned headers, restores the body
// (into dc's replayBody) and attaches the decision (when decided): it
// returns the request to hand on.
func (m *Middleware) prepare(r *http.Request, hs *requestHeaders, dc *decisionCtx, b body, decided bool) *http.Request {
	hs.stripFrom(r.Header, &m.c.strip)
	// The request handed on lives in dc, so the shallow copy costs no
	// allocation of its own (WithContext's copy does not escape).
	ctx := r.Context()
	if decided {
		ctx = dc
	}
	r2 := &dc.req
	*r2 = *r.WithContext(ctx)
	// Request trailers are headers the client sends after the body, where
	// no credential stripping or model rule looks: no API the grammar
	// covers uses them, so none are handed on (a proxy would forward a
	// trailing Authorization or gateway-owned header to the upstream).
	r2.Trailer = nil
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
		// ReportOnly over a limit: a read unguarded, so never pooled.
		dc.lease.handOn()
		r2.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b.bytes), b.rest), b.rest}
		r2.GetBody = nil
	case b.set && len(b.bytes) == 0:
		r2.Body, r2.ContentLength, r2.TransferEncoding = http.NoBody, 0, nil
		r2.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	case b.set:
		dc.held.hold(b.bytes, b.sum, dc.lease.handOn(), dc.lease.bufs.pool)
		rb := &dc.rb
		rb.h = &dc.held
		r2.Body = rb
		r2.ContentLength, r2.TransferEncoding = int64(len(b.bytes)), nil
		r2.GetBody = rb.replay
	}
	return r2
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
		names := make([]string, min(len(models), maxLoggedNames))
		for i := range names {
			names[i] = clipLogged(models[i].Name())
		}
		attrs = append(attrs, slog.Any("models", names))
		if len(models) > len(names) {
			attrs = append(attrs, slog.Int("models_count", len(models)))
		}
	}
	if g := d.Grants(); len(g) > 0 {
		as := make([]string, min(len(g), maxLoggedNames))
		for i := range as {
			as[i] = g[i].Model
			if g[i].Group != "" {
				as[i] = g[i].Group
			}
			as[i] = clipLogged(as[i])
		}
		attrs = append(attrs, slog.Any("authorized_as", as))
		if len(g) > len(as) {
			attrs = append(attrs, slog.Int("authorized_count", len(g)))
		}
	}
	if d.Denied != "" {
		attrs = append(attrs, slog.String("denied_model", clipLogged(d.Denied)))
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
		attrs = append(attrs, slog.String("reason", clipReason(err.Error())))
	}
	c.logger.LogAttrs(ctx, level, msg, attrs...)
}

// A log line stays small whatever the request names: at most
// maxLoggedNames models (and grants), each clipped to maxLoggedName bytes,
// with the full count beside them; the reason is clipped too.
const (
	maxLoggedNames  = 8
	maxLoggedName   = 256
	maxLoggedReason = 1024
)

func clipLogged(s string) string { return clipString(s, maxLoggedName) }
func clipReason(s string) string { return clipString(s, maxLoggedReason) }

func clipString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
