package routeparse

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/internal/wire"
)

// DefaultBodyLimit is the body size limit [Parser.ParseBody] applies when
// the caller passes a limit <= 0: 32 MiB, the largest request the Anthropic
// Messages API accepts and above OpenAI's 25 MB audio uploads. The limit
// applies to the body as received; its decoded form is bounded by
// [Parser].MaxDecodedBytes.
const DefaultBodyLimit = wire.MaxBodyBytes

// ParseBody finishes classifying r from the request body. Call it only when
// r.Body is not [BodyNone] (for BodyNone it does nothing and returns nil).
// contentType and contentEncoding are the request's Content-Type and
// Content-Encoding header values; body is the whole body as received; limit
// bounds the body as received (<= 0 means [DefaultBodyLimit]).
//
// # Bounds
//
// Besides limit, two bounds of the Parser apply: a decoded body holds at
// most [Parser].MaxDecodedBytes, and the request names at most
// [Parser].MaxModels models (path, query and body together), or ParseBody
// fails with [ErrTooManyModels] at the first name past the bound, without
// reading the rest of the body.
//
// # Encodings
//
// Content-Encoding "" and "identity" mean the body is used as is; "gzip"
// (or "x-gzip") and "deflate" (zlib-wrapped, per RFC 9110) are decoded
// first, never producing more than [Parser].MaxDecodedBytes: a compression
// bomb fails with [ErrBodyTooLarge] after allocating at most about that
// many bytes. Any
// other coding, and any list of codings ("gzip, gzip"), fails with
// [ErrUnsupportedEncoding]: stacked codings are legal HTTP but no SDK sends
// them, and each layer is another place for two parsers to disagree.
//
// # JSON bodies
//
// For [BodyJSON] the body must be exactly one JSON object, valid as
// encoding/json would accept it in full (not just up to the model), with
// optional surrounding whitespace and no byte-order mark. Only top-level
// members count; "model" inside messages or tools is data. Members are
// compared after unescaping their keys, and for each member ParseBody
// interprets, a second copy or a case variant that encoding/json would bind
// to the same Go field ("Model", "MODEL", "\u004dodel") is refused with
// [ErrAmbiguousModel]: different JSON parsers keep the first, the last, or
// the exact-case duplicate, and the dispatcher must not read a different
// model than the one authorized. So is a key that other JSON stacks read as
// one of those members: one that equals it, up to case, once control
// characters (NUL included), format and other default-ignorable characters
// (zero-width space and joiners, U+FEFF, soft hyphen, bidi controls,
// variation selectors) and invalid UTF-8 or lone surrogates are removed, or
// once it is cut at its first NUL, as C libraries do ("model\u0000x",
// "mo\u200bdel").
//
// Depending on the route the model members are:
//
//   - "model": a string; a string with commas, "a,b", names each
//     comma-separated part (trimmed of white space; an empty part is an
//     error), the way LiteLLM's proxy fans one request out to several
//     models; or a non-empty list of strings, each a model. A number,
//     object, null, boolean or empty string is [ErrMalformedBody].
//     "fallbacks", "context_window_fallbacks" and "content_policy_fallbacks"
//     (null, or a list whose elements are model strings, {"model": "m", ...}
//     objects, or {"m": ["f1", "f2"]} maps) add every model they name with
//     Fallback set; the three lists are read inside {"model": ...} objects
//     too, up to 4 levels deep (deeper is [ErrMalformedBody]). On Responses
//     API routes, "tools" is read as well: tools[].model and
//     tools[].svg.model (the image_generation tool's model) are recorded
//     with Fallback set and Field "tools.model" / "tools.svg.model".
//     "stream" (true, false or null) sets r.Stream; null
//     leaves the route's default (Ollama streams unless "stream": false).
//     "deployment_id" (a string, or null) is a second primary model: LiteLLM
//     lets it replace "model", the way the pre-1.0 OpenAI SDK addressed
//     Azure deployments. "user_config" (LiteLLM's client-supplied router
//     configuration, a model list of the client's own) is refused with
//     [ErrAmbiguousModel] whatever it holds.
//   - "modelId" (Bedrock StartAsyncInvoke): one string.
//   - On Gemini and Vertex routes whose path names the model
//     (".../models/{m}:{verb}"): "model", "requests[].model",
//     "requests[].request.model", "generateContentRequest.model",
//     "batch.model" and "batch.inputConfig.requests.requests[].request.model"
//     (proto names such as "generate_content_request" too) are optional, and
//     each must name the path's model in one of Google's spellings of it
//     ("models/{m}" on Gemini; "{pub}/{m}" and "publishers/{pub}/models/{m}"
//     on Vertex), or ParseBody fails with [ErrAmbiguousModel]. They are not
//     recorded: they name the path model, which is.
//   - "requests" (Anthropic message batches): a non-empty list whose every
//     element has "params": {"model": "..."}.
//
// Model strings must be non-empty, valid UTF-8, without control characters
// and without unpaired surrogate escapes; encoding/json would silently turn
// some of these into U+FFFD, so they are refused instead. Once decoded they
// obey the rules of path models as well: no white space (ASCII or
// Unicode), no '?', '#', '%' or '\', and no empty, "." or ".." part
// between '/'s. A dispatcher that builds a URL from a name
// (".../models/{m}:generateContent", "/model/{id}/invoke") or trims it
// would otherwise call another model than the one authorized:
// "gemini-2.5-flash/../gemini-2.5-pro" is gemini-2.5-pro in a URL.
// Violations are [ErrMalformedBody], with the reason in the detail.
// The same rules hold for the multipart "model" field.
//
// A Content-Type of multipart/* or application/x-www-form-urlencoded on a
// JSON route is refused ([ErrMalformedBody]) since some gateways then parse
// the body as a form; any other Content-Type is parsed as JSON.
//
// # Form bodies
//
// For [BodyMultipart] the Content-Type must be multipart/form-data with a
// boundary. Exactly one part named "model" must be present (a second one,
// or a part whose name is a case variant of "model", is
// [ErrAmbiguousModel]); a "stream" part set to "true" or "false" sets
// r.Stream. File parts are skipped without being copied. URL-encoded forms
// are not accepted: no SDK sends them to a model-bearing route.
//
// # Agreement and failure
//
// Every primary (non-fallback) model the body names must equal, after
// decoding, every primary model already recorded from the path or query;
// otherwise ParseBody fails with [ErrAmbiguousModel]. On Azure deployment
// routes (/openai/deployments/{d}/...) the deployment is exempt: Azure
// serves the deployment and ignores the body's "model", so a body model
// that differs from it is kept as a second primary model, and both must be
// allowed (a query "deployment" or "model" must still agree with the
// body). If the route
// must name a model and has no primary model after the body,
// it fails with [ErrNoModel]; fallbacks alone are not enough, since a
// gateway would then pick a default the caller never named.
//
// r must be a Route [Parser.ParseRequest] returned, unchanged since
// ([Route.Sealed]); any other is refused with [ErrUnsealedRoute], so a
// forged route is never extended and re-sealed. On success r is sealed
// again with its body models and [Route.BodyParsed] reports true. On
// error, r is left as it
// was before the call (no model from the body is kept, Stream is
// restored, BodyParsed is false), and the caller must deny the request. Errors
// are *[Error] values wrapping one of the package's sentinels.
//
// ParseBody does not modify body. Models it records do not alias body; each
// JSON body model records where its string lies in the (decoded) body
// ([Model.BodySpan]), so a dispatcher that must forward another name (an
// alias's target) splices it in there instead of parsing the body again.
func (p *Parser) ParseBody(r *Route, contentType, contentEncoding string, body []byte, limit int64) error {
	if !r.Sealed() {
		// Fail closed: never extend, and so re-seal, a forged or edited route.
		return &Error{Shape: shapeBody, Detail: "route was not made by ParseRequest or was changed after", Err: ErrUnsealedRoute}
	}
	if r.Body == BodyNone {
		return nil
	}
	if limit <= 0 {
		limit = DefaultBodyLimit
	}
	data := body
	var err error
	if contentEncoding != "" || int64(len(body)) > limit { // else nothing to decode or refuse
		if data, err = decodeContent(contentEncoding, body, limit, p.maxDecoded()); err != nil {
			return err
		}
	}
	mark := r.mark()
	stream := r.Stream
	switch r.Body {
	case BodyJSON:
		err = parseJSONBody(r, contentType, data, p.maxModels(), p.Names)
	case BodyMultipart:
		if r.formOrJSON && mediaType(contentType) == "application/json" {
			err = parseJSONBody(r, contentType, data, p.maxModels(), p.Names) // POST videos: JSON as well as the SDK's form
		} else {
			err = parseMultipartBody(r, contentType, data)
		}
	default:
		err = &Error{Shape: shapeBody, Detail: "unknown body kind", Err: ErrMalformedBody}
	}
	if err == nil && (mark.n > 0 || mark.hadExtra) { // else no model before the body's to disagree with
		err = checkAgreement(r, mark)
	}
	if err == nil && r.needModel && !hasPrimary(r.Models()) {
		err = p.noModel(r) // ErrNoModel, or the configured upstream default (defaults.go)
	}
	if err != nil {
		r.reset(mark)
		r.Stream = stream
		r.parsed = false
		return err
	}
	r.parsed = true
	r.sealNow()
	return nil
}

