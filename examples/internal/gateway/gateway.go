// Package gateway is the reference gateway behind examples/gateway and
// examples/repro: a net/http handler made of the modelacl middleware in
// front of one httputil.ReverseProxy per provider upstream.
//
// # Routes
//
// Every route the library's route parser recognises is served; the
// upstream is chosen from the parsed route's provider, and the request is
// forwarded with the gateway prefix removed and the rest of the path kept
// byte for byte (escapes included):
//
//	/bedrock/...    (and unprefixed /model/...)        -> upstreams.bedrock, re-signed with SigV4 when aws is set
//	/vertex_ai/...  (and unprefixed /v1/projects/...)  -> upstreams.vertex
//	/gemini/...     (and unprefixed /v1beta/models/...) -> upstreams.gemini
//	/azure/...                                          -> upstreams.azure
//	/anthropic/..., /v1/messages                       -> upstreams.anthropic
//	/openai/..., /v1/chat/completions, /chat/completions, /v1/embeddings,
//	/v1/responses, /v1/audio/transcriptions, GET /v1/realtime?model=,
//	/openai/deployments/{d}/...                        -> upstreams.openai
//
// Model listings are answered by the gateway itself, never forwarded
// (modelacl Options.Discovery): what the caller's key may call through the
// route it asks on, decided by the same policy code that authorizes
// requests, in the provider's own shape:
//
//	GET /v1/models, /models, /v1/models/{id}        OpenAI; Anthropic's shape with an anthropic-version header (model groups and aliases);
//	                                                 Gemini's with an x-goog-api-key or x-goog-api-client header (Gemini model IDs)
//	GET /openai/v1/models[/{id}]                     OpenAI model IDs the deployments call
//	GET /anthropic/v1/models[/{id}]                  Anthropic model IDs the deployments call (?limit, after_id, before_id)
//	GET /v1beta/models[/{m}], /gemini/v1[beta]/models[/{m}]   Gemini model IDs (?pageSize, pageToken)
//	GET [/bedrock]/inference-profiles[/{id or ARN}]  Bedrock system-defined and application profiles (?type, maxResults, nextToken)
//	GET [/bedrock]/foundation-models[/{id}]          Bedrock foundation models
//
// # Trust
//
// Dispatch reads the route from the middleware's [modelacl.Decision] and
// never parses the request again. A request without a decision in its
// context did not pass the middleware and is refused (fail closed).
// Credentials are stripped by the middleware; other headers pass through,
// except the hop-by-hop and X-Forwarded-* headers httputil.ReverseProxy
// drops.
//
// # Reload
//
// [Gateway.Reload] (SIGHUP in the gateway command) compiles a new policy
// and key store together and swaps them in as one snapshot: each request
// is authenticated and decided by the same configuration. A config with
// errors is refused whole and the running one stays.
//
// # Aliases
//
// A key's aliases (keys[].aliases) map a name the client sends to the model
// it stands for, and the policy authorizes the target, never the alias. What
// is checked is what is forwarded: on the unified routes, when the
// decision's grants say a name was authorized as another one, the gateway
// replaces the top-level "model" string of the JSON body with the
// authorized name, keeping every other byte, before forwarding; it splices
// the name in at the span the middleware's parser recorded, never parsing
// the body again. It does not
// rewrite anything else, and refuses with 400 (OpenAI error shape, type
// "invalid_request_error", code "model_alias_not_forwardable") a request
// whose alias appears
//
//   - in a gzip- or deflate-encoded body (it would have to re-encode it);
//   - in fallbacks, a model list, a comma-separated "model" string,
//     deployment_id or a batch's requests;
//   - in a multipart form field (audio transcriptions) or in ?model=
//     (realtime).
//
// These are limits of the reference gateway, not of the policy: a gateway
// that rewrites those places too may accept them. A request that names no
// alias is forwarded byte for byte. Aliases do not apply on the
// provider-native and provider-prefixed routes (/anthropic/..., /bedrock/...,
// ...): their IDs are forwarded as sent, so the policy checks them as sent.
//
// Whatever the route, a model the request names that the decision's grants
// do not cover is not forwarded (403): the decision must describe the
// request being forwarded.
package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelgate/modelgate/bedrock/sigv4/verify"
	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// Options tune [New]. The zero value is usable.
