package modelacl

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/bedrock/sigv4/verify"
	"github.com/modelgate/modelgate/routeparse"
)

// Deny responses speak the client's dialect, so that each official SDK
// turns them into its own typed error instead of a decoding failure:
//
//   - OpenAI and Azure OpenAI (openai-go's apierror.Error reads
//     error.message, error.type, error.param and the string error.code);
//   - Anthropic (anthropic-sdk-go keeps the status and the raw body; the
//     body is the API's {"type":"error","error":{"type","message"}});
//   - Bedrock (aws-sdk-go-v2's restjson1 protocol takes the error code from
//     the X-Amzn-ErrorType header before the body and maps
//     "AccessDeniedException" to types.AccessDeniedException; the message
//     is the body's "message");
//   - Gemini and Vertex AI (google.golang.org/genai decodes
//     {"error":{"code","message","status"}} into genai.APIError; code is the
//     number, status the google.rpc.Code name).
//
// Messages quote the model with %q and never contain a credential, a key
// ID or any part of an allowlist.
//
// # What clients retry, and what they treat as final
//
// A refusal is only useful if the client stops on it. What each client
// keys on, read in its source:
//
//   - aws-sdk-go-v2 v1.48.0 (aws/retry/standard.go DefaultRetryables):
//     retries 500/502/503/504, an unmodeled 429, the throttling codes and
//     RequestTimeout(Exception); never AccessDeniedException or another 4xx.
//     @aws-sdk/client-bedrock-runtime 3.1164.0 (@smithy/core 3.41.1,
//     submodules/retry isTransientError): the same, and one retry of an
//     AccessDeniedException only when the response's Date showed a clock
//     skew (ours is the gateway's clock).
//   - anthropic-sdk-go v2.15.0 and openai-go v3.98.0
//     (internal/requestconfig/requestconfig.go shouldRetry), and the npm
//     @anthropic-ai/sdk 1.14.0 (also under @anthropic-ai/bedrock-sdk
//     1.1.3) and openai 6.49.0 (client.js shouldRetry): "X-Should-Retry:
//     false" wins; otherwise 408, 409, 429 and 5xx are retried, a 401 or
//     403 is not (@anthropic-ai/sdk retries one 401 after refreshing a
//     cached token).
//   - google.golang.org/genai v1.77.0 (common.go retryHTTPRequest) and
//     @google/genai 2.32.0: no retry unless the caller asks; then 408,
//     429, 500, 502, 503, 504.
//   - Claude Code 2.1.332 (@anthropic-ai/claude-code, a native binary;
//     read in its bundled JavaScript and run against the reference
//     gateway) retries a 401, and in Bedrock mode a 403, up to 10 times
//     with backoff (about 4 minutes; then "AWS authentication failed"),
//     except: in Bedrock mode a 403 whose message contains "You don't have
//     access to the model with the specified model ID." (compared
//     case-insensitively) is final and makes it switch to --fallback-model,
//     and one matching "is not authorized to perform: bedrock:InvokeModel"
//     is final; in every mode a 403 whose body has
//     "type":"permission_error" and whose message contains "model:" makes
//     it switch to --fallback-model (a 403 is final in Anthropic and Vertex
//     modes anyway); "X-Should-Retry: false" ends the retries of a 401
//     (Vertex mode still sends it three times, renewing its credential).
//
// So a denial opens with a sentence the client recognises, then our reason
// (which scope may not call which model): on Bedrock, including Anthropic's
// Messages API on Bedrock, AWS's sentence above with X-Amzn-ErrorType:
// AccessDeniedException; on Anthropic and Vertex's Anthropic surface a
// permission_error whose sentence ends in "model:". OpenAI and Google
// clients key on the status and the error type
// (key_model_access_denied, PERMISSION_DENIED), not on the text. Every
// refusal a retry cannot change (4xx) carries X-Should-Retry: false; a 500
// or 503 does not. A missing credential ("missing credential: send an API
// key") and an unknown one ("invalid API key") get different messages.

// dialect is the error shape of one family of clients.
type dialect uint8

const (
	dialectOpenAI dialect = iota // OpenAI, Azure OpenAI and the OpenAI-compatible rest
	dialectAnthropic
	dialectBedrock
	dialectGoogle // Gemini API and Vertex AI
	// dialectBedrockAnthropic is Anthropic's Messages API served by Bedrock:
	// an Anthropic body (what the client decodes) with Bedrock's error type
	// header and AWS's wording (what Bedrock clients key on).
	dialectBedrockAnthropic
)