// modelMark records how many models r held, so a failed ParseBody can drop
// the ones it added.
type modelMark struct {
	n        uint8
	extraLen int
	hadExtra bool
}

func (r *Route) mark() modelMark {
	return modelMark{n: r.n, extraLen: len(r.extra), hadExtra: r.extra != nil}
}

func (r *Route) reset(m modelMark) {
	if m.hadExtra {
		clear(r.extra[m.extraLen:])
		r.extra = r.extra[:m.extraLen]
		return
	}
	r.extra = nil
	clear(r.inline[m.n:])
	r.n = m.n
}

// modelsSince returns the models added after m was taken.
func (r *Route) modelsSince(m modelMark) []Model {
	all := r.Models()
	if m.hadExtra {
		return all[m.extraLen:]
	}
	return all[m.n:]
}

func hasPrimary(ms []Model) bool {
	for i := range ms {
		if !ms[i].Fallback {
			return true
		}
	}
	return false
}

// checkAgreement requires every primary model from the body to equal every
// primary model recorded before it (path, query). Two names in one
// request that the authorizer and the dispatcher could pick differently
// from are refused rather than both authorized: the upstream may use a
// third rule to choose.
//
// Azure deployment routes are the exception: the deployment in the path
// decides, and Azure OpenAI ignores the body's "model" (the official
// SDKs' Azure clients send the deployment in the path and whatever model
// the caller wrote in the body). Neither name can be picked over the other
// by anyone but Azure, whose rule is known, so both are kept and both are
// authorized: refusing them as a disagreement would turn a permission
// question into a 400 no SDK reports as one, while authorizing only the
// deployment would let a gateway that dispatches on the body's name call
// what was never checked.
func checkAgreement(r *Route, m modelMark) error {
	all := r.Models()
	added := r.modelsSince(m)
	before := all[:len(all)-len(added)]
	for i := range before {
		if before[i].Fallback || r.Provider == Azure && before[i].Source == SourcePath && before[i].Field == fieldDeployment {
			continue
		}
		for j := range added {
			if added[j].Fallback {
				continue
			}
			if !sameName(&before[i], &added[j]) {
				return &Error{
					Shape: shapeBody,
					Detail: fmt.Sprintf("sources disagree: %s %q vs %s %q",
						before[i].Source, clip(before[i].Name()), added[j].Source, clip(added[j].Name())),
					Err: ErrAmbiguousModel,
				}
			}
		}
	}
	return nil
}