type Options struct {
	// Logger receives one line per decision and proxy errors. nil means
	// slog.Default().
	Logger *slog.Logger
	// Transport is the base transport to the upstreams. nil means a clone
	// of http.DefaultTransport whose idle pool keeps MaxIdleConnsPerHost
	// connections to each upstream.
	Transport http.RoundTripper
	// MaxIdleConnsPerHost sizes the default transport's idle pool per
	// upstream; 0 means 256. It should be at least the number of requests
	// the gateway serves at once: with http.DefaultTransport's 2, a
	// gateway under 8 concurrent requests dials the upstream again for a
	// third of them. Ignored when Transport is set.
	MaxIdleConnsPerHost int
	// Clock is the time SigV4 signatures are judged by (and the Date of
	// their refusals). nil means time.Now; tests set it.
	Clock func() time.Time
	// MaxRealtimeFrameBytes bounds one websocket message of a realtime
	// session, each way; a larger one closes the session (1009) and is
	// not relayed. Zero or negative: DefaultMaxRealtimeFrameBytes (16 MiB).
	MaxRealtimeFrameBytes int64
}

// Gateway is the reference gateway. It is an http.Handler, safe for
// concurrent use. [Gateway.Reload] replaces its configuration while it
// serves.
type Gateway struct {
	gen      atomic.Pointer[generation]
	dispatch *dispatcher // behind the middleware; exported to tests only
	logger   *slog.Logger
	clock    func() time.Time
	// upstreams and aws are the wiring the proxies were built with; a
	// reload may not change them (see Reload).
	upstreams Upstreams
	aws       *AWS
}

// New compiles the config's policy and builds the handler. Every
// configuration error is returned here, never at request time.
func New(cfg *Config, opts Options) (*Gateway, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	g := &Gateway{logger: logger, clock: opts.Clock, upstreams: cfg.Upstreams, aws: cfg.AWS}
	gen, err := g.build(cfg)
	if err != nil {
		return nil, err
	}
	base := opts.Transport
	if base == nil {
		idle := opts.MaxIdleConnsPerHost
		if idle <= 0 {
			idle = defaultIdleConnsPerHost
		}
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = idle*len(cfg.Upstreams.fields()), idle
		base = t
	}

	d := &dispatcher{
		logger: logger, proxies: map[string]*httputil.ReverseProxy{}, targets: map[string]*url.URL{},
		maxBody:     modelacl.DefaultMaxBodyBytes, // the middleware's limit: MaxBodyBytes is left at zero below
		wsClient:    &http.Client{Transport: http1Transport(base)},
		dialTimeout: 10 * time.Second,
		maxFrame:    opts.MaxRealtimeFrameBytes,
	}
	if d.maxFrame <= 0 {
		d.maxFrame = DefaultMaxRealtimeFrameBytes
	}
	for _, f := range cfg.Upstreams.fields() {
		if *f.url == "" {
			continue
		}
		target, err := url.Parse(*f.url)
		if err != nil {
			return nil, fmt.Errorf("gateway: upstreams.%s: %w", f.name, err)
		}
		transport := base
		if f.name == "bedrock" && cfg.AWS != nil {
			transport, err = bedrockSigner(cfg.AWS, target, base)
			if err != nil {
				return nil, fmt.Errorf("gateway: aws: %w", err)
			}
			d.resigned = true
		}
		d.proxies[f.name] = d.newProxy(f.name, target, transport)
		d.targets[f.name] = target
	}
	d.current = g.Policy
	g.dispatch = d
	gen.handler = gen.mw.Handler(d)
	g.gen.Store(gen)
	for _, s := range cfg.Ignored() {
		logger.Warn("config: LiteLLM setting ignored by this gateway", "setting", s)
	}
	return g, nil
}

