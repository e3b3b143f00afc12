package routeparse

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
)

// Parser classifies requests. The zero value is ready to use and serves
// the default [Prefixes]; a Parser holds no state besides its
// configuration, so one value may be shared by any number of goroutines as
// long as its fields (and the DefaultModels map) are not modified while
// requests are parsed. A host builds its Parser once with
// [Parser.Compile], which validates the configuration, precomputes its
// lookups and keeps its own copy, so the result is safe to share whatever
// happens to the original.
//
// Most callers use [Parser.ParseRequest] for every request, then
// [Parser.ParseBody] when the returned [Route.Body] is not [BodyNone].
type Parser struct {
	// Prefixes are the gateway prefixes of provider routes; the zero value
	// selects the defaults.
	Prefixes Prefixes

	// MaxModels bounds the model names one request may carry: path, query
	// and body together, every occurrence counted (each list element,
	// fallback, comma-separated part and batch request). Zero means
	// [DefaultMaxModels]. [Parser.ParseBody] refuses a body that goes
	// past it with [ErrTooManyModels] as soon as it meets the name one
	// over the bound, without reading further, so a body naming millions
	// of models costs no more than one naming a few. Negative is an error
	// from Compile (and means the default in a Parser used without it).
	MaxModels int

	// MaxDecodedBytes bounds a body once its Content-Encoding (gzip,
	// deflate) is undone, separately from the bound on the body as
	// received that ParseBody takes: a compressed body may expand to at
	// most this much, whatever its size on the wire. Zero means
	// [DefaultMaxDecodedBytes]. Negative is an error from Compile (and
	// means the default in a Parser used without it).
	MaxDecodedBytes int64

	// DefaultModels names, per operation, the model the upstream uses when
	// a request names none, on the routes where the upstream picks one
	// itself: OpenAI moderations (OpModeration), realtime client secrets
	// (OpRealtime), Assistants runs (OpThreadRun, where it is the
	// assistant's model) and videos (OpVideoGeneration). Nil: such a
	// request is refused with [ErrNoModel] and a message that says so,
	// since it gives the policy no name to decide on. With an entry, the
	// entry is recorded as the request's model ([SourceDefault]) and
	// authorized as if the request had named it. The entry must be what the
	// upstream really picks (for runs, the model of every assistant the
	// callers use): a wrong one authorizes one model while another is
	// served. An entry for another operation, or a name a body could not
	// carry, is an error from [Parser.Compile] (and ignored, failing
	// closed, by a Parser used without Compile).
	DefaultModels map[Operation]string

	// Names, when set, supplies the strings of body model names: ParseBody
	// asks it for each name a JSON body spells without escapes before it
	// copies the name out of the body, and uses the string it returns when
	// that string equals the name byte for byte (any other answer is
	// ignored). A host passes the names its policy knows (modelacl's
	// middleware does), so a request naming a configured model allocates
	// nothing for it. It must be safe for concurrent use and must not
	// keep b.
	Names func(b []byte) (string, bool)

	compiled *compiledParser // set by Compile; nil for a Parser built as a literal
}

// DefaultMaxModels is the bound on the model names of one request when
// [Parser].MaxModels is zero: far above what any client sends (a model,
// a few fallbacks, a message batch of a few hundred requests), far below
// what makes authorizing them expensive.
const DefaultMaxModels = 256

// DefaultMaxDecodedBytes is the bound on a body's decoded form when
// [Parser].MaxDecodedBytes is zero: 8 MiB. Few clients compress request
// bodies at all, and JSON compresses well, so a compression bomb of a few
// kilobytes could otherwise make each request hold [DefaultBodyLimit] of
// decoded text. A host that accepts larger compressed requests raises it.
const DefaultMaxDecodedBytes = 8 << 20

// compiledParser is a Parser's configuration, validated and precomputed.
type compiledParser struct {
	prefixes   prefixTable
	maxModels  int
	maxDecoded int64
	defaults   map[Operation]string // a copy of DefaultModels
}

// maxModels returns the bound on the models of one request.
func (p *Parser) maxModels() int {
	switch {
	case p == nil:
		return DefaultMaxModels
	case p.compiled != nil:
		return p.compiled.maxModels
	case p.MaxModels > 0:
		return p.MaxModels
	}
	return DefaultMaxModels
}