// sameName compares two models' decoded names.
func sameName(a, b *Model) bool { return a.name == b.name }

// parseJSONBody extracts the models of a JSON body into r; names is the
// Parser's Names.
func parseJSONBody(r *Route, contentType string, b []byte, maxModels int, names func([]byte) (string, bool)) error {
	if mt := mediaType(contentType); strings.HasPrefix(mt, "multipart/") || mt == "application/x-www-form-urlencoded" {
		return &Error{Shape: shapeJSONBody, Detail: fmt.Sprintf("content type %q on a JSON route", clip(mt)), Err: ErrMalformedBody}
	}
	// Field by field, not a composite literal: the literal of this
	// kilobyte-sized struct (the scanner's stop window is most of it) is
	// built by copying a static template and then copied again into x,
	// twice the stores and a cold read of the template on every body.
	var x extractor
	x.s.b, x.shape, x.stream, x.tools = b, r.shape, -1, r.Operation == OpResponses
	x.maxModels, x.room, x.names = maxModels, maxModels-len(r.Models()), names
	if r.shape == shapeGoogle {
		x.provider, x.pub = r.Provider, r.pub
		for _, m := range r.Models() {
			if m.Source == SourcePath {
				x.want = m.name
				break
			}
		}
	}
	s := &x.s
	i, err := x.objectStart("body")
	if err != nil {
		return err
	}
	end := x.topLevel(i)
	if x.err != nil {
		return x.err
	}
	if end < 0 {
		return x.syntaxErr()
	}
	if j := s.ws(end); j != len(b) {
		return x.malformed(fmt.Sprintf("data after the JSON object at offset %d", j))
	}
	for k := range min(x.n, len(x.buf)) {
		r.addModel(x.buf[k])
	}
	for _, m := range x.more {
		r.addModel(m)
	}
	if x.stream >= 0 {
		r.Stream = x.stream == 1
	}
	return nil
}

// Members of a Responses API tool, and of its "svg" settings, that name
// models.
var (
	toolKeys = [...]string{"model", "svg"}
)

// objectStart returns where the one JSON object b must hold starts, or
// the error that refuses b: a byte-order mark (encoding/json refuses
// one), nothing but white space, or another JSON value. what names b in
// the message ("body", "frame").
func (x *extractor) objectStart(what string) (int, error) {
	s := &x.s
	b := s.b
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return -1, x.malformed("byte-order mark before the JSON object")
	}
	i := s.ws(0)
	switch {
	case s.at(i) == '{':
		return i, nil
	case i >= len(b):
		return -1, x.malformed("empty " + what)
	case s.value(i, 0) < 0:
		return -1, x.syntaxErr()
	}
	return -1, x.malformed("the " + what + " is not a JSON object")
}

// toolsMember handles the Responses API "tools" list at b[i]: the
// image_generation tool's "model" (openai-go/v3 responses
// ToolImageGenerationParam.Model) and "svg.model"
// (ToolImageGenerationSvgParam.Model) name models the upstream runs for
// the request. They are recorded as secondary models (Fallback set,
// Field "tools.model" / "tools.svg.model"). Other tools name none.
func (x *extractor) toolsMember(i int) int {
	s := &x.s
	switch s.at(i) {
	case 'n':
		return s.literal(i)
	case '[':
	default:
		return x.wrongType(i, 1, "\"tools\"", "a list")
	}
	it := s.array(i)
	for it.next() {
		if s.at(it.pos) != '{' {
			return x.wrongType(it.pos, 2, "an element of \"tools\"", "an object")
		}
		if it.pos = x.toolObject(it.pos); it.pos < 0 {
			return -1
		}
	}
	return it.pos
}