// dialectFor picks the error shape for a route: its response dialect,
// and its provider for Anthropic on Bedrock. When the route could not be
// classified, the request's headers say which SDK sent it; OpenAI's shape
// is the fallback, as most clients of a gateway speak it.
func dialectFor(rt *routeparse.Route, h http.Header) dialect {
	switch p := rt.ResponseDialect(); p {
	case routeparse.Anthropic:
		if rt.Provider == routeparse.Bedrock {
			return dialectBedrockAnthropic
		}
		return dialectAnthropic
	case routeparse.Bedrock:
		return dialectBedrock
	case routeparse.Gemini, routeparse.Vertex:
		return dialectGoogle
	case routeparse.ProviderUnknown:
		switch {
		case len(h["Anthropic-Version"]) > 0:
			return dialectAnthropic
		case len(h["X-Amz-Date"]) > 0 || len(h["Amz-Sdk-Invocation-Id"]) > 0 || hasPrefixFold(h.Get("Authorization"), "AWS4-"):
			return dialectBedrock
		case len(h["X-Goog-Api-Key"]) > 0 || len(h["X-Goog-Api-Client"]) > 0:
			return dialectGoogle
		}
	}
	return dialectOpenAI
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// failKind is the category of a refused request.
type failKind uint8

const (
	failDenied          failKind = iota // a model is not allowed: DenyStatus
	failUnauthenticated                 // no, ambiguous, malformed or unknown credential: 401
	failBadRequest                      // malformed path or body, ambiguous or missing model: 400
	failNotFound                        // no route in the grammar: 404
	failTooLarge                        // body over MaxBodyBytes: 413
	failUnavailable                     // no policy installed: 503
	failBusy                            // over MaxBufferedBytes: 503 with Retry-After
	failInternal                        // the host's authenticate function failed: 500
)

// failure is a refused request, ready to be written.
type failure struct {
	kind    failKind
	status  int
	message string // safe to show the client
	param   string // "model" when the failure is about the model
	scope   Scope  // for failDenied
	awsType string // the AWS error type of a SigV4 refusal, for the Bedrock dialect
}

// errBodyTooLarge is the middleware's own too-large error; it wraps the
// routeparse sentinel so both are one category.
var errBodyTooLarge = &routeparse.Error{Shape: "body", Detail: "request body exceeds the gateway's limit", Err: routeparse.ErrBodyTooLarge}

// failureFor maps an error from any step to what the client is told: the
// status of its category (reason.go), and a message that is data the
// error carries ([messenger], or routeparse's Shape and Detail) or else
// the category's phrase. Unknown errors are internal: their text is not
// shown, as it may come from the host's key store.
func failureFor(err error, denyStatus int) failure {
	c := categoryOf(err)
	f := failure{kind: c.kind, message: c.phrase}
	var ve *verify.Error
	if errors.As(err, &ve) {
		// A SigV4 refusal: AWS's own error type and wording (never a
		// secret or signature), which is what the AWS SDKs key on: they
		// surface the type, and retry a clock skew once. The status is
		// 401, as for every credential the middleware refuses, where AWS
		// answers 403: Claude Code in Bedrock mode retries a 403 for
		// minutes unless it reads AWS's access-denied sentence, and stops
		// at a 401 with X-Should-Retry: false. A malformed signature keeps
		// AWS's 400.
		f.status, f.message, f.awsType = http.StatusUnauthorized, ve.Message, ve.Code
		if ve.Status == http.StatusBadRequest {
			f.status = http.StatusBadRequest
		}
		return f
	}
	switch c.kind {
	case failDenied:
		f.status, f.param = denyStatus, "model"
		var de *DenyError
		if errors.As(err, &de) {
			f.scope = de.Scope
		}
	case failUnauthenticated:
		f.status = http.StatusUnauthorized
		return f // fixed phrases: a credential error may come from the host
	case failBadRequest:
		f.status = http.StatusBadRequest
		if c.reason == ReasonNoModel || c.reason == ReasonAmbiguousModel {
			f.param = "model"
		}
	case failNotFound:
		f.status = http.StatusNotFound
	case failTooLarge:
		f.status = http.StatusRequestEntityTooLarge
	case failUnavailable, failBusy:
		f.status = http.StatusServiceUnavailable
		return f

	default:
		f.status = http.StatusInternalServerError
		return f
	}
	f.message = publicMessage(err, c)
	return f
}

// publicMessage is the client-safe message of err, of category c: the
// message an error of this package carries, or a routeparse error's
// phrase, shape and detail (quoted request text, never a credential), or
// the category's phrase. It is at most 512 bytes and some.
func publicMessage(err error, c category) string {
	var s string
	var m messenger
	var pe *routeparse.Error
	switch {
	case errors.As(err, &m):
		s = m.clientMessage()
	case errors.As(err, &pe) && errors.Is(pe.Err, c.err):
		s = c.phrase
		if pe.Shape != "" {
			s += ": " + pe.Shape
		}
		if pe.Detail != "" {
			s += ": " + pe.Detail
		}
	default:
		return c.phrase
	}
	if len(s) > 512 {
		s = s[:512] + "..."
	}
	return s
}

// deniedType is the OpenAI-style error type of a denial, named after the
// scope that denied, in the vocabulary LiteLLM-style clients know.
func deniedType(s Scope) string {
	switch s {
	case ScopeTeam:
		return "team_model_access_denied"
	case ScopeTeamMember:
		return "team_member_model_access_denied"
	case ScopeUser:
		return "user_model_access_denied"
	case ScopeOrg:
		return "org_model_access_denied"
	case ScopeEndUser:
		return "end_user_model_access_denied"
	default:
		return "key_model_access_denied"
	}
}

// writeFailure writes f in dialect d. The body is small and built once per
// refused request; allocations here do not matter.
func writeFailure(w http.ResponseWriter, d dialect, f failure) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if f.kind == failUnauthenticated && d != dialectBedrock && d != dialectBedrockAnthropic {
		h.Set("Www-Authenticate", "Bearer")
	}
	if f.kind != failUnavailable && f.kind != failInternal {
		h.Set("X-Should-Retry", "false")
	}
	if f.kind == failDenied {
		f.message = deniedLead(d) + f.message
	}
	var body any
	switch d {
	case dialectAnthropic, dialectBedrockAnthropic:
		if d == dialectBedrockAnthropic {
			h.Set("X-Amzn-ErrorType", bedrockType(f))
		}
		body = anthropicError(anthropicType(f), f.message)
	case dialectBedrock:
		// aws-sdk-go-v2 reads the header (http.Header.Get, so any casing);
		// other AWS SDKs read it case-insensitively too.
		h.Set("X-Amzn-ErrorType", bedrockType(f))
		body = struct {
			Message string `json:"message"`
		}{f.message}
	case dialectGoogle:
		body = googleErrorBody{googleErrorDetail{f.status, f.message, googleStatus(f)}}
	default:
		in := openAIErrorDetail{Message: f.message, Type: openAIType(f), Code: strconv.Itoa(f.status)}
		if f.param != "" {
			in.Param = &f.param
		}
		body = openAIErrorBody{in}
	}
	b, err := json.Marshal(body)
	if err != nil { // cannot happen: strings and ints only
		b = []byte(`{}`)
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(f.status)
	_, _ = w.Write(b)
}

// The error bodies of the dialects, each in the shape its official SDKs
// decode: refusals and discovery's not-found answers both use them.
type (
	openAIErrorBody struct {
		Error openAIErrorDetail `json:"error"`
	}
	openAIErrorDetail struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    string  `json:"code"`
	}
	anthropicErrorBody struct {
		Type  string               `json:"type"` // always "error"
		Error anthropicErrorDetail `json:"error"`
	}
	anthropicErrorDetail struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	googleErrorBody struct {
		Error googleErrorDetail `json:"error"`
	}
	googleErrorDetail struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
	}
)

