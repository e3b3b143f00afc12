package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
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
// /v1/responses, ...). Every other place an alias can appear is refused
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
	for _, m := range models {
		if !hasRequested(grants, m.Name()) {
			return nil, mismatch()
		}
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
		from, to = name, target
	}
	if from == "" {
		// An alias applied to a name the request does not carry where the
		// gateway can see it.
		return nil, mismatch()
	}
	if isEncoded(r.Header) {
		return nil, aliasRefusal(fmt.Sprintf("model alias %s in a compressed body is not supported by this gateway; send it uncompressed or name the model itself", jsonQuote(from)))
	}
	return rewriteBodyModel(r, from, to, maxBody)
}

func isPrimaryBodyModel(m routeparse.Model) bool {
	return m.Source == routeparse.SourceBody && m.Field == "model" && !m.Fallback
}

func hasRequested(grants []modelacl.Grant, name string) bool {
	for _, g := range grants {
		if g.Requested == name {
			return true
		}
	}
	return false
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

// rewriteBodyModel returns a copy of r whose JSON body has its top-level
// "model" string, which must decode to from, replaced by to. Every other
// byte of the body is kept.
func rewriteBodyModel(r *http.Request, from, to string, maxBody int64) (*http.Request, *forwardError) {
	if r.Body == nil {
		return nil, mismatch()
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, &forwardError{status: http.StatusBadRequest, code: "invalid_body", msg: "could not read the request body"}
	}
	if int64(len(body)) > maxBody {
		return nil, &forwardError{status: http.StatusRequestEntityTooLarge, code: "body_too_large", msg: "request body too large"}
	}
	out, err := replaceTopLevelModel(body, from, to)
	if err != nil {
		// The middleware parsed this body and found the model; not finding
		// it again means the two readings differ. Do not guess.
		return nil, aliasRefusal(fmt.Sprintf("model alias %s could not be applied to the request body", jsonQuote(from)))
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(out))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(out)), nil }
	r2.ContentLength = int64(len(out))
	r2.TransferEncoding = nil
	r2.Header.Del("Content-Length") // the transport writes ContentLength
	return r2, nil
}

var errNoModelMember = errors.New("no single top-level \"model\" string")

// replaceTopLevelModel returns body with the value of its one top-level
// member named "model" (compared after unescaping the key, case-
// insensitively, as encoding/json binds it) replaced by the JSON string
// to. That value must be a JSON string decoding to from. Any other shape:
// no such member, two of them, a non-string value, a body that is not one
// JSON object, is an error, and nothing is rewritten.
func replaceTopLevelModel(body []byte, from, to string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errNoModelMember
	}
	start, end := -1, -1
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errNoModelMember
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if !strings.EqualFold(key, "model") {
			continue
		}
		if start >= 0 {
			return nil, errNoModelMember // a second "model" member
		}
		end = int(dec.InputOffset())
		start = end - len(raw)
		if start < 0 || !bytes.Equal(body[start:end], raw) {
			return nil, errNoModelMember
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errNoModelMember
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errNoModelMember // trailing data
	}
	if start < 0 || body[start] != '"' {
		return nil, errNoModelMember
	}
	var got string
	if err := json.Unmarshal(body[start:end], &got); err != nil || got != from {
		return nil, errNoModelMember
	}
	val, err := json.Marshal(to)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(body)-(end-start)+len(val))
	out = append(out, body[:start]...)
	out = append(out, val...)
	out = append(out, body[end:]...)
	return out, nil
}

// jsonQuote quotes s as a JSON string, for messages that quote a model.
func jsonQuote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		return `""`
	}
	return string(b)
}