// toolObject reads one element of "tools" (an object at b[i]): its
// "model" string (null: none) is a secondary model, and so is the
// "model" of its "svg" object.
func (x *extractor) toolObject(i int) int {
	return x.objectMember(i, 2, toolKeys[:], "an element of \"tools\"", func(idx, j int) int {
		if idx == 0 {
			return x.toolModel(j, 3, fieldToolModel)
		}
		return x.objectMember(j, 3, toolKeys[:1], "\"svg\" of a tool", func(_, k int) int {
			return x.toolModel(k, 4, fieldToolSVGModel)
		})
	})
}

// toolModel reads the "model" of a tool or of its "svg" at b[i]: a
// secondary model, or null for none.
func (x *extractor) toolModel(i, depth int, field string) int {
	if c := x.s.at(i); c != '"' && c != 'n' {
		return x.notString(i, depth, fmt.Sprintf("%q", field))
	}
	return x.optionalString(i, depth, field, true)
}

// mediaType returns the lower-cased media type of a Content-Type value.
func mediaType(ct string) string {
	if ct == "application/json" {
		return ct // what the SDKs send
	}
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	for i := 0; i < len(ct); i++ {
		if 'A' <= ct[i] && ct[i] <= 'Z' {
			return strings.ToLower(ct)
		}
	}
	return ct
}

// Members of the top-level object, per body shape.
const (
	keyModel = iota
	keyFallbacks
	keyContextWindowFallbacks
	keyContentPolicyFallbacks
	keyStream
	keyDeploymentID
	keyUserConfig // refused: see topLevel
	keyTools      // Responses API only
)