// maxDecoded returns the bound on a decoded body.
func (p *Parser) maxDecoded() int64 {
	switch {
	case p == nil:
		return DefaultMaxDecodedBytes
	case p.compiled != nil:
		return p.compiled.maxDecoded
	case p.MaxDecodedBytes > 0:
		return p.MaxDecodedBytes
	}
	return DefaultMaxDecodedBytes
}

// Compile validates p's configuration ([Prefixes.Validate], MaxModels,
// MaxDecodedBytes, DefaultModels) and returns a Parser that serves it with
// its lookups precomputed, as a host does once where it loads its
// configuration. The result keeps its own copy: later changes to p, or to
// the returned Parser's fields, do not affect how it parses. A Parser used
// without Compile (the zero value, a literal) parses the same requests,
// only computing its prefix table per request and never reporting an
// invalid setting (an invalid prefix then matches nothing).
func (p *Parser) Compile() (*Parser, error) {
	var cfg Parser
	if p != nil {
		cfg.Prefixes, cfg.MaxModels, cfg.MaxDecodedBytes = p.Prefixes, p.MaxModels, p.MaxDecodedBytes
		cfg.DefaultModels = maps.Clone(p.DefaultModels)
		cfg.Names = p.Names
	}
	if err := cfg.Prefixes.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxModels < 0 {
		return nil, fmt.Errorf("routeparse: MaxModels %d is negative", cfg.MaxModels)
	}
	if cfg.MaxDecodedBytes < 0 {
		return nil, fmt.Errorf("routeparse: MaxDecodedBytes %d is negative", cfg.MaxDecodedBytes)
	}
	if err := validateDefaults(cfg.DefaultModels); err != nil {
		return nil, err
	}
	cfg.compiled = &compiledParser{prefixes: cfg.Prefixes.table(), maxModels: cfg.maxModels(), maxDecoded: cfg.maxDecoded(),
		defaults: maps.Clone(cfg.DefaultModels)}
	return &cfg, nil
}

// prefixTable returns the prefix table p serves: the compiled one, the
// defaults' (computed once, at initialisation), or one computed into
// local.
func (p *Parser) prefixTable(local *prefixTable) *prefixTable {
	switch {
	case p == nil: // a nil *Parser serves the defaults, like the zero value
		return &defaultPrefixTable
	case p.compiled != nil:
		return &p.compiled.prefixes
	case p.Prefixes == Prefixes{}:
		return &defaultPrefixTable
	}
	*local = p.Prefixes.table()
	return local
}

// ParseRequest classifies a request from its request line: method,
// escapedPath (the path exactly as sent, still percent-encoded, as
// net/url's URL.EscapedPath or the raw request-URI before '?') and
// rawQuery (URL.RawQuery). h is the request's headers; it may be nil, and
// no shape of the grammar reads a model from it (see the package doc).
//
// It returns the route with every model the path and query name. When
// [Route.Body] is not [BodyNone] the body names models too and
// [Parser.ParseBody] must be called before the route is authorized.
//
// On error the Route is the zero value, never a partial classification,
// and the error is an [*Error] wrapping [ErrMalformedPath] (the request
// line is not canonical, or a known route family has an unknown shape),
// [ErrUnknownRoute] (nothing in the grammar matches), [ErrNoModel] (a
// model-bearing route whose request line names none and whose body is not
// read) or [ErrAmbiguousModel] (the query names conflicting models). The
// grammar is in the package documentation.
//
// ParseRequest does not allocate unless it fails, a route names more
// models than a Route stores inline, or a model is spelled with escapes
// (one string for its decoded name, so [Model.Name] never allocates).
func (p *Parser) ParseRequest(method, escapedPath, rawQuery string, h http.Header) (Route, error) {
	var r Route
	err := p.ParseRequestInto(&r, method, escapedPath, rawQuery, h)
	return r, err
}

// ParseRequestInto is [Parser.ParseRequest] writing the route into *r,
// for a caller that keeps it inside a larger value (a request's decision):
// a Route is several hundred bytes, which ParseRequest's result copies
// once more. Whatever *r held before is overwritten; on error *r is the
// zero Route.
func (p *Parser) ParseRequestInto(r *Route, method, escapedPath, rawQuery string, h http.Header) error {
	*r = Route{}
	if err := p.parseRequest(r, method, escapedPath, rawQuery, h); err != nil {
		*r = Route{}
		return err
	}
	r.sealNow()
	return nil
}

