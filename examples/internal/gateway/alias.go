package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// What is checked is what is forwarded. The policy authorizes an alias's
// target, not the alias (Grant.Model, not Grant.Requested), so a request
// that names an alias must reach the upstream naming the target; forwarded
// unchanged, it would call whatever the alias's own name means upstream,
// which was never authorized.
//
// The gateway rewrites the one place it can rewrite exactly: the
// top-level "model" string of an uncompressed JSON body on a unified route
// (/v1/chat/completions, /chat/completions, /v1/messages, /v1/embeddings,
// /v1/responses, ...), at the span the middleware's parser recorded for it
// (routeparse.Model.BodySpan): the body is not parsed a second time. Every other place an alias can appear is refused
// with 400 (see forwardError): fallbacks, model lists and comma-separated
// model strings, deployment_id, multipart form fields, the ?model= query
// parameter, and gzip or deflate bodies, which the gateway would have to
// re-encode. Provider-native and provider-prefixed routes forward their
// IDs as sent, and the policy checks them as sent, without aliases.

// forwardError is a request the gateway refuses to forward because the
// upstream would not receive what was authorized.
type forwardError struct {
	status int
	code   string // OpenAI-style error code
	msg    string // safe to show the client: names no secret, no allowlist
}

func (e *forwardError) Error() string { return e.msg }

func aliasRefusal(msg string) *forwardError {
	return &forwardError{status: http.StatusBadRequest, code: "model_alias_not_forwardable", msg: msg}
}

// mismatch is a decision that does not describe the request: a model the
// request names that no grant covers. The middleware never produces one;
// refusing it keeps a library change from turning into a silent bypass.
func mismatch() *forwardError {
	return &forwardError{status: http.StatusForbidden, code: "model_not_authorized", msg: "request was not authorized"}
}

// isUnified reports whether rt is one of the unprefixed OpenAI- or
// Anthropic-shaped routes, whose body names model groups (aliases apply)
// rather than a provider's own model IDs.
func isUnified(rt *routeparse.Route) bool {
	return (rt.Provider == routeparse.OpenAI || rt.Provider == routeparse.Anthropic) && rt.Prefix == ""
}

// authorizedRequest returns the request to forward for an allowed
// decision: r itself when every model it names was authorized under its
// own name, a copy whose body names the authorized name when the one body
// model was authorized as another (an alias), or an error when the request
// cannot be forwarded as authorized.
//
// On every route each model the request names must be the Requested name
// of a grant: the decision must describe this request. On the unified
// routes a grant whose Model differs from its Requested name means the
// policy authorized another name than the request carries (an alias; the
// policy may also return the canonical spelling of a Gemini or Vertex
// name), and that name is what the upstream must receive. On
// provider-native and provider-prefixed routes the request's IDs are
// forwarded as sent and the grants name what each ID resolved to (the
// policy does not apply aliases there), so Model differs from Requested by
// design and nothing is rewritten.
func authorizedRequest(r *http.Request, dec *modelacl.Decision, maxBody int64) (*http.Request, *forwardError) {
	rt := &dec.Route
	grants := dec.Grants()
	models := rt.Models()
	if !rt.ModelFree && len(grants) == 0 {
		// An allowed decision for a route that names a model always
		// carries at least one grant.
		return nil, mismatch()
	}
	if !covers(grants, models) {
		return nil, mismatch()
	}
	if !isUnified(rt) {
		return r, nil
	}

	// requested name -> authorized name, for the names the policy
	// authorized as another one.
	var aliased map[string]string
	for _, g := range grants {
		if g.Model == g.Requested {
			continue
		}
		if prev, dup := aliased[g.Requested]; dup && prev != g.Model {
			return nil, mismatch()
		}
		if aliased == nil {
			aliased = make(map[string]string, 1)
		}
		aliased[g.Requested] = g.Model
	}
	if len(aliased) == 0 {
		return r, nil
	}

	primary := 0
	for _, m := range models {
		if isPrimaryBodyModel(m) {
			primary++
		}
	}
	var from, to string
	var at routeparse.Model
	for _, m := range models {
		name := m.Name()
		target, ok := aliased[name]
		if !ok {
			continue
		}
		switch {
		case m.Fallback:
			return nil, aliasRefusal(fmt.Sprintf("model alias %s in %q is not supported by this gateway; name the model itself", jsonQuote(name), m.Field))
		case m.Source == routeparse.SourceQuery:
			return nil, aliasRefusal(fmt.Sprintf("model alias %s in the query string is not supported by this gateway; name the model itself", jsonQuote(name)))
		case m.Source == routeparse.SourceForm:
			return nil, aliasRefusal(fmt.Sprintf("model alias %s in a form field is not supported by this gateway; name the model itself", jsonQuote(name)))
		case !isPrimaryBodyModel(m) || primary != 1:
			// A model list, a comma-separated model string, deployment_id,
			// a batch's per-request models.
			return nil, aliasRefusal(fmt.Sprintf("model alias %s is supported only as the request's one \"model\" string", jsonQuote(name)))
		}
		from, to, at = name, target, m
	}
	if from == "" {
		// An alias applied to a name the request does not carry where the
		// gateway can see it.
		return nil, mismatch()
	}
	if isEncoded(r.Header) {
		// The span indexes the decoded body; the gateway would have to
		// re-encode it.
		return nil, aliasRefusal(fmt.Sprintf("model alias %s in a compressed body is not supported by this gateway; send it uncompressed or name the model itself", jsonQuote(from)))
	}
	return rewriteBodyModel(r, at, to, maxBody)
}