// generation is one configuration in force: the policy, the key store
// and the middleware built from both. A request is served by one
// generation from start to end, so it is never authenticated by one
// configuration's keys and decided by another's policy.
type generation struct {
	policy  *modelacl.Policy
	mw      *modelacl.Middleware
	handler http.Handler
}

// build compiles cfg's policy, key store and middleware.
func (g *Gateway) build(cfg *Config) (*generation, error) {
	policy, err := modelacl.Compile(cfg.Policy)
	if err != nil {
		return nil, err
	}
	ks := newKeyStore(cfg)
	// Clients that sign with a gateway-issued key pair are verified as AWS
	// verifies them, before any decision.
	sigv4, err := verify.New(verify.Options{Lookup: ks.awsCredentials, Clock: g.clock})
	if err != nil {
		return nil, err
	}
	// modelacl.New, not MustNew: the options come from a config file,
	// so a bad deny_status is an error to report, not a panic.
	mw, err := modelacl.New(modelacl.Options{
		Policy:       policy, // the policy resolves native IDs itself: no Resolver
		Authenticate: ks.authenticate,
		SigV4:        sigv4,
		DenyStatus:   cfg.DenyStatus,
		Logger:       g.logger,
		// Model listings in every dialect are answered from the policy,
		// per key and per route, and never forwarded.
		Discovery: &modelacl.DiscoveryOptions{BedrockRegion: bedrockRegion(cfg)},
	})
	if err != nil {
		return nil, err
	}
	return &generation{policy: policy, mw: mw}, nil
}

// bedrockRegion is the Region of the ARNs the Bedrock listings build: the
// aws section's, else the library's default.
func bedrockRegion(cfg *Config) string {
	if cfg.AWS != nil {
		return cfg.AWS.Region
	}
	return ""
}

// ServeHTTP authorizes and forwards one request, with the configuration in
// force when it arrives.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.gen.Load().handler.ServeHTTP(w, r)
}

// Policy returns the compiled policy in force.
func (g *Gateway) Policy() *modelacl.Policy { return g.gen.Load().policy }

// dispatcher forwards an authorized request to its provider's upstream.
type dispatcher struct {
	logger  *slog.Logger
	proxies map[string]*httputil.ReverseProxy
	targets map[string]*url.URL // each proxy's upstream base URL
	// The realtime websocket relay (websocket.go): the frame parser, an
	// HTTP/1.1 client to dial upstreams, the dial timeout and the frame
	// size limit.
	parser      routeparse.Parser
	wsClient    *http.Client
	dialTimeout time.Duration
	maxFrame    int64
	// current returns the policy in force (Gateway.Policy): a realtime
	// session opened under a configuration since reloaded is closed.
	current func() *modelacl.Policy
	// maxBody bounds the body read when an alias is rewritten.
	maxBody int64
	// resigned is true when Bedrock requests are re-signed with SigV4.
	resigned bool
}

// defaultIdleConnsPerHost is Options.MaxIdleConnsPerHost's default.
const defaultIdleConnsPerHost = 256

// bidiSuffix ends the path of Bedrock's InvokeModelWithBidirectionalStream.
const bidiSuffix = "/invoke-with-bidirectional-stream"

func (d *dispatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	dec, _ := modelacl.FromContext(r.Context())
	d.serve(w, r, dec)
}