var (
	modelShapeKeys   = [...]string{"model", "fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "stream", "deployment_id", "user_config"}
	responsesKeys    = [...]string{"model", "fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "stream", "deployment_id", "user_config", "tools"}
	modelIDShapeKeys = [...]string{"modelId"}
	requestsKeys     = [...]string{"requests"}
	paramsKeys       = [...]string{"params"}
	modelKeys        = [...]string{"model"}
)

// Field values of body models.
const (
	fieldModel        = "model"
	fieldModelID      = "modelId"
	fieldBatchModel   = "requests.params.model"
	fieldFallbacks    = "fallbacks"
	fieldCWFallbacks  = "context_window_fallbacks"
	fieldCPFallbacks  = "content_policy_fallbacks"
	fieldDeploymentID = "deployment_id"
	fieldDeployment   = "deployment" // the Azure deployment in the path
	fieldToolModel    = "tools.model"
	fieldToolSVGModel = "tools.svg.model"
)

// Error shapes of body errors (see [Error]): "body" for the request as a
// whole (size, agreement, missing model), "content-encoding",
// "json-body" and "multipart-body".
const (
	shapeBody     = "body"
	shapeJSONBody = "json-body"
)

// maxKeyRawForLookup bounds the escaped keys lookup decodes: a key
// fold-equal to one of the interpreted names is at most 72 bytes long once
// decoded, and at most six times that escaped.
const maxKeyRawForLookup = 512

// extractor walks a JSON body and records its models.
//
// It collects models and the stream flag itself and parseJSONBody copies
// them into the Route only on success. Keeping the *Route out of the
// extractor also keeps a caller's stack-allocated Route off the heap: the
// extractor's error paths pass its fields to fmt, and escape analysis does
// not tell one field from another.
type extractor struct {
	s     jsonScanner
	shape bodyShape
	tools bool // read Responses API tools[].model
	// shapeGoogle: the path model body models must name, its provider and
	// Vertex publisher.
	want     string
	provider Provider
	pub      string
	stream   int8 // -1: no "stream" member or null; 0: false; 1: true
	n        int  // models found: buf[:min(n, len(buf))], then more
	// room is how many models the body may add: maxModels less those the
	// request line named.
	room, maxModels int
	buf             [4]Model
	more            []Model
	err             error
	keyBuf          [128]byte
	names           func([]byte) (string, bool) // Parser.Names
}

// nameOf returns raw, a name without escapes, as a string: the one
// x.names holds when it equals raw, else a copy.
func (x *extractor) nameOf(raw []byte) string {
	if x.names != nil {
		if s, ok := x.names(raw); ok && s == string(raw) {
			return s
		}
	}
	return string(raw)
}

// add records m, or fails with ErrTooManyModels once the request would
// name more than maxModels: every caller then stops, so the rest of the
// body is not read.
func (x *extractor) add(m Model) error {
	if x.n >= x.room {
		return x.tooMany()
	}
	if x.n < len(x.buf) {
		x.buf[x.n] = m
	} else {
		x.more = append(x.more, m)
	}
	x.n++
	return nil
}

func (x *extractor) tooMany() error {
	return x.fail(ErrTooManyModels, fmt.Sprintf("the request names more than %d models", x.maxModels))
}

func (x *extractor) malformed(detail string) error {
	return x.fail(ErrMalformedBody, detail)
}

// fail records the first error.
func (x *extractor) fail(sentinel error, detail string) error {
	if x.err == nil {
		x.err = &Error{Shape: shapeJSONBody, Detail: detail, Err: sentinel}
	}
	return x.err
}

func (x *extractor) syntaxErr() error {
	return x.fail(ErrMalformedBody, fmt.Sprintf("invalid JSON at offset %d: %s", x.s.errOff, x.s.errMsg))
}

// lookup matches a raw key against names after unescaping it. It returns
// the index of the matching name (-1 for none) and whether the match is
// exact rather than a case variant encoding/json would also bind, or a
// key that other JSON stacks read as the name (see disguised).
func (x *extractor) lookup(raw []byte, esc bool, names []string) (int, bool) {
	key := raw
	if esc {
		if len(raw) > maxKeyRawForLookup {
			// Too long to fold-match any name, even fully escaped.
			return disguised(raw, esc, names), false
		}
		key = appendJSONString(x.keyBuf[:0], string(raw))
	}
	if len(key) == 0 {
		return disguised(raw, esc, names), false
	}
	// Cheap rejections first. A key fold-equal to a name is at least as
	// long as the name and at most three times as long (the non-ASCII fold
	// partners of ASCII letters, U+017F and U+212A, take two and three
	// bytes), and it starts with the name's first letter in either case,
	// or with a non-ASCII byte. Names start with a lower-case letter.
	k0 := lowerASCII(key[0])
	for i, name := range names {
		if len(key) < len(name) || len(key) > 3*len(name) || k0 != name[0] && k0 < utf8.RuneSelf {
			continue
		}
		if string(key) == name {
			return i, true
		}
		if foldEqual(key, name) {
			return i, false
		}
	}
	if !mayDrop(raw, esc) {
		return -1, false
	}
	return disguised(raw, esc, names), false
}

// foldEqual reports whether key equals name under Unicode simple case
// folding, the rule encoding/json uses to bind object keys to struct fields
// (so "ſtream" matches "stream" and "\u212a" matches "k").
func foldEqual(key []byte, name string) bool {
	// Non-ASCII fold partners of ASCII letters (U+017F, U+212A) are at most
	// three bytes long.
	if len(key) < len(name) || len(key) > 3*len(name) {
		return false
	}
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return strings.EqualFold(string(key), name)
		}
	}
	if len(key) != len(name) {
		return false
	}
	for i := range len(key) {
		if lowerASCII(key[i]) != lowerASCII(name[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// member checks one interpreted key: exact, not seen before. It returns
// false after recording an error.
func (x *extractor) member(idx int, exact bool, seen *uint32, name string, key []byte, ambiguity bool) bool {
	sentinel := ErrAmbiguousModel
	if !ambiguity {
		sentinel = ErrMalformedBody
	}
	if !exact {
		if k := appendJSONString(x.keyBuf[:0], string(key[:min(len(key), maxKeyRawForLookup)])); len(key) <= maxKeyRawForLookup && foldEqual(k, name) {
			x.fail(sentinel, fmt.Sprintf("member %q is a case variant of %q", clip(string(key)), name))
		} else {
			x.fail(sentinel, fmt.Sprintf("member %q reads as %q once the control, format or invalid characters other parsers drop are removed", clip(string(key)), name))
		}
		return false
	}
	if *seen&(1<<idx) != 0 {
		x.fail(sentinel, fmt.Sprintf("duplicate member %q", name))
		return false
	}
	*seen |= 1 << idx
	return true
}

// topLevel walks the top-level object at b[i] and returns the index past it.
func (x *extractor) topLevel(i int) int {
	s := &x.s
	var names []string
	switch {
	case x.shape == shapeGoogle:
		return x.gobject(i, 0, googleBody)
	case x.shape == shapeSession:
		return x.sessionBody(i)
	case x.shape == shapeCallSession:
		return x.sessionObject(i, 1)
	case x.shape == shapeModelID:
		names = modelIDShapeKeys[:]
	case x.shape == shapeBatchRequests:
		names = requestsKeys[:]
	case x.tools:
		names = responsesKeys[:]
	default:
		names = modelShapeKeys[:]
	}
	var seen uint32
	it := s.object(i)
	for it.next() {
		idx, exact := x.lookup(it.key(), it.keyEsc, names)
		if idx < 0 {
			it.pos = s.value(it.pos, 1)
			continue
		}
		stream := x.shape != shapeModelID && x.shape != shapeBatchRequests && idx == keyStream
		if !x.member(idx, exact, &seen, names[idx], it.key(), !stream) {
			return -1
		}
		switch x.shape {
		case shapeModelID:
			it.pos = x.single(it.pos, fieldModelID)
		case shapeBatchRequests:
			it.pos = x.requests(it.pos)
		default:
			switch idx {
			case keyModel:
				it.pos = x.model(it.pos)
			case keyFallbacks:
				it.pos = x.fallbacks(it.pos, fieldFallbacks, 0)
			case keyContextWindowFallbacks:
				it.pos = x.fallbacks(it.pos, fieldCWFallbacks, 0)
			case keyContentPolicyFallbacks:
				it.pos = x.fallbacks(it.pos, fieldCPFallbacks, 0)
			case keyStream:
				it.pos = x.streamMember(it.pos)
			case keyTools:
				it.pos = x.toolsMember(it.pos)
			case keyUserConfig:
				// LiteLLM's proxy builds a router from a client-supplied
				// "user_config" (its own model_list), so the models it
				// would call are named there in a shape no allowlist
				// check reads. Refused, whatever it holds.
				x.fail(ErrAmbiguousModel, `member "user_config" supplies its own model list; refused`)
				return -1
			case keyDeploymentID:
				// LiteLLM's completion() keeps the Azure compatibility of
				// the pre-1.0 OpenAI SDK: a "deployment_id" replaces the
				// model. It is a primary model like "model"; null means
				// none.
				if s.at(it.pos) == 'n' {
					it.pos = s.literal(it.pos)
				} else {
					it.pos = x.single(it.pos, fieldDeploymentID)
				}
			}
		}
		if x.err != nil {
			return -1
		}
	}
	return it.pos
}

// typeName names the JSON type of the (valid) value starting with c.
func typeName(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '"':
		return "a string"
	}
	return "a number"
}

// notString reports a valid non-string value where a model string belongs.
func (x *extractor) notString(i, depth int, what string) int {
	return x.wrongType(i, depth, what, "a string")
}

// wrongType reports the value at b[i] (depth levels below the top) as
// malformed: what it is, which JSON type it has, and what it should be.
// The value is scanned first, so that a syntax error in it is reported
// as a syntax error. It returns -1.
func (x *extractor) wrongType(i, depth int, what, want string) int {
	if x.s.value(i, depth) < 0 {
		return -1
	}
	x.malformed(fmt.Sprintf("%s is %s, not %s", what, typeName(x.s.at(i)), want))
	return -1
}

// objectMember walks the object at b[i] (at nesting depth depth) and calls
// f(idx, pos) on the value of each member named names[idx], refusing
// duplicate and disguised keys. A null in place of the object names
// nothing; any other non-object is malformed. It returns the index past
// the value, or -1.
func (x *extractor) objectMember(i, depth int, names []string, what string, f func(idx, pos int) int) int {
	s := &x.s
	switch s.at(i) {
	case 'n':
		return s.literal(i)
	case '{':
	default:
		return x.wrongType(i, depth, what, "an object")
	}
	var seen uint32
	it := s.object(i)
	for it.next() {
		idx, exact := x.lookup(it.key(), it.keyEsc, names)
		if idx < 0 {
			it.pos = s.value(it.pos, depth+1)
			continue
		}
		if !x.member(idx, exact, &seen, names[idx], it.key(), true) {
			return -1
		}
		it.pos = f(idx, it.pos)
		if x.err != nil {
			return -1
		}
	}
	return it.pos
}

// optionalString records the model string at b[i]; null names none.
func (x *extractor) optionalString(i, depth int, field string, secondary bool) int {
	switch x.s.at(i) {
	case 'n':
		return x.s.literal(i)
	case '"':
		return x.str(i, field, secondary, false)
	}
	return x.notString(i, depth, field)
}

// model handles the top-level "model" value at b[i].
func (x *extractor) model(i int) int {
	s := &x.s
	switch s.at(i) {
	case '"':
		return x.str(i, fieldModel, false, true)
	case '[':
		n := 0
		it := s.array(i)
		for it.next() {
			if s.at(it.pos) != '"' {
				return x.notString(it.pos, 2, "an element of the \"model\" list")
			}
			it.pos = x.strElem(it.pos, fieldModel, false)
			if it.pos < 0 {
				return -1
			}
			n++
		}
		if it.pos >= 0 && n == 0 {
			x.malformed("\"model\" is an empty list")
			return -1
		}
		return it.pos
	}
	return x.notString(i, 1, "\"model\"")
}

// single handles a member that must be exactly one model string.
func (x *extractor) single(i int, field string) int {
	if x.s.at(i) != '"' {
		return x.notString(i, 1, fmt.Sprintf("%q", field))
	}
	return x.str(i, field, false, false)
}

// str records the JSON string at b[i] as one model (or, with split, as its
// comma-separated parts) and returns the index past it.
func (x *extractor) str(i int, field string, fallback, split bool) int {
	end, esc := x.s.str(i)
	if end < 0 {
		return -1
	}
	raw := x.s.b[i+1 : end-1]
	if x.addName(raw, i, esc, field, fallback, split) != nil {
		return -1
	}
	return end
}

// strElem is str for a string that is an element of a list: the model
// it records says so in its span.
func (x *extractor) strElem(i int, field string, fallback bool) int {
	end := x.str(i, field, fallback, false)
	if end >= 0 {
		if x.n <= len(x.buf) {
			x.buf[x.n-1].elem = true
		} else {
			x.more[len(x.more)-1].elem = true
		}
	}
	return end
}

// addName validates and records one model name given as the raw contents of
// a JSON string (or key) whose opening quote is at b[at].
func (x *extractor) addName(raw []byte, at int, esc bool, field string, fallback, split bool) error {
	sp := makeSpan(at, at+len(raw)+2)
	if split && x.n+bytes.Count(raw, comma)+1 > x.room {
		// More comma-separated parts than the bound allows: refused
		// before the string is copied, checked or split.
		return x.tooMany()
	}
	if len(raw) == 0 {
		return x.malformed(fmt.Sprintf("empty model name in %q", field))
	}
	if !esc {
		name := x.nameOf(raw)
		if err := checkPlainName(name); err != nil {
			return x.badName(field, err)
		}
		if split && strings.IndexByte(name, ',') >= 0 {
			return x.addParts(name, sp, field, fallback)
		}
		if err := checkModelName(name); err != nil {
			return x.badName(field, err)
		}
		return x.add(Model{Source: SourceBody, Field: field, Fallback: fallback, raw: name, name: name, spanOff: sp.off, spanEnd: sp.end})
	}
	// One allocation holds the raw text and, after it, the decoded name,
	// so Name never decodes again: a strings.Builder never moves or
	// changes what it has handed out, and strict decoding never lengthens
	// the text.
	var sb strings.Builder
	sb.Grow(2 * len(raw))
	sb.Write(raw)
	rawStr := sb.String()
	var buf [256]byte
	dec, err := unescapeJSON(buf[:0], rawStr, true)
	if err != nil {
		return x.badName(field, err)
	}
	if len(dec) == 0 {
		return x.malformed(fmt.Sprintf("empty model name in %q", field))
	}
	sb.Write(dec)
	name := sb.String()[len(rawStr):]
	if split && strings.IndexByte(name, ',') >= 0 {
		return x.addParts(name, sp, field, fallback)
	}
	if err := checkModelName(name); err != nil {
		return x.badName(field, err)
	}
	return x.add(Model{Source: SourceBody, Field: field, Fallback: fallback, raw: rawStr, name: name, spanOff: sp.off, spanEnd: sp.end})
}

var comma = []byte{','}

// badName reports a model name refused by checkModelName or the JSON
// string rules, naming the reason.
func (x *extractor) badName(field string, err error) error {
	return x.malformed(fmt.Sprintf("model name in %q contains %v", field, err))
}

// addParts records each comma-separated part of name, trimmed of white
// space (the way LiteLLM's proxy splits "a, b"); each part is then held to
// the model name rules. Every part gets the span of the whole string.
func (x *extractor) addParts(name string, sp span, field string, fallback bool) error {
	for part := range strings.SplitSeq(name, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return x.malformed(fmt.Sprintf("empty name in comma-separated %q", field))
		}
		if err := checkModelName(part); err != nil {
			return x.badName(field, err)
		}
		if err := x.add(Model{Source: SourceBody, Field: field, Fallback: fallback, raw: part, name: part, spanOff: sp.off, spanEnd: sp.end, part: true}); err != nil {
			return err
		}
	}
	return nil
}

// stream handles the top-level "stream" value at b[i].
func (x *extractor) streamMember(i int) int {
	s := &x.s
	switch s.at(i) {
	case 't', 'f', 'n':
		end := s.literal(i)
		if end < 0 {
			return -1
		}
		switch s.at(i) {
		case 't':
			x.stream = 1
		case 'f':
			x.stream = 0
		}
		return end
	}
	return x.wrongType(i, 1, "\"stream\"", "a boolean")
}

// maxFallbackNesting bounds how deep fallback lists may nest inside
// fallback objects ({"model": "b", "fallbacks": [...]}); deeper nesting is
// refused rather than ignored.
const maxFallbackNesting = 4

// fallbacks handles a fallbacks list at b[i], nested level fallback
// objects below the top level. LiteLLM accepts, per element: a model name;
// a completion-arguments object whose "model" names the fallback (and
// whose own "fallbacks", "context_window_fallbacks" and
// "content_policy_fallbacks" are fallbacks too: the call they describe
// may fall back in turn); or a map from a model to the list of its
// fallbacks ([{"gpt-4": ["gpt-3.5-turbo"]}], the router's context-window
// and content-policy form). Every name in any of them is recorded.
func (x *extractor) fallbacks(i int, field string, level int) int {
	s := &x.s
	depth := 1 + 2*level // JSON depth of the list
	switch s.at(i) {
	case 'n':
		return s.literal(i)
	case '[':
	default:
		return x.wrongType(i, depth, fmt.Sprintf("%q", field), "a list")
	}
	it := s.array(i)
	for it.next() {
		switch s.at(it.pos) {
		case '"':
			it.pos = x.strElem(it.pos, field, true)
		case '{':
			it.pos = x.fallbackObject(it.pos, field, level)
		default:
			return x.wrongType(it.pos, depth+1, fmt.Sprintf("an element of %q", field), "a model or an object")
		}
		if it.pos < 0 {
			return -1
		}
	}
	return it.pos
}

// Members of a fallback object that name models.
var fallbackObjectKeys = [...]string{"model", "fallbacks", "context_window_fallbacks", "content_policy_fallbacks"}

var fallbackFields = [...]string{"", fieldFallbacks, fieldCWFallbacks, fieldCPFallbacks}

// fallbackObject handles one object element of a fallbacks list at b[i].
// With a "model" member it is a set of completion arguments: "model" and
// the three fallback lists name models. Without one, every key is a model
// and every value a list of its fallbacks.
func (x *extractor) fallbackObject(i int, field string, level int) int {
	s := &x.s
	depth := 2 + 2*level // JSON depth of the object
	var seen uint32
	var at [len(fallbackObjectKeys)]int
	for k := range at {
		at[k] = -1
	}
	// Until a "model" member shows the object to be completion arguments,
	// every key and every string in a list value would be a model of the
	// map form: counting them stops a map of millions of names at the
	// bound instead of after reading it all. (A completion-arguments
	// object with more strings than the bound before its "model" is
	// refused as well; no client sends one.)
	tentative := 0
	it := s.object(i)
	for it.next() {
		idx, exact := x.lookup(it.key(), it.keyEsc, fallbackObjectKeys[:])
		if idx >= 0 {
			if !x.member(idx, exact, &seen, fallbackObjectKeys[idx], it.key(), true) {
				return -1
			}
			at[idx] = it.pos
		}
		if at[0] >= 0 || s.at(it.pos) != '[' {
			it.pos = s.value(it.pos, depth+1)
		} else {
			ai := s.array(it.pos)
			for ai.next() {
				if s.at(ai.pos) == '"' {
					if tentative++; x.n+tentative > x.room {
						x.tooMany()
						return -1
					}
				}
				ai.pos = s.value(ai.pos, depth+2)
			}
			it.pos = ai.pos
		}
		if at[0] < 0 {
			if tentative++; x.n+tentative > x.room {
				x.tooMany()
				return -1
			}
		}
	}
	end := it.pos
	if end < 0 {
		return -1
	}
	if at[0] >= 0 {
		if x.fallbackArgs(&at, field, level) < 0 {
			return -1
		}
		return end
	}
	return x.fallbackMap(i, field, depth)
}

// fallbackArgs records the models of a fallback object that is a set of
// completion arguments: at holds where the value of each of
// fallbackObjectKeys starts (-1: absent), and at[0], "model", is set.
func (x *extractor) fallbackArgs(at *[len(fallbackObjectKeys)]int, field string, level int) int {
	s := &x.s
	depth := 2 + 2*level // JSON depth of the object
	if s.at(at[0]) != '"' {
		return x.notString(at[0], depth+1, fmt.Sprintf("\"model\" in %q", field))
	}
	if x.str(at[0], field, true, false) < 0 {
		return -1
	}
	for k := 1; k < len(at); k++ {
		if at[k] < 0 {
			continue
		}
		if level+1 >= maxFallbackNesting {
			x.malformed(fmt.Sprintf("fallbacks nested more than %d levels deep in %q", maxFallbackNesting, field))
			return -1
		}
		if x.fallbacks(at[k], fallbackFields[k], level+1) < 0 {
			return -1
		}
	}
	return 0
}

// fallbackMap records the models of a fallback object without "model",
// at b[i] (JSON depth depth): every key is a model and every value the
// list of its fallbacks.
func (x *extractor) fallbackMap(i int, field string, depth int) int {
	s := &x.s
	it := s.object(i)
	for it.next() {
		if x.addName(it.key(), it.keyOff-1, it.keyEsc, field, true, false) != nil {
			return -1
		}
		if s.at(it.pos) != '[' {
			if s.value(it.pos, depth+1) < 0 {
				return -1
			}
			x.malformed(fmt.Sprintf("fallbacks of a model in %q are %s, not a list", field, typeName(s.at(it.pos))))
			return -1
		}
		ai := s.array(it.pos)
		for ai.next() {
			if s.at(ai.pos) != '"' {
				return x.notString(ai.pos, depth+2, fmt.Sprintf("a fallback in %q", field))
			}
			if ai.pos = x.strElem(ai.pos, field, true); ai.pos < 0 {
				return -1
			}
		}
		it.pos = ai.pos
	}
	return it.pos
}

// requests handles the "requests" list of an Anthropic message batch:
// every element must carry params.model.
func (x *extractor) requests(i int) int {
	s := &x.s
	if s.at(i) != '[' {
		return x.wrongType(i, 1, "\"requests\"", "a list")
	}
	n := 0
	it := s.array(i)
	for it.next() {
		if s.at(it.pos) != '{' {
			return x.wrongType(it.pos, 2, fmt.Sprintf("requests[%d]", n), "an object")
		}
		before := x.n
		it.pos = x.objectMember(it.pos, 2, paramsKeys[:], "an element of \"requests\"", func(_, j int) int {
			return x.params(j, n)
		})
		if it.pos < 0 {
			return -1
		}
		if x.n == before {
			x.fail(ErrNoModel, fmt.Sprintf("requests[%d] names no model", n))
			return -1
		}
		n++
	}
	if it.pos >= 0 && n == 0 {
		x.malformed("\"requests\" is an empty list")
		return -1
	}
	return it.pos
}

// params handles requests[n].params at b[i].
func (x *extractor) params(i, n int) int {
	s := &x.s
	// Checked here, not by objectMember: a null params is refused too, so
	// objectMember never needs a name for it.
	if s.at(i) != '{' {
		return x.wrongType(i, 3, fmt.Sprintf("requests[%d].params", n), "an object")
	}
	return x.objectMember(i, 3, modelKeys[:], "", func(_, j int) int {
		if s.at(j) != '"' {
			return x.notString(j, 4, fmt.Sprintf("requests[%d].params.model", n))
		}
		return x.str(j, fieldBatchModel, false, false)
	})
}