// isPrimaryBodyModel reports whether m is the top-level "model" string, or
// part of it.
func isPrimaryBodyModel(m routeparse.Model) bool {
	sp, ok := m.BodySpan()
	return ok && !sp.Element && m.Source == routeparse.SourceBody && m.Field == "model" && !m.Fallback
}

// isEncoded reports whether the body carries a content coding other than
// identity.
func isEncoded(h http.Header) bool {
	for _, v := range h.Values("Content-Encoding") {
		if v = strings.TrimSpace(v); v != "" && !strings.EqualFold(v, "identity") {
			return true
		}
	}
	return false
}

// rewriteBodyModel returns a copy of r whose JSON body has the string
// that carried m (the top-level "model") replaced by the JSON encoding of
// to, at the span the middleware's parser recorded. Every other byte of the
// body is kept, and the body is not parsed again.
//
// The middleware hands on the body it buffered and parsed as a reader that
// also reads at offsets (an io.ReaderAt with a Size, as bytes.Reader is):
// the outgoing body is then three sections of that buffer and the new
// name, so an aliased request costs no copy of its body. Any other body
// (a handler between the middleware and this one replaced it) is read
// into memory first, up to maxBody. Either way the bytes at the span must
// be exactly the string the parser read, or nothing is forwarded.
func rewriteBodyModel(r *http.Request, m routeparse.Model, to string, maxBody int64) (*http.Request, *forwardError) {
	sp, ok := m.BodySpan()
	if !ok || sp.Shared || r.Body == nil {
		return nil, mismatch()
	}
	src, ok := r.Body.(bufferedBody)
	if !ok {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return nil, &forwardError{status: http.StatusBadRequest, code: "invalid_body", msg: "could not read the request body"}
		}
		if int64(len(body)) > maxBody {
			return nil, &forwardError{status: http.StatusRequestEntityTooLarge, code: "body_too_large", msg: "request body too large"}
		}
		src = bytes.NewReader(body)
	}
	val, err := json.Marshal(to)
	if err != nil {
		return nil, mismatch()
	}
	out, ok := spliceBody(src, sp, m.Raw(), val)
	if !ok {
		// The parser found the model there; not finding it again means the
		// body changed after it was checked. Do not guess.
		return nil, aliasRefusal(fmt.Sprintf("model alias %s could not be applied to the request body", jsonQuote(m.Name())))
	}
	r2 := r.Clone(r.Context())
	r2.Body = out.reader()
	r2.GetBody = func() (io.ReadCloser, error) { return out.reader(), nil }
	r2.ContentLength = out.size
	r2.TransferEncoding = nil
	r2.Header.Del("Content-Length") // the transport writes ContentLength
	return r2, nil
}

// bufferedBody is a body held in memory that reads at offsets.
type bufferedBody interface {
	io.ReaderAt
	Size() int64
}

// splice is a body with one span replaced.
type splice struct {
	src        io.ReaderAt
	start, end int64 // the replaced span of src
	srcSize    int64
	val        []byte
	size       int64 // of the result
}

// spliceBody returns src with src[sp.Start:sp.End] replaced by val, after
// checking that the span holds exactly the JSON string "raw" (quotes
// included); ok is false when it does not.
func spliceBody(src bufferedBody, sp routeparse.Span, raw string, val []byte) (s splice, ok bool) {
	size := src.Size()
	start, end := int64(sp.Start), int64(sp.End)
	if start < 0 || end > size || end-start != int64(len(raw))+2 {
		return splice{}, false
	}
	var small [256]byte
	var got []byte
	if n := end - start; n <= int64(len(small)) {
		got = small[:n]
	} else {
		got = make([]byte, n)
	}
	if n, err := src.ReadAt(got, start); n != len(got) || (err != nil && err != io.EOF) {
		return splice{}, false
	}
	if got[0] != '"' || got[len(got)-1] != '"' || string(got[1:len(got)-1]) != raw {
		return splice{}, false
	}
	return splice{src: src, start: start, end: end, srcSize: size, val: val, size: size - (end - start) + int64(len(val))}, true
}

// reader returns a fresh reader of the spliced body.
func (s splice) reader() io.ReadCloser {
	return io.NopCloser(io.MultiReader(
		io.NewSectionReader(s.src, 0, s.start),
		bytes.NewReader(s.val),
		io.NewSectionReader(s.src, s.end, s.srcSize-s.end),
	))
}

// jsonQuote quotes s as a JSON string, for messages that quote a model.
func jsonQuote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		return `""`
	}
	return string(b)
}