// serve forwards r as dec, the middleware's decision for it (nil: none),
// allows.
func (d *dispatcher) serve(w http.ResponseWriter, r *http.Request, dec *modelacl.Decision) {
	if dec == nil || !dec.Allowed {
		// Fail closed: only requests the middleware classified and
		// allowed are forwarded. (A denial reaches this handler only in
		// the middleware's report-only mode, which this gateway never
		// turns on.)
		writeError(w, http.StatusForbidden, "request was not authorized")
		return
	}
	route := &dec.Route // the decision's own route: no copy, nothing re-parsed
	if modelacl.IsListing(route) {
		// The middleware answers every listing (Options.Discovery); one
		// that got here anyway is never forwarded, since the upstream's
		// listing is not filtered by the caller's allowlists.
		writeError(w, http.StatusNotFound, "model listings are answered by the gateway")
		return
	}
	if route.Provider == routeparse.Bedrock && d.resigned && strings.HasSuffix(route.UpstreamPath, bidiSuffix) {
		// Each request event of a bidirectional stream is signed in a
		// chain seeded by the request's own signature; a re-signed
		// request would carry events signed for the client's, so AWS
		// refuses them. Say so instead of failing half-way.
		writeError(w, http.StatusNotImplemented, "invoke-with-bidirectional-stream cannot be re-signed by this gateway")
		return
	}
	if route.Provider == routeparse.Bedrock && strings.HasSuffix(route.UpstreamPath, bidiSuffix) {
		// The request body of a bidirectional stream lasts as long as
		// the session: the server's body read deadline does not apply.
		liftBodyDeadline(w)
	}
	if _, err := url.PathUnescape(route.UpstreamPath); err != nil {
		// The parser accepted the path, so this should not happen; the
		// proxy must never be asked to forward a path it cannot build.
		writeError(w, http.StatusBadRequest, "path cannot be forwarded")
		return
	}
	name := upstreamName(route)
	p := d.proxies[name]
	if name == "" || p == nil {
		writeError(w, http.StatusBadGateway, fmt.Sprintf("no upstream configured for provider %q", route.Provider))
		return
	}
	out, ferr := authorizedRequest(r, dec, d.maxBody)
	if ferr != nil {
		d.logger.Warn("request not forwarded", "provider", route.Provider.String(), "operation", route.Operation.String(),
			"key", dec.KeyID, "status", ferr.status, "reason", ferr.msg)
		writeErrorCode(w, ferr.status, ferr.code, ferr.msg)
		return
	}
	if route.Operation == routeparse.OpRealtime && isWebsocketUpgrade(out) {
		d.relayRealtime(w, out, dec, d.targets[name])
		return
	}
	if ctxDec, ok := modelacl.FromContext(out.Context()); !ok || ctxDec != dec {
		// Only tests hand serve a decision the middleware did not put in
		// the request's context; carry it to the proxy's Rewrite.
		out = out.WithContext(context.WithValue(out.Context(), decisionKey{}, dec))
	}
	// Full duplex: on a route whose body the middleware did not buffer
	// (a Bedrock path-model route), the proxy streams the client's body
	// upstream while the upstream's answer streams back. Without this,
	// Go's HTTP/1 server discards or closes the unread request body as
	// soon as the response starts, the proxy's body copy fails, and the
	// upstream connection is torn down mid-stream. HTTP/2 is always full
	// duplex; a ResponseWriter that cannot do it (a test recorder) says
	// ErrNotSupported and nothing streams both ways anyway.
	_ = http.NewResponseController(w).EnableFullDuplex()
	p.ServeHTTP(w, out)
}

// decisionKey carries a decision to Rewrite when it is not the
// middleware's own (tests only; see serve).
type decisionKey struct{}

// decisionOf returns the decision serve forwarded r under.
func decisionOf(r *http.Request) *modelacl.Decision {
	if dec, ok := r.Context().Value(decisionKey{}).(*modelacl.Decision); ok {
		return dec
	}
	dec, _ := modelacl.FromContext(r.Context())
	return dec
}

// upstreamName picks the upstream for a parsed route. Azure-shaped routes
// go to the azure upstream only under the /azure prefix; LiteLLM's
// unified /openai/deployments/{d}/... routes go to openai.
func upstreamName(r *routeparse.Route) string {
	switch r.Provider {
	case routeparse.Bedrock:
		return "bedrock"
	case routeparse.Vertex:
		return "vertex"
	case routeparse.Gemini:
		return "gemini"
	case routeparse.Anthropic:
		return "anthropic"
	case routeparse.Azure:
		if r.Prefix == routeparse.DefaultAzurePrefix {
			return "azure"
		}
		return "openai"
	case routeparse.OpenAI:
		return "openai"
	}
	return ""
}

