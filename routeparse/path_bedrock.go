package routeparse

import "strings"

// isARN reports whether a raw segment starts an ARN, in either spelling
// of its first ':'.
func isARN(seg string) bool {
	return strings.HasPrefix(seg, "arn:") || strings.HasPrefix(seg, "arn%3A") || strings.HasPrefix(seg, "arn%3a")
}

// matchBedrock matches the Bedrock runtime routes:
//
//	POST /model/{modelId}/{action}
//	POST /model/{arn-with-raw-slashes}/{action}
//	POST /model/application-inference-profile/{id}/{action}
//	POST /async-invoke                                  (model in body "modelId")
//	GET  /async-invoke, GET /async-invoke/{invocationArn}  (model-free)
//	POST /guardrail/{guardrailIdentifier}/version/{version}/apply (model-free)
//
// {modelId} is one segment, decoded once. The AWS SDKs escape every byte
// but A-Za-z0-9-._~ (smithy-go encoding/httpbinding/path_replace.go,
// EscapePath with encodeSep for a {label}): "anthropic.claude-v2%3A1",
// "arn%3Aaws%3Abedrock%3A...%3Aapplication-inference-profile%2Fabc".
// anthropic-sdk-go's bedrock option escapes only what url.PathEscape does
// (bedrock/bedrock.go, requestconfig.EscapePathSegment), leaving ':' raw:
// "arn:aws:bedrock:...:application-inference-profile%2Fabc". Both decode
// to the same name.
//
// A gateway in front, or a client building URLs by hand, may deliver an
// ARN with raw '/' ("arn:...:custom-model/base/id" has two). That form is
// accepted only when the last segment is a known action and the model
// starts with "arn:" or is the short application-inference-profile/{id}
// form; anything else with extra segments is malformed, never re-split.
func matchBedrock(r *Route, mb methods, s []string, rest string) (bool, error) {
	if len(s) == 0 {
		return false, nil
	}
	switch s[0] {
	case "model":
		r.Provider = Bedrock
		return matchBedrockModel(r, mb, s, rest)
	case "async-invoke":
		// StartAsyncInvoke POST /async-invoke, ListAsyncInvokes GET
		// /async-invoke, GetAsyncInvoke GET /async-invoke/{invocationArn}
		// (schemas/schemas.go).
		r.Provider = Bedrock
		return matchAsyncInvoke(r, mb, s, rest)
	case "guardrail":
		// ApplyGuardrail: POST /guardrail/{guardrailIdentifier}/version/{guardrailVersion}/apply.
		// It evaluates text against a guardrail and invokes no model.
		r.Provider = Bedrock
		if len(s) != 5 || s[2] != "version" || s[4] != "apply" || !idSegment(s[3]) {
			return false, pathErr("bedrock", "unknown guardrail route %q", clip(rest))
		}
		if mb != mPost {
			return false, methodErr("bedrock", mb, rest)
		}
		if _, err := checkModelText("bedrock", s[1], true); err != nil {
			return false, err
		}
		r.apply(specFree)
		return true, nil

	case "inference-profiles", "foundation-models":
		// The Bedrock control plane's model discovery, which Claude Code in
		// Bedrock mode asks under its Bedrock base URL: rows of the route
		// table. Any other shape under these names is malformed.
		r.Provider = Bedrock
		ok, err := matchAPI(r, mb, s, famBedrockControl, Bedrock)
		if !ok && err == nil {
			return false, pathErr("bedrock", "unknown %s route %q", s[0], clip(rest))
		}
		return ok, err
	}
	return false, nil
}

// matchBedrockAPI matches the OpenAI- and Anthropic-shaped routes served
// under the Bedrock prefix, all provider Bedrock (their models are Bedrock
// IDs) in the client's dialect:
//
//	POST /openai/v1/chat/completions, /openai/v1/responses   B "model", dialect OpenAI
//	POST /v1/messages[/count_tokens]                          B "model", dialect Anthropic
//
// The first pair is bedrock-runtime's OpenAI-compatible API, whose base
// URL openai-go's bedrock option (bedrock/auth.go defaultEndpointURL,
// EndpointRuntime) sets to https://bedrock-runtime.{region}.amazonaws.com/openai/v1/;
// the second is what anthropic-sdk-go's bedrock option sends to a base URL
// with a path.
func matchBedrockAPI(r *Route, mb methods, s []string) (bool, error) {
	if len(s) > 2 && s[0] == "openai" && s[1] == "v1" {
		return matchAPI(r, mb, s[1:], famBedrockOpenAI, Bedrock)
	}
	return matchAPI(r, mb, s, famBedrockMsgs, Bedrock)
}

// matchBedrockModel matches /model/{modelId}/{action} (s[0] is "model").
func matchBedrockModel(r *Route, mb methods, s []string, rest string) (bool, error) {
	if len(s) < 3 {
		return false, pathErr("bedrock", "expected /model/{modelId}/{action}, got %q", clip(rest))
	}
	action := s[len(s)-1]
	sp, ok := lookupAction(r, actBedrock, action)
	if !ok {
		return false, pathErr("bedrock", "unknown action %q in %q", clip(action), clip(rest))
	}
	if mb != mPost {
		return false, methodErr("bedrock", mb, rest)
	}
	r.apply(sp)
	switch {
	case len(s) == 3:
		return true, r.addPathModel("bedrock", "modelId", s[1], "", true)
	case len(s) > 5:
		return false, pathErr("bedrock", "model ID spans more than three segments in %q", clip(rest))
	case isARN(s[1]) || (len(s) == 4 && s[1] == "application-inference-profile"):
		// Raw-'/' form: the model is everything between "/model/" and
		// "/{action}". Its segments must not also hold an encoded '/'.
		raw := rest[len("/model/") : len(rest)-len(action)-1]
		return true, r.addPathModel("bedrock", "modelId", raw, "", false)
	default:
		return false, pathErr("bedrock", "a model ID with a raw '/' must be an ARN or application-inference-profile/{id}: %q", clip(rest))
	}
}

// matchAsyncInvoke matches /async-invoke[/{invocationArn}].
func matchAsyncInvoke(r *Route, mb methods, s []string, rest string) (bool, error) {
	switch {
	case len(s) == 1 && mb == mPost:
		r.apply(spec{op: OpAsyncInvoke, body: BodyJSON, shape: shapeModelID, need: true})
		return true, nil
	case len(s) == 1 && mb == mGet:
		r.apply(spec{op: OpAsyncInvoke, free: true})
		return true, nil
	case len(s) == 1:
		return false, methodErr("bedrock-async", mb, rest)
	case len(s) <= 3:
		if mb != mGet {
			return false, methodErr("bedrock-async", mb, rest)
		}
		if len(s) == 3 && !isARN(s[1]) {
			return false, pathErr("bedrock-async", "invocation ARN expected in %q", clip(rest))
		}
		if _, err := checkModelText("bedrock-async", rest[len("/async-invoke/"):], len(s) == 2); err != nil {
			return false, err
		}
		r.apply(spec{op: OpAsyncInvoke, free: true})
		return true, nil
	}
	return false, pathErr("bedrock-async", "unknown async-invoke route %q", clip(rest))
}