// Family masks for the prefix-less and prefixed matchers.
type prefixKind uint8

const (
	pkNone prefixKind = iota
	pkBedrock
	pkVertex
	pkGemini
	pkAzure
	pkOpenAI
	pkAnthropic
)

// parseRequest is the request line's one pass, in the order the checks
// depend on each other: canonical path, gateway prefix, segments, the
// family's matcher (the grammar itself lives in the route table and the
// matchers), the query's models, and whether a model-bearing route named
// one. It stays one function because every request runs it and each step
// narrows what the next may see; splitting it would only pass the same
// half-built Route through more calls.
func (p *Parser) parseRequest(r *Route, method, path, rawQuery string, _ http.Header) error {
	if err := checkPath(path); err != nil {
		return err
	}
	mb := methodBit(method)

	// Unprefixed Azure first: openai-go's Azure option sends
	// "/openai/deployments/{d}/..." and "/openai/{route}?api-version=...",
	// which the default OpenAI prefix "/openai" would otherwise claim. The
	// api-version query parameter is what every Azure OpenAI data-plane
	// request carries (openai-go/v3 azure/azure.go, WithEndpoint).
	kind, prefix, rest := pkNone, "", path
	if strings.HasPrefix(path, "/openai/") &&
		(strings.HasPrefix(path, "/openai/deployments/") || queryHasKey(rawQuery, "api-version")) {
		kind = pkAzure
	} else {
		var local prefixTable
		for _, c := range p.prefixTable(&local).entries() {
			if after, ok := cutPrefix(path, c.v); ok {
				kind, prefix, rest = c.k, c.v, after
				break
			}
		}
	}

	var segs [maxSegs]string
	n := splitSegs(rest, &segs)
	if n < 0 {
		return pathErr("path", "more than %d segments in %q", maxSegs, clip(path))
	}
	s := segs[:n]
	r.Prefix = prefix
	r.UpstreamPath = rest

	var ok bool
	var err error
	switch kind {
	case pkBedrock:
		// anthropic-sdk-go's bedrock option, given a base URL with a path
		// prefix, leaves the request Anthropic-shaped (bedrock/bedrock.go
		// rewrites only when r.URL.Path is exactly "/v1/messages").
		if ok, err = matchBedrock(r, mb, s, rest); !ok && err == nil {
			ok, err = matchBedrockAPI(r, mb, s)
		}
	case pkVertex:
		ok, err = matchVertex(r, mb, s, rest)
	case pkGemini:
		ok, err = matchGemini(r, mb, s, rest)
	case pkAzure:
		ok, err = matchAzure(r, mb, s, rest)
	case pkOpenAI:
		ok, err = matchAPI(r, mb, s, famOpenAI, OpenAI)
	case pkAnthropic:
		ok, err = matchAPI(r, mb, s, famAnthropic|famCompat, Anthropic)
	default:
		ok, err = matchUnprefixed(r, mb, s, rest)
	}
	if err != nil {
		return err
	}
	if !ok {
		if kind != pkNone && prefix != "" {
			// A provider prefix promises a provider route: an unknown
			// shape under it is malformed, never passed through.
			return pathErr("prefix", "no route %q %q under prefix %q", clip(method), clip(rest), prefix)
		}
		if kind == pkAzure {
			return pathErr("azure", "unknown Azure OpenAI route %q", clip(rest))
		}
		return &Error{Shape: "path", Detail: fmt.Sprintf("no route matches %q %q", clip(method), clip(path)), Err: ErrUnknownRoute}
	}
	if rawQuery != "" { // most requests have none: no call
		if err := parseQueryModels(r, rawQuery); err != nil {
			return err
		}
	}
	if r.ModelFree && (r.n > 0 || r.extra != nil) {
		// "?model=" on a model-free route: whatever the route ignores, a
		// gateway that honours the parameter would not; authorize it.
		r.ModelFree = false
	}
	if r.needModel && r.Body == BodyNone && r.n == 0 && r.extra == nil {
		return &Error{Shape: r.Provider.String(), Detail: fmt.Sprintf("%s route %q names no model", r.Operation, clip(rest)), Err: ErrNoModel}
	}
	return nil
}