func (d *dispatcher) newProxy(name string, target *url.URL, transport http.RoundTripper) *httputil.ReverseProxy {
	basePath := strings.TrimSuffix(target.EscapedPath(), "/")
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			// The request carries the middleware's context: the route
			// the dispatcher checked is the one forwarded, with no
			// context layer or route copy of the gateway's own.
			route := &decisionOf(pr.In).Route
			escaped := basePath + route.UpstreamPath
			// ServeHTTP checked that UpstreamPath unescapes, and basePath
			// comes from a parsed URL, so the error cannot occur here.
			path, _ := url.PathUnescape(escaped)
			pr.Out.URL.Scheme = target.Scheme
			pr.Out.URL.Host = target.Host
			pr.Out.URL.Path = path
			pr.Out.URL.RawPath = escaped
			pr.Out.Host = ""
			// No tunnels: ReverseProxy relays any protocol upgrade the
			// client asks for (h2c, a websocket on a route that is not a
			// realtime session), and what then flows through it is never
			// checked. The realtime relay (websocket.go) is the only one.
			pr.Out.Header.Del("Upgrade")
			pr.Out.Header.Del("Connection")
			pr.Out.Header.Del("Http2-Settings")
		},
		ModifyResponse: func(resp *http.Response) error {
			if resp.StatusCode == http.StatusSwitchingProtocols {
				return errors.New("upstream switched protocols unasked")
			}
			return nil
		},
		Transport: transport,
		// No FlushInterval: ReverseProxy already flushes every write of
		// a response of unknown length (Bedrock's event streams are
		// chunked) and of text/event-stream (SSE), and buffers the rest
		// into one write. A negative interval would flush every write of
		// every response, splitting headers and body into separate
		// packets and holding the upstream connection longer.
		BufferPool: bufferPool{},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			d.logger.Warn("upstream error", "upstream", name, "err", err)
			writeError(w, http.StatusBadGateway, "upstream unavailable")
		},
	}
}

// bufferPool lends ReverseProxy its 32 KiB copy buffers, instead of one
// allocation per response.
type bufferPool struct{}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte { return *copyBuffers.Get().(*[]byte) }

func (bufferPool) Put(b []byte) {
	if cap(b) == 32<<10 {
		copyBuffers.Put(&b)
	}
}

// writeError answers in the OpenAI error shape, which the gateway uses for
// its own errors on every route.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeErrorCode(w, status, "", msg)
}

// writeErrorCode is writeError with an error code. A 400 has the type
// "invalid_request_error" and names "model" as the offending parameter (the
// gateway refuses bodies only over their model); anything else has the
// type "gateway_error".
func writeErrorCode(w http.ResponseWriter, status int, code, msg string) {
	type apiError struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Param   string `json:"param,omitempty"`
		Code    string `json:"code,omitempty"`
	}
	e := apiError{Message: msg, Type: "gateway_error", Code: code}
	switch status {
	case http.StatusBadRequest:
		e.Type, e.Param = "invalid_request_error", "model"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Error apiError `json:"error"`
	}{e})
}

// covers reports whether every model the request names is the Requested
// name of a grant. It is linear in names plus grants: a request may name
// tens of thousands of fallbacks, and a scan of the grants per name made
// such a request cost seconds of CPU.
func covers(grants []modelacl.Grant, models []routeparse.Model) bool {
	if len(grants)*len(models) <= 64 {
		// Small requests, the usual case: no map to allocate.
		for _, m := range models {
			if !slices.ContainsFunc(grants, func(g modelacl.Grant) bool { return g.Requested == m.Name() }) {
				return false
			}
		}
		return true
	}
	requested := make(map[string]struct{}, len(grants))
	for _, g := range grants {
		requested[g.Requested] = struct{}{}
	}
	for _, m := range models {
		if _, ok := requested[m.Name()]; !ok {
			return false
		}
	}
	return true
}

// http1Transport returns a transport like base that speaks HTTP/1.1 only,
// for websocket handshakes (an HTTP/2 connection cannot be upgraded).
func http1Transport(base http.RoundTripper) *http.Transport {
	t, ok := base.(*http.Transport)
	if !ok {
		t = http.DefaultTransport.(*http.Transport)
	}
	t = t.Clone()
	var p http.Protocols
	p.SetHTTP1(true)
	t.Protocols = &p
	return t
}