// anthropicError is the body of an Anthropic API error of type typ.
func anthropicError(typ, message string) anthropicErrorBody {
	return anthropicErrorBody{"error", anthropicErrorDetail{typ, message}}
}

// deniedLead opens the message of a denial in dialect d with the sentence
// that dialect's clients recognise as a final refusal of the model (see
// the notes at the top of this file). The reason follows it.
func deniedLead(d dialect) string {
	switch d {
	case dialectBedrock, dialectBedrockAnthropic:
		return awsNoAccess + " "
	case dialectAnthropic:
		return "Your API key does not have permission to use this model: "
	default:
		return ""
	}
}

func openAIType(f failure) string {
	switch f.kind {
	case failDenied:
		return deniedType(f.scope)
	case failUnauthenticated:
		return "auth_error"
	case failUnavailable, failBusy, failInternal:
		return "api_error"
	default:
		return "invalid_request_error"
	}
}

func anthropicType(f failure) string {
	switch f.kind {
	case failDenied:
		return "permission_error"
	case failUnauthenticated:
		return "authentication_error"
	case failNotFound:
		return "not_found_error"
	case failTooLarge:
		return "request_too_large"
	case failBusy:
		return "overloaded_error"
	case failUnavailable, failInternal:
		return "api_error"
	default:
		return "invalid_request_error"
	}
}

func bedrockType(f failure) string {
	if f.awsType != "" {
		return f.awsType
	}
	switch f.kind {
	case failDenied:
		return "AccessDeniedException"
	case failUnauthenticated:
		return "UnrecognizedClientException"
	case failNotFound:
		return "UnknownOperationException"
	case failUnavailable, failBusy:
		return "ServiceUnavailableException"
	case failInternal:
		return "InternalServerException"
	default: // bad request, too large
		return "ValidationException"
	}
}

func googleStatus(f failure) string {
	switch f.kind {
	case failDenied:
		return "PERMISSION_DENIED"
	case failUnauthenticated:
		return "UNAUTHENTICATED"
	case failNotFound:
		return "NOT_FOUND"
	case failUnavailable, failBusy:
		return "UNAVAILABLE"
	case failInternal:
		return "INTERNAL"
	default:
		return "INVALID_ARGUMENT"
	}
}