// matchUnprefixed tries every route family that is served without a
// gateway prefix.
func matchUnprefixed(r *Route, mb methods, s []string, rest string) (bool, error) {
	if len(s) == 0 {
		return false, nil
	}
	switch s[0] {
	case "model", "async-invoke", "guardrail", "inference-profiles", "foundation-models":
		return matchBedrock(r, mb, s, rest)
	case "openai":
		return matchAzure(r, mb, s, rest)
	case "v1beta", "v1alpha", "upload":
		return matchGemini(r, mb, s, rest)
	case "v1beta1":
		return matchVertex(r, mb, s, rest)
	case "v1":
		if len(s) > 1 && (s[1] == "projects" || s[1] == "publishers") {
			return matchVertex(r, mb, s, rest)
		}
		if len(s) == 3 && s[1] == "models" && mb == mPost {
			// POST /v1/models/{m}:{verb} is Gemini's; OpenAI's models/{m}
			// is GET only.
			return matchGemini(r, mb, s, rest)
		}
		if ok, err := matchAPI(r, mb, s, famOpenAI|famAnthropic|famCohere, ProviderUnknown); ok || err != nil {
			return ok, err
		}
		// Gemini's v1 surface (models/{m}:{verb}); GET /v1/models and
		// GET /v1/models/{m} went to OpenAI above.
		return matchGemini(r, mb, s, rest)
	case "health", "healthz":
		if len(s) == 1 {
			if mb&(mGet|mHead) == 0 {
				return false, methodErr("health", mb, s[0])
			}
			r.apply(spec{op: OpOther, free: true})
			return true, nil
		}
		return false, nil
	}
	return matchAPI(r, mb, s, famOpenAI|famCohere|famOllama, ProviderUnknown)
}

// methods is a set of HTTP methods.
type methods uint8

const (
	mGet methods = 1 << iota
	mPost
	mDelete
	mPatch
	mHead
	mOther
)

func methodBit(m string) methods {
	switch m {
	case http.MethodGet:
		return mGet
	case http.MethodPost:
		return mPost
	case http.MethodDelete:
		return mDelete
	case http.MethodPatch:
		return mPatch
	case http.MethodHead:
		return mHead
	}
	// Methods are case-sensitive (RFC 9110, section 9.1): "post" is not
	// POST and matches nothing.
	return mOther
}

func (m methods) String() string {
	switch m {
	case mGet:
		return "GET"
	case mPost:
		return "POST"
	case mDelete:
		return "DELETE"
	case mPatch:
		return "PATCH"
	case mHead:
		return "HEAD"
	}
	return "other"
}

// methodErr is the error for a known route shape asked with the wrong
// method. It is malformed, not unknown: a dispatcher that ignores the
// method would still serve the shape.
func methodErr(shape string, mb methods, what string) error {
	return pathErr(shape, "method %s not allowed for %q", mb, clip(what))
}

// spec is what a matched route shape sets on the Route.
type spec struct {
	op     Operation
	body   BodyKind
	shape  bodyShape
	need   bool // must end up naming a model
	stream bool // streams by default
	free   bool // model-free by design
	opt    bool // the upstream picks a model when none is named (Parser.DefaultModels)
	json   bool // a multipart route that takes a JSON body too
}

func (r *Route) apply(sp spec) {
	r.Operation = sp.op
	r.Body = sp.body
	r.shape = sp.shape
	r.needModel = sp.need
	r.Stream = sp.stream
	r.ModelFree = sp.free
	r.optModel = sp.opt
	r.formOrJSON = sp.json
}

// Common specs.
var (
	specFree = spec{op: OpOther, free: true}
	specList = spec{op: OpListModels, free: true}
)

// bodySpec is a route whose model is in a top-level JSON "model" member.
func bodySpec(op Operation) spec {
	return spec{op: op, body: BodyJSON, shape: shapeModel, need: true}
}

// formSpec is a multipart route whose model is the form field "model".
func formSpec(op Operation) spec {
	return spec{op: op, body: BodyMultipart, shape: shapeModel, need: true}
}

// pathSpec is a route whose model is in the path; the body is not read.
func pathSpec(op Operation, stream bool) spec {
	return spec{op: op, need: true, stream: stream}
}

// addPathModel validates the raw model text and records it.
func (r *Route) addPathModel(shape, field, raw, qual string, allowSlash bool) error {
	esc, err := checkModelText(shape, raw, allowSlash)
	if err != nil {
		return err
	}
	r.addModel(Model{Source: SourcePath, Field: field, raw: raw, name: decodeName(raw, esc, qual)})
	return nil
}
