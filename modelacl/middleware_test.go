package modelacl_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// The fixture: a deployment list with a cheap tier (access group
// common-models) and an expensive one (premium-models), on every provider
// shape the middleware must understand.
const (
	restrictedKey = "sk-restricted-0001" // common-models only
	allowedKey    = "sk-allowed-0002"    // common-models and premium-models
	opusProfile   = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/opusprof1"
)

func fixtureConfig() modelacl.Config {
	dep := func(name, model string, groups ...string) modelacl.Deployment {
		return modelacl.Deployment{
			ModelName:     name,
			LiteLLMParams: modelacl.LiteLLMParams{Model: model},
			ModelInfo:     modelacl.ModelInfo{AccessGroups: groups},
		}
	}
	return modelacl.Config{ModelList: []modelacl.Deployment{
		dep("claude-opus-4-7", "bedrock/global.anthropic.claude-opus-4-7", "premium-models"),
		dep("claude-opus-4-7", "bedrock/"+opusProfile, "premium-models"),
		// The Anthropic passthrough (/anthropic/v1/messages) forwards the
		// name to Anthropic: the operator deploys that model too.
		dep("claude-opus-4-7", "anthropic/claude-opus-4-7", "premium-models"),
		dep("claude-haiku-4-5", "bedrock/global.anthropic.claude-haiku-4-5", "common-models"),
		dep("gpt-4o", "openai/gpt-4o", "premium-models"),
		dep("gpt-4o-mini", "openai/gpt-4o-mini", "common-models"),
		dep("text-embedding-3-small", "openai/text-embedding-3-small", "common-models"),
		dep("text-embedding-3-large", "openai/text-embedding-3-large", "premium-models"),
		dep("whisper-1", "openai/whisper-1", "common-models"),
		dep("gpt-4o-transcribe", "openai/gpt-4o-transcribe", "premium-models"),
		dep("gpt-4o-realtime-preview", "openai/gpt-4o-realtime-preview", "premium-models"),
		dep("gpt-4o-mini-realtime-preview", "openai/gpt-4o-mini-realtime-preview", "common-models"),
		dep("azure-gpt-4o", "azure/prod-gpt-4o", "premium-models"),
		dep("azure-gpt-4o-mini", "azure/prod-gpt-4o-mini", "common-models"),
		dep("gemini-2.5-pro", "gemini/gemini-2.5-pro", "premium-models"),
		dep("gemini-2.5-flash", "gemini/gemini-2.5-flash", "common-models"),
		dep("vertex-gemini-2.5-pro", "vertex_ai/gemini-2.5-pro", "premium-models"),
		dep("vertex-gemini-2.5-flash", "vertex_ai/gemini-2.5-flash", "common-models"),
		dep("vertex-claude-opus-4-7", "vertex_ai/claude-opus-4-7", "premium-models"),
		dep("vertex-claude-haiku-4-5", "vertex_ai/claude-haiku-4-5", "common-models"),
	}}
}

func fixturePolicy(t testing.TB) *modelacl.Policy {
	t.Helper()
	p, err := modelacl.Compile(fixtureConfig())
	require.NoError(t, err)
	return p
}

// keyStore is the host's key lookup: secret -> principal.
type keyStore map[string]*modelacl.Principal

func fixtureKeys() keyStore {
	return keyStore{
		restrictedKey: {KeyID: "key-restricted", Key: modelacl.Allow("common-models")},
		allowedKey:    {KeyID: "key-allowed", Key: modelacl.Allow("common-models", "premium-models")},
	}
}

func (ks keyStore) authenticate(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
	if pr, ok := ks[c.Secret]; ok && c.Kind == modelacl.CredentialToken {
		return pr, nil
	}
	return nil, modelacl.ErrUnknownKey
}

// seen is what the next handler observed.
type seen struct {
	called        bool
	body          []byte
	contentLength int64
	getBody       []byte
	hasGetBody    bool
	header        http.Header
	rawQuery      string
	requestURI    string
	decision      *modelacl.Decision
	hasDecision   bool
}

// recorder is a next handler that records what it was given and answers
// 200.
type recorder struct {
	mu   sync.Mutex
	last seen
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := seen{called: true, contentLength: r.ContentLength, header: r.Header.Clone(),
		rawQuery: r.URL.RawQuery, requestURI: r.RequestURI}
	s.body, _ = io.ReadAll(r.Body)
	if r.GetBody != nil {
		s.hasGetBody = true
		if rc, err := r.GetBody(); err == nil {
			s.getBody, _ = io.ReadAll(rc)
		}
	}
	s.decision, s.hasDecision = modelacl.FromContext(r.Context())
	rec.mu.Lock()
	rec.last = s
	rec.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func newHandler(t testing.TB, o modelacl.Options) (http.Handler, *recorder) {
	t.Helper()
	if o.Policy == nil {
		o.Policy = fixturePolicy(t)
	}
	if o.Authenticate == nil {
		o.Authenticate = fixtureKeys().authenticate
	}
	mw, err := modelacl.New(o)
	require.NoError(t, err)
	rec := &recorder{}
	return mw.Handler(rec), rec
}

// credential placements, as each provider's SDK sends them.
func bearer(r *http.Request, k string)   { r.Header.Set("Authorization", "Bearer "+k) }
func xAPIKey(r *http.Request, k string)  { r.Header.Set("X-Api-Key", k) }
func azureKey(r *http.Request, k string) { r.Header.Set("Api-Key", k) }
func googKey(r *http.Request, k string)  { r.Header.Set("X-Goog-Api-Key", k) }

type dialectName string

const (
	dOpenAI    dialectName = "openai"
	dAnthropic dialectName = "anthropic"
	dBedrock   dialectName = "bedrock"
	dGoogle    dialectName = "google"
)

// assertDialect checks that a refusal is in the client's own error shape.
func assertDialect(t *testing.T, d dialectName, status int, wantKind string, res *http.Response, body []byte) {
	t.Helper()
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), "error body is JSON: %s", body)
	switch d {
	case dOpenAI:
		e, ok := m["error"].(map[string]any)
		require.True(t, ok, "openai shape has an error object: %s", body)
		assert.NotEmpty(t, e["message"])
		assert.Equal(t, wantKind, e["type"], "openai error.type")
		code, isString := e["code"].(string)
		assert.True(t, isString, "openai error.code is a string (openai-go decodes it into a string)")
		assert.Equal(t, http.StatusText(status), http.StatusText(atoi(code)), "openai error.code is the status")
		_, hasParam := e["param"]
		assert.True(t, hasParam, "openai error.param is present")
	case dAnthropic:
		assert.Equal(t, "error", m["type"])
		e, ok := m["error"].(map[string]any)
		require.True(t, ok, "anthropic shape has an error object: %s", body)
		assert.Equal(t, wantKind, e["type"], "anthropic error.type")
		assert.NotEmpty(t, e["message"])
	case dBedrock:
		// aws-sdk-go-v2 restjson1 reads X-Amzn-ErrorType with Header.Get.
		assert.Equal(t, wantKind, res.Header.Get("X-Amzn-ErrorType"))
		assert.NotEmpty(t, m["message"], "bedrock shape has a message")
	case dGoogle:
		e, ok := m["error"].(map[string]any)
		require.True(t, ok, "google shape has an error object: %s", body)
		assert.Equal(t, float64(status), e["code"], "google error.code is the numeric status")
		assert.Equal(t, wantKind, e["status"], "google error.status")
		assert.NotEmpty(t, e["message"])
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// deniedKind is the error kind a model denial carries in each dialect.
var deniedKind = map[dialectName]string{
	dOpenAI:    "key_model_access_denied",
	dAnthropic: "permission_error",
	dBedrock:   "AccessDeniedException",
	dGoogle:    "PERMISSION_DENIED",
}

func multipartBody(t testing.TB, fields map[string]string) (body []byte, contentType string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	fw, err := mw.CreateFormFile("file", "a.wav")
	require.NoError(t, err)
	_, _ = fw.Write([]byte("RIFF\x00\x00\x00\x00WAVEfmt "))
	require.NoError(t, mw.Close())
	return b.Bytes(), mw.FormDataContentType()
}

// shapeCase is one request shape, sent once with the restricted key (the
// model is premium) and once with the allowed key.
type shapeCase struct {
	name        string
	method      string
	target      string
	contentType string
	body        string
	cred        func(*http.Request, string)
	dialect     dialectName
	provider    routeparse.Provider
}

func premiumShapes(t testing.TB) []shapeCase {
	transcription, transcriptionCT := multipartBody(t, map[string]string{"model": "gpt-4o-transcribe"})
	const opusEnc = "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fopusprof1"
	const opusAnthropicSDK = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile%2Fopusprof1"
	const converse = `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`
	const invoke = `{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`
	const gemini = `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`
	return []shapeCase{
		// Bedrock runtime, model in the path, through the gateway prefix.
		{name: "bedrock invoke, geo profile in path", method: "POST", target: "/bedrock/model/global.anthropic.claude-opus-4-7/invoke",
			contentType: "application/json", body: invoke, cred: bearer, dialect: dBedrock, provider: routeparse.Bedrock},
		{name: "bedrock invoke-with-response-stream", method: "POST", target: "/bedrock/model/global.anthropic.claude-opus-4-7/invoke-with-response-stream",
			contentType: "application/json", body: invoke, cred: bearer, dialect: dBedrock, provider: routeparse.Bedrock},
		{name: "bedrock converse", method: "POST", target: "/bedrock/model/global.anthropic.claude-opus-4-7/converse",
			contentType: "application/json", body: converse, cred: bearer, dialect: dBedrock, provider: routeparse.Bedrock},
		{name: "bedrock converse-stream", method: "POST", target: "/bedrock/model/global.anthropic.claude-opus-4-7/converse-stream",
			contentType: "application/json", body: converse, cred: bearer, dialect: dBedrock, provider: routeparse.Bedrock},
		{name: "bedrock count-tokens", method: "POST", target: "/bedrock/model/global.anthropic.claude-opus-4-7/count-tokens",
			contentType: "application/json", body: `{"input":{"converse":{"messages":[]}}}`, cred: bearer, dialect: dBedrock, provider: routeparse.Bedrock},
		{name: "bedrock without gateway prefix", method: "POST", target: "/model/global.anthropic.claude-opus-4-7/converse",
			contentType: "application/json", body: converse, cred: bearer, dialect: dBedrock, provider: routeparse.Bedrock},
		{name: "bedrock app profile ARN fully escaped (AWS SDK)", method: "POST", target: "/bedrock/model/" + opusEnc + "/converse",
			contentType: "application/json", body: converse, cred: bearer, dialect: dBedrock, provider: routeparse.Bedrock},
		{name: "bedrock app profile ARN with literal colons (Anthropic SDK)", method: "POST", target: "/bedrock/model/" + opusAnthropicSDK + "/invoke",
			contentType: "application/json", body: invoke, cred: bearer, dialect: dBedrock, provider: routeparse.Bedrock},
		{name: "bedrock app profile ARN with a raw slash", method: "POST", target: "/bedrock/model/" + opusProfile + "/invoke",
			contentType: "application/json", body: invoke, cred: bearer, dialect: dBedrock, provider: routeparse.Bedrock},
		{name: "bedrock app profile short form", method: "POST", target: "/bedrock/model/application-inference-profile/opusprof1/converse-stream",
			contentType: "application/json", body: converse, cred: bearer, dialect: dBedrock, provider: routeparse.Bedrock},
		{name: "bedrock async invoke, model in body", method: "POST", target: "/bedrock/async-invoke",
			contentType: "application/json", body: `{"modelId":"global.anthropic.claude-opus-4-7","modelInput":{},"outputDataConfig":{"s3OutputDataConfig":{"s3Uri":"s3://b/k"}}}`,
			cred: bearer, dialect: dBedrock, provider: routeparse.Bedrock},

		// Azure OpenAI: deployment in the path.
		{name: "azure deployment chat", method: "POST", target: "/openai/deployments/prod-gpt-4o/chat/completions?api-version=2024-10-21",
			contentType: "application/json", body: `{"messages":[{"role":"user","content":"hi"}]}`, cred: azureKey, dialect: dOpenAI, provider: routeparse.Azure},
		{name: "azure deployment embeddings", method: "POST", target: "/openai/deployments/prod-gpt-4o/embeddings?api-version=2024-10-21",
			contentType: "application/json", body: `{"input":"hi"}`, cred: azureKey, dialect: dOpenAI, provider: routeparse.Azure},

		// Gemini API and Vertex AI: model in the path.
		{name: "gemini generateContent", method: "POST", target: "/v1beta/models/gemini-2.5-pro:generateContent",
			contentType: "application/json", body: gemini, cred: googKey, dialect: dGoogle, provider: routeparse.Gemini},
		{name: "gemini streamGenerateContent behind prefix", method: "POST", target: "/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
			contentType: "application/json", body: gemini, cred: googKey, dialect: dGoogle, provider: routeparse.Gemini},
		{name: "gemini countTokens", method: "POST", target: "/v1beta/models/gemini-2.5-pro:countTokens",
			contentType: "application/json", body: gemini, cred: googKey, dialect: dGoogle, provider: routeparse.Gemini},
		{name: "vertex google publisher", method: "POST", target: "/vertex_ai/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent",
			contentType: "application/json", body: gemini, cred: bearer, dialect: dGoogle, provider: routeparse.Vertex},
		{name: "vertex anthropic publisher rawPredict", method: "POST", target: "/vertex_ai/v1/projects/p1/locations/us-east5/publishers/anthropic/models/claude-opus-4-7:rawPredict",
			contentType: "application/json", body: `{"anthropic_version":"vertex-2023-10-16","max_tokens":16,"messages":[]}`, cred: bearer, dialect: dAnthropic, provider: routeparse.Vertex},
		{name: "vertex anthropic publisher streamRawPredict", method: "POST", target: "/vertex_ai/v1/projects/p1/locations/us-east5/publishers/anthropic/models/claude-opus-4-7:streamRawPredict",
			contentType: "application/json", body: `{"anthropic_version":"vertex-2023-10-16","max_tokens":16,"messages":[],"stream":true}`, cred: bearer, dialect: dAnthropic, provider: routeparse.Vertex},
		// anthropic-sdk-go's bedrock option, given a base URL with a path,
		// posts Anthropic Messages to {prefix}/v1/messages: the model is a
		// Bedrock ID, the client parses Anthropic error bodies.
		{name: "anthropic sdk bedrock option under the prefix", method: "POST", target: "/bedrock/v1/messages",
			contentType: "application/json", body: `{"model":"global.anthropic.claude-opus-4-7","anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[]}`, cred: bearer, dialect: dAnthropic, provider: routeparse.Bedrock},

		// Unified routes: model in the body.
		{name: "openai chat completions", method: "POST", target: "/v1/chat/completions",
			contentType: "application/json", body: `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`, cred: bearer, dialect: dOpenAI, provider: routeparse.OpenAI},
		{name: "openai chat completions without /v1", method: "POST", target: "/chat/completions",
			contentType: "application/json", body: `{"model":"gpt-4o","messages":[]}`, cred: bearer, dialect: dOpenAI, provider: routeparse.OpenAI},
		{name: "openai responses", method: "POST", target: "/v1/responses",
			contentType: "application/json", body: `{"model":"gpt-4o","input":"hi"}`, cred: bearer, dialect: dOpenAI, provider: routeparse.OpenAI},
		{name: "openai embeddings", method: "POST", target: "/v1/embeddings",
			contentType: "application/json", body: `{"model":"text-embedding-3-large","input":"hi"}`, cred: bearer, dialect: dOpenAI, provider: routeparse.OpenAI},
		{name: "openai fallbacks name a premium model", method: "POST", target: "/v1/chat/completions",
			contentType: "application/json", body: `{"model":"gpt-4o-mini","fallbacks":["gpt-4o"],"messages":[]}`, cred: bearer, dialect: dOpenAI, provider: routeparse.OpenAI},
		{name: "openai multipart transcription", method: "POST", target: "/v1/audio/transcriptions",
			contentType: transcriptionCT, body: string(transcription), cred: bearer, dialect: dOpenAI, provider: routeparse.OpenAI},
		{name: "openai realtime model in query", method: "GET", target: "/v1/realtime?model=gpt-4o-realtime-preview",
			cred: bearer, dialect: dOpenAI, provider: routeparse.OpenAI},
		{name: "anthropic messages", method: "POST", target: "/v1/messages",
			contentType: "application/json", body: `{"model":"claude-opus-4-7","max_tokens":16,"messages":[]}`, cred: xAPIKey, dialect: dAnthropic, provider: routeparse.Anthropic},
		{name: "anthropic messages behind prefix", method: "POST", target: "/anthropic/v1/messages",
			contentType: "application/json", body: `{"model":"claude-opus-4-7","max_tokens":16,"messages":[]}`, cred: xAPIKey, dialect: dAnthropic, provider: routeparse.Anthropic},
		{name: "anthropic count_tokens", method: "POST", target: "/v1/messages/count_tokens",
			contentType: "application/json", body: `{"model":"claude-opus-4-7","messages":[]}`, cred: xAPIKey, dialect: dAnthropic, provider: routeparse.Anthropic},
	}
}

func send(h http.Handler, method, target, contentType string, body []byte, cred func(*http.Request, string), key string) (*http.Response, []byte) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if cred != nil {
		cred(r, key)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	out, _ := io.ReadAll(res.Body)
	return res, out
}

func bodyOrNil(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

func TestMiddlewareEveryShape(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{})
	for _, tc := range premiumShapes(t) {
		t.Run(tc.name, func(t *testing.T) {
			body := bodyOrNil(tc.body)

			rec.last = seen{}
			res, out := send(h, tc.method, tc.target, tc.contentType, body, tc.cred, restrictedKey)
			require.Equal(t, http.StatusForbidden, res.StatusCode, "restricted key is denied: %s", out)
			assert.False(t, rec.last.called, "next handler must not run for a denied request")
			assertDialect(t, tc.dialect, http.StatusForbidden, deniedKind[tc.dialect], res, out)
			assert.NotContains(t, string(out), restrictedKey, "the key is never echoed")
			assert.NotContains(t, string(out), "common-models", "the allowlist is never echoed")

			rec.last = seen{}
			res, out = send(h, tc.method, tc.target, tc.contentType, body, tc.cred, allowedKey)
			require.Equal(t, http.StatusOK, res.StatusCode, "allowed key passes: %s", out)
			require.True(t, rec.last.called)
			assert.True(t, bytes.Equal(body, rec.last.body) || (len(body) == 0 && len(rec.last.body) == 0),
				"next handler gets the exact original body")
			require.True(t, rec.last.hasDecision, "decision is in the context")
			if len(body) > 0 {
				assert.Equal(t, int64(len(body)), rec.last.contentLength)
			}
			if len(body) > 0 && rec.last.decision.Route.Body != routeparse.BodyNone {
				// The middleware read the body: it must hand on a replayable copy.
				assert.True(t, rec.last.hasGetBody)
				assert.Equal(t, body, rec.last.getBody, "GetBody replays the exact original body")
			}
			assert.True(t, rec.last.decision.Allowed)
			assert.Equal(t, tc.provider, rec.last.decision.Route.Provider)
			assert.Equal(t, "key-allowed", rec.last.decision.KeyID)
			assert.NotEmpty(t, rec.last.decision.Grants(), "the authorized-as names are handed on")
			assert.Empty(t, rec.last.header.Values("Authorization"), "credentials are stripped")
			assert.Empty(t, rec.last.header.Values("X-Api-Key"))
			assert.Empty(t, rec.last.header.Values("Api-Key"))
			assert.Empty(t, rec.last.header.Values("X-Goog-Api-Key"))
		})
	}
}

func TestMiddlewareCheapModelsPassForRestrictedKey(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{})
	tests := []struct {
		name, method, target, body string
		cred                       func(*http.Request, string)
	}{
		{"bedrock converse on a common model", "POST", "/bedrock/model/global.anthropic.claude-haiku-4-5/converse", `{"messages":[]}`, bearer},
		{"azure deployment of a common model", "POST", "/openai/deployments/prod-gpt-4o-mini/chat/completions?api-version=2024-10-21", `{"messages":[]}`, azureKey},
		{"gemini common model", "POST", "/v1beta/models/gemini-2.5-flash:generateContent", `{"contents":[]}`, googKey},
		{"openai chat common model", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","messages":[]}`, bearer},
		{"anthropic messages common model", "POST", "/v1/messages", `{"model":"claude-haiku-4-5","max_tokens":1,"messages":[]}`, xAPIKey},
		{"model listing is model-free", "GET", "/v1/models", "", bearer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.last = seen{}
			res, out := send(h, tt.method, tt.target, "application/json", bodyOrNil(tt.body), tt.cred, restrictedKey)
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", out)
			require.True(t, rec.last.called)
			assert.Equal(t, tt.body, string(rec.last.body))
		})
	}
}

func TestMiddlewareRefusesMalformedAndAmbiguousRequests(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{})
	tests := []struct {
		name, method, target, body string
		cred                       func(*http.Request, string)
		status                     int
		dialect                    dialectName
		kind                       string
	}{
		{"query model disagrees with body model", "POST", "/v1/chat/completions?model=gpt-4o-mini", `{"model":"gpt-4o","messages":[]}`,
			bearer, 400, dOpenAI, "invalid_request_error"},
		{"duplicate model keys in body", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","model":"gpt-4o"}`,
			bearer, 400, dOpenAI, "invalid_request_error"},
		{"escaped duplicate model key", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","\u006dodel":"gpt-4o"}`,
			bearer, 400, dOpenAI, "invalid_request_error"},
		{"case-variant model key encoding/json would bind", "POST", "/v1/chat/completions", `{"Model":"gpt-4o"}`,
			bearer, 400, dOpenAI, "invalid_request_error"},
		{"no model on a model-bearing route", "POST", "/v1/messages", `{"max_tokens":1,"messages":[]}`,
			xAPIKey, 400, dAnthropic, "invalid_request_error"},
		{"non-string model", "POST", "/v1/messages", `{"model":{"id":"claude-opus-4-7"}}`,
			xAPIKey, 400, dAnthropic, "invalid_request_error"},
		{"invalid json", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini"`,
			bearer, 400, dOpenAI, "invalid_request_error"},
		{"dot segments in a bedrock path", "POST", "/bedrock/model/x/../global.anthropic.claude-opus-4-7/invoke", `{}`,
			bearer, 400, dOpenAI, "invalid_request_error"},
		{"unknown action under the bedrock prefix", "POST", "/bedrock/model/global.anthropic.claude-opus-4-7/invoke-everything", `{}`,
			bearer, 400, dOpenAI, "invalid_request_error"},
		{"unknown route", "POST", "/v9/do-anything", `{"model":"gpt-4o"}`,
			bearer, 404, dOpenAI, "invalid_request_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.last = seen{}
			res, out := send(h, tt.method, tt.target, "application/json", bodyOrNil(tt.body), tt.cred, allowedKey)
			require.Equal(t, tt.status, res.StatusCode, "%s", out)
			assert.False(t, rec.last.called)
			assertDialect(t, tt.dialect, tt.status, tt.kind, res, out)
		})
	}
}

func TestMiddlewareAuthentication(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{})
	tests := []struct {
		name   string
		method string
		target string
		body   string
		setup  func(*http.Request)
	}{
		{"unknown key on a model route", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini"}`,
			func(r *http.Request) { bearer(r, "sk-nobody") }},
		{"unknown key on a model-free route", "GET", "/v1/models", "",
			func(r *http.Request) { bearer(r, "sk-nobody") }},
		{"no key at all", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini"}`, func(*http.Request) {}},
		{"allowed key plus a different x-api-key", "POST", "/v1/messages", `{"model":"claude-haiku-4-5"}`,
			func(r *http.Request) { bearer(r, allowedKey); xAPIKey(r, restrictedKey) }},
		{"basic auth", "GET", "/v1/models", "", func(r *http.Request) { r.SetBasicAuth("u", allowedKey) }},
		{"sigv4 access key id the host does not accept", "POST", "/bedrock/model/global.anthropic.claude-haiku-4-5/converse", `{}`,
			func(r *http.Request) { r.Header.Set("Authorization", sigV4Auth) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.last = seen{}
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/json")
			tt.setup(r)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
			assert.False(t, rec.last.called)
			assert.NotContains(t, w.Body.String(), allowedKey)
			assert.NotContains(t, w.Body.String(), "sk-nobody")
		})
	}
}

func TestMiddlewareAuthenticateFailureIsInternal(t *testing.T) {
	backendErr := errors.New("key store down: dial tcp 10.0.0.7:5432: secret-host")
	h, rec := newHandler(t, modelacl.Options{
		Authenticate: func(*http.Request, modelacl.Credential) (*modelacl.Principal, error) { return nil, backendErr },
	})
	res, out := send(h, "POST", "/v1/chat/completions", "application/json", []byte(`{"model":"gpt-4o-mini"}`), bearer, allowedKey)
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.False(t, rec.last.called)
	assert.NotContains(t, string(out), "secret-host", "the host's error text is not shown to the client")
}

func TestMiddlewareNilPrincipalIsUnknownKey(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{
		Authenticate: func(*http.Request, modelacl.Credential) (*modelacl.Principal, error) { return nil, nil },
	})
	res, _ := send(h, "GET", "/v1/models", "", nil, bearer, allowedKey)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.False(t, rec.last.called)
}

func TestMiddlewareDenyStatus401(t *testing.T) {
	h, _ := newHandler(t, modelacl.Options{DenyStatus: http.StatusUnauthorized})
	res, out := send(h, "POST", "/v1/chat/completions", "application/json", []byte(`{"model":"gpt-4o"}`), bearer, restrictedKey)
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assertDialect(t, dOpenAI, http.StatusUnauthorized, "key_model_access_denied", res, out)
	assert.Contains(t, string(out), `\"gpt-4o\"`, "the model is quoted")
}

func TestMiddlewareDeniedTypeNamesTheScope(t *testing.T) {
	keys := keyStore{
		"sk-team": {KeyID: "k1", Key: modelacl.AllowAll(), TeamID: "t1", Team: modelacl.Allow("common-models")},
		"sk-user": {KeyID: "k2", Key: modelacl.AllowAll(), UserID: "u1", User: modelacl.Allow("common-models")},
	}
	h, _ := newHandler(t, modelacl.Options{Authenticate: keys.authenticate})
	for key, want := range map[string]string{"sk-team": "team_model_access_denied", "sk-user": "user_model_access_denied"} {
		res, out := send(h, "POST", "/v1/chat/completions", "application/json", []byte(`{"model":"gpt-4o"}`), bearer, key)
		require.Equal(t, http.StatusForbidden, res.StatusCode)
		assertDialect(t, dOpenAI, http.StatusForbidden, want, res, out)
	}
}

func TestMiddlewareReportOnly(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	var decisions []*modelacl.Decision
	h, rec := newHandler(t, modelacl.Options{
		ReportOnly: true,
		Logger:     slog.New(slog.NewJSONHandler(&logs, nil)),
		OnDecision: func(_ context.Context, d *modelacl.Decision) {
			mu.Lock()
			decisions = append(decisions, d)
			mu.Unlock()
		},
	})
	body := []byte(`{"model":"gpt-4o","messages":[]}`)
	res, _ := send(h, "POST", "/v1/chat/completions", "application/json", body, bearer, restrictedKey)
	require.Equal(t, http.StatusOK, res.StatusCode, "report-only lets the would-be denial through")
	require.True(t, rec.last.called)
	assert.Equal(t, body, rec.last.body)
	require.True(t, rec.last.hasDecision)
	assert.False(t, rec.last.decision.Allowed, "the handler can see it was a would-be denial")
	assert.Equal(t, "gpt-4o", rec.last.decision.Denied)
	require.Len(t, decisions, 1)
	assert.False(t, decisions[0].Allowed)
	assert.Equal(t, modelacl.ScopeKey, decisions[0].Scope)
	assert.Contains(t, logs.String(), "would deny")
	assert.NotContains(t, logs.String(), restrictedKey, "the secret is never logged")
	assert.Empty(t, rec.last.header.Values("Authorization"), "credentials are stripped in report-only too")

	rec.last = seen{}
	res, _ = send(h, "POST", "/v1/chat/completions", "application/json", body, bearer, "sk-nobody")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "report-only never relaxes authentication")
	assert.False(t, rec.last.called)
}

func TestMiddlewareLogsOneLinePerDecisionWithoutSecrets(t *testing.T) {
	var logs bytes.Buffer
	debug := &slog.HandlerOptions{Level: slog.LevelDebug}
	h, _ := newHandler(t, modelacl.Options{Logger: slog.New(slog.NewJSONHandler(&logs, debug))})
	send(h, "POST", "/v1/chat/completions", "application/json", []byte(`{"model":"gpt-4o-mini"}`), bearer, restrictedKey)
	send(h, "POST", "/bedrock/model/global.anthropic.claude-opus-4-7/invoke", "application/json", []byte(`{}`), bearer, restrictedKey)
	send(h, "POST", "/v1/chat/completions", "application/json", []byte(`{"model":"gpt-4o"}`), bearer, "sk-nobody")

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 3)
	var allow, deny map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &allow))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &deny))
	assert.Equal(t, true, allow["allowed"])
	assert.Equal(t, "DEBUG", allow["level"], "allowed requests log at Debug, off the hot path at the usual Info level")
	assert.Equal(t, "key-restricted", allow["key_id"])
	assert.Equal(t, false, deny["allowed"])
	assert.Equal(t, "WARN", deny["level"])
	assert.Equal(t, "bedrock", deny["provider"])
	assert.Equal(t, "invoke", deny["operation"])
	assert.Equal(t, "key", deny["scope"])
	assert.Equal(t, float64(403), deny["status"])
	assert.NotContains(t, logs.String(), restrictedKey)
	assert.NotContains(t, logs.String(), "sk-nobody")

	// At Info, the level hosts usually run at, an allow writes nothing and
	// a denial is still audited.
	logs.Reset()
	h, _ = newHandler(t, modelacl.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	send(h, "POST", "/v1/chat/completions", "application/json", []byte(`{"model":"gpt-4o-mini"}`), bearer, restrictedKey)
	assert.Empty(t, logs.String())
	send(h, "POST", "/bedrock/model/global.anthropic.claude-opus-4-7/invoke", "application/json", []byte(`{}`), bearer, restrictedKey)
	assert.Contains(t, logs.String(), `"level":"WARN"`)
}

func TestMiddlewareBodyTooLarge(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{MaxBodyBytes: 1024})
	big := []byte(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"` + strings.Repeat("a", 2048) + `"}]}`)

	t.Run("content-length over the limit is refused unread", func(t *testing.T) {
		rec.last = seen{}
		cr := &countingReader{r: bytes.NewReader(big)}
		r := httptest.NewRequest("POST", "/v1/chat/completions", cr)
		r.ContentLength = int64(len(big))
		bearer(r, allowedKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
		assert.False(t, rec.last.called, "nothing is forwarded")
		assert.Zero(t, cr.n, "the body is not read when Content-Length already says too large")
	})
	t.Run("chunked body over the limit is cut at the limit", func(t *testing.T) {
		rec.last = seen{}
		cr := &countingReader{r: bytes.NewReader(big)}
		r := httptest.NewRequest("POST", "/v1/chat/completions", cr)
		r.ContentLength = -1
		bearer(r, allowedKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
		assertDialect(t, dOpenAI, 413, "invalid_request_error", w.Result(), w.Body.Bytes())
		assert.False(t, rec.last.called, "nothing is forwarded")
		assert.LessOrEqual(t, cr.n, 1025, "never reads more than the limit plus one byte")
	})
	t.Run("body at the limit passes", func(t *testing.T) {
		rec.last = seen{}
		exact := []byte(`{"model":"gpt-4o-mini","pad":"` + strings.Repeat("b", 1024-len(`{"model":"gpt-4o-mini","pad":""}`)) + `"}`)
		require.Len(t, exact, 1024)
		r := httptest.NewRequest("POST", "/v1/chat/completions", bytes.NewReader(exact))
		r.ContentLength = -1
		bearer(r, allowedKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Equal(t, exact, rec.last.body)
		assert.Equal(t, int64(1024), rec.last.contentLength, "the length is known once the body is buffered")
	})
	t.Run("over the limit under report-only is forwarded whole", func(t *testing.T) {
		h, rec := newHandler(t, modelacl.Options{MaxBodyBytes: 1024, ReportOnly: true})
		r := httptest.NewRequest("POST", "/v1/chat/completions", bytes.NewReader(big))
		r.ContentLength = -1
		bearer(r, allowedKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, big, rec.last.body, "the part read and the rest are handed on in order")
	})
	t.Run("gzip bomb is bounded by the decoded limit", func(t *testing.T) {
		rec.last = seen{}
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		_, _ = zw.Write([]byte(`{"model":"gpt-4o-mini","pad":"` + strings.Repeat("0", 200<<10) + `"}`))
		require.NoError(t, zw.Close())
		require.Less(t, zb.Len(), 1024, "compressed it fits")
		r := httptest.NewRequest("POST", "/v1/chat/completions", bytes.NewReader(zb.Bytes()))
		r.Header.Set("Content-Encoding", "gzip")
		bearer(r, allowedKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code, w.Body.String())
		assert.False(t, rec.last.called)
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestMiddlewareGzipBodyIsForwardedCompressed(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{})
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	_, _ = zw.Write([]byte(`{"model":"gpt-4o","messages":[]}`))
	require.NoError(t, zw.Close())
	for key, status := range map[string]int{restrictedKey: 403, allowedKey: 200} {
		rec.last = seen{}
		r := httptest.NewRequest("POST", "/v1/chat/completions", bytes.NewReader(zb.Bytes()))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Content-Encoding", "gzip")
		bearer(r, key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(t, status, w.Code, "the compressed model is inspected: %s", w.Body.String())
		if status == 200 {
			assert.Equal(t, zb.Bytes(), rec.last.body, "the forwarded bytes are the compressed original")
			assert.Equal(t, "gzip", rec.last.header.Get("Content-Encoding"))
		}
	}
}

func TestMiddlewareGetBodyReplaysTheOriginal(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{})
	body := []byte(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"héllo"}]}`)
	res, _ := send(h, "POST", "/v1/chat/completions", "application/json", body, bearer, allowedKey)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.True(t, rec.last.hasGetBody)
	assert.Equal(t, body, rec.last.body)
	assert.Equal(t, body, rec.last.getBody)
	assert.Equal(t, int64(len(body)), rec.last.contentLength)
}

func TestMiddlewareStripsCredentialsAndGatewayHeaders(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{StripHeaders: []string{"x-gateway-user"}})
	r := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(`{"model":"gpt-4o-mini"}`))
	bearer(r, allowedKey)
	r.Header.Set("X-Api-Key", allowedKey)
	r.Header.Set("Proxy-Authorization", "Basic eA==")
	r.Header.Set("X-Amz-Security-Token", "tok")
	r.Header.Set("X-Amz-Date", "20260101T000000Z")
	r.Header["x_api_key"] = []string{"smuggled-underscore"}
	r.Header["x-goog-api-key"] = []string{allowedKey} // non-canonical spelling set by Go code
	r.Header.Set("X-Gateway-User", "admin")
	r.Header["X_Gateway_User"] = []string{"admin"}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Request-Id", "keep-me")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	for k := range rec.last.header {
		lk := strings.ToLower(strings.ReplaceAll(k, "_", "-"))
		for _, gone := range []string{"authorization", "x-api-key", "proxy-authorization", "x-amz-security-token", "x-amz-date", "x-goog-api-key", "x-gateway-user"} {
			assert.NotEqual(t, gone, lk, "header %q reached the next handler", k)
		}
	}
	assert.Equal(t, "keep-me", rec.last.header.Get("X-Request-Id"))
	assert.Equal(t, "application/json", rec.last.header.Get("Content-Type"))
}

func TestMiddlewareStripsQueryKey(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{})
	r := httptest.NewRequest("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key="+restrictedKey+"&x=1",
		strings.NewReader(`{"contents":[]}`))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "alt=sse&x=1", rec.last.rawQuery)
	assert.NotContains(t, rec.last.requestURI, restrictedKey)
	assert.Contains(t, r.URL.RawQuery, restrictedKey, "the caller's own URL is not modified")
}

func TestMiddlewareNoPolicyLoaded(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{Policy: modelacl.NewStore(nil)})
	res, out := send(h, "POST", "/v1/messages", "application/json", []byte(`{"model":"claude-haiku-4-5"}`), xAPIKey, allowedKey)
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assertDialect(t, dAnthropic, 503, "api_error", res, out)
	assert.False(t, rec.last.called)
}

func TestMiddlewarePolicyReloadTakesEffect(t *testing.T) {
	store := modelacl.NewStore(fixturePolicy(t))
	h, _ := newHandler(t, modelacl.Options{Policy: store})
	body := []byte(`{"model":"gpt-4o","messages":[]}`)
	res, _ := send(h, "POST", "/v1/chat/completions", "application/json", body, bearer, allowedKey)
	require.Equal(t, http.StatusOK, res.StatusCode)

	cfg := fixtureConfig()
	for i := range cfg.ModelList {
		if cfg.ModelList[i].ModelName == "gpt-4o" {
			cfg.ModelList[i].ModelInfo.AccessGroups = []string{"retired-models"}
		}
	}
	p, err := modelacl.Compile(cfg)
	require.NoError(t, err)
	store.Store(p)
	res, _ = send(h, "POST", "/v1/chat/completions", "application/json", body, bearer, allowedKey)
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "the next request sees the new policy")
}

func TestMiddlewareUnknownRoutes(t *testing.T) {
	t.Run("refused by default", func(t *testing.T) {
		h, rec := newHandler(t, modelacl.Options{})
		res, _ := send(h, "GET", "/dashboard/usage", "", nil, bearer, allowedKey)
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
		assert.False(t, rec.last.called)
	})
	t.Run("read-only pass-through when enabled", func(t *testing.T) {
		h, rec := newHandler(t, modelacl.Options{UnsafeAllowUnknownReadOnly: true})
		res, _ := send(h, "GET", "/dashboard/usage", "", nil, bearer, allowedKey)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.True(t, rec.last.called)
		assert.False(t, rec.last.hasDecision, "no decision for a route that was not classified")
		assert.Empty(t, rec.last.header.Values("Authorization"))

		rec.last = seen{}
		res, _ = send(h, "GET", "/dashboard/usage", "", nil, bearer, "sk-nobody")
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "still authenticated")
		assert.False(t, rec.last.called)

		res, _ = send(h, "POST", "/dashboard/usage", "application/json", []byte(`{"model":"gpt-4o"}`), bearer, allowedKey)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, "only GET and HEAD pass")
		res, _ = send(h, "GET", "/bedrock/model/x/../y/invoke", "", nil, bearer, allowedKey)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "malformed paths never pass")
	})
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	p := fixturePolicy(t)
	auth := fixtureKeys().authenticate
	tests := []struct {
		name string
		o    modelacl.Options
	}{
		{"no policy", modelacl.Options{Authenticate: auth}},
		{"no authenticate", modelacl.Options{Policy: p}},
		{"deny status 200 would turn denials into successes", modelacl.Options{Policy: p, Authenticate: auth, DenyStatus: 200}},
		{"deny status 404", modelacl.Options{Policy: p, Authenticate: auth, DenyStatus: 404}},
		{"negative body limit", modelacl.Options{Policy: p, Authenticate: auth, MaxBodyBytes: -1}},
		{"strip header with a colon", modelacl.Options{Policy: p, Authenticate: auth, StripHeaders: []string{"X-A: b"}}},
		{"parser prefix that could never match", modelacl.Options{Policy: p, Authenticate: auth,
			Parser: &routeparse.Parser{Prefixes: routeparse.Prefixes{Bedrock: "bedrock/"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := modelacl.New(tt.o)
			assert.Error(t, err)
			assert.Nil(t, mw)
			assert.Panics(t, func() { modelacl.MustNew(tt.o) })
		})
	}
}

func TestMiddlewareConcurrentRequestsAndReload(t *testing.T) {
	store := modelacl.NewStore(fixturePolicy(t))
	h, _ := newHandler(t, modelacl.Options{Policy: store})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				key, model, want := allowedKey, "gpt-4o", http.StatusOK
				if (i+j)%2 == 1 {
					key, want = restrictedKey, http.StatusForbidden
				}
				res, out := send(h, "POST", "/v1/chat/completions", "application/json", []byte(`{"model":"`+model+`"}`), bearer, key)
				if res.StatusCode != want {
					t.Errorf("status %d, want %d: %s", res.StatusCode, want, out)
					return
				}
			}
		}()
	}
	for range 20 {
		store.Store(fixturePolicy(t))
	}
	wg.Wait()
}

func TestMiddlewareRefusesSeveralContentTypes(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{})
	r := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(`{"model":"gpt-4o-mini"}`))
	r.Header.Add("Content-Type", "application/json")
	r.Header.Add("Content-Type", "multipart/form-data; boundary=x")
	bearer(r, allowedKey)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.False(t, rec.last.called)
}

func TestMiddlewareOnDecisionSeesGrants(t *testing.T) {
	var got []modelacl.Decision
	h, _ := newHandler(t, modelacl.Options{OnDecision: func(_ context.Context, d *modelacl.Decision) { got = append(got, *d) }})
	res, _ := send(h, "POST", "/v1/chat/completions", "application/json",
		[]byte(`{"model":"gpt-4o-mini","fallbacks":["gpt-4o-mini","text-embedding-3-small"]}`), bearer, restrictedKey)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Len(t, got, 1)
	assert.True(t, got[0].Allowed)
	assert.Equal(t, "key-restricted", got[0].KeyID)
	var groups []string
	for _, g := range got[0].Grants() {
		groups = append(groups, g.Group)
	}
	assert.Equal(t, []string{"gpt-4o-mini", "gpt-4o-mini", "text-embedding-3-small"}, groups, "every named model, fallbacks included, is authorized")
}

func TestChecker(t *testing.T) {
	c := modelacl.Checker{Policy: fixturePolicy(t)}
	keys := fixtureKeys()
	restricted, allowed := keys[restrictedKey], keys[allowedKey]

	t.Run("native bedrock ID resolves to its group", func(t *testing.T) {
		d, err := c.CheckNative(allowed, routeparse.Bedrock, "global.anthropic.claude-opus-4-7")
		require.NoError(t, err)
		require.Len(t, d.Grants(), 1)
		assert.Equal(t, "claude-opus-4-7", d.Grants()[0].Group)

		d, err = c.CheckNative(restricted, routeparse.Bedrock, "global.anthropic.claude-opus-4-7")
		require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
		assert.False(t, d.Allowed)
		assert.Contains(t, err.Error(), `"global.anthropic.claude-opus-4-7"`, "the error names the ID the caller sent")
	})
	t.Run("foundation model ARN of an unconfigured model is denied", func(t *testing.T) {
		_, err := c.CheckNative(allowed, routeparse.Bedrock, "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-opus-20240229-v1:0")
		require.Error(t, err)
	})
	t.Run("batch lines: one denied line denies the batch", func(t *testing.T) {
		_, err := c.CheckModels(restricted, "gpt-4o-mini", "gpt-4o-mini", "gpt-4o")
		var de *modelacl.DenyError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, "gpt-4o", de.Model)
		assert.Equal(t, modelacl.ScopeKey, de.Scope)
	})
	t.Run("router fallback to a model outside the allowlist", func(t *testing.T) {
		d, err := c.CheckModels(restricted, "gpt-4o-mini")
		require.NoError(t, err)
		assert.True(t, d.Allowed)
		_, err = c.CheckModels(restricted, "claude-opus-4-7")
		require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
	})
	t.Run("no names", func(t *testing.T) {
		_, err := c.CheckModels(allowed)
		require.Error(t, err)
	})
	t.Run("zero checker has no policy", func(t *testing.T) {
		d, err := modelacl.Checker{}.CheckModels(allowed, "gpt-4o-mini")
		require.ErrorIs(t, err, modelacl.ErrNoPolicy)
		assert.False(t, d.Allowed)
	})
	t.Run("route checked like the middleware does", func(t *testing.T) {
		var p routeparse.Parser
		rt, err := p.ParseRequest("POST", "/bedrock/model/global.anthropic.claude-opus-4-7/invoke", "", nil)
		require.NoError(t, err)
		_, err = c.CheckRoute(restricted, &rt)
		require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
		d, err := c.CheckRoute(allowed, &rt)
		require.NoError(t, err)
		assert.Equal(t, routeparse.Bedrock, d.Route.Provider)
		assert.Equal(t, routeparse.OpInvoke, d.Route.Operation)
	})
	t.Run("body never parsed", func(t *testing.T) {
		var p routeparse.Parser
		rt, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
		require.NoError(t, err)
		d, err := c.CheckRoute(allowed, &rt) // ParseBody was never called
		require.ErrorIs(t, err, modelacl.ErrRouteIncomplete)
		assert.False(t, d.Allowed)
	})
	t.Run("body parse failed", func(t *testing.T) {
		var p routeparse.Parser
		rt, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
		require.NoError(t, err)
		require.Error(t, p.ParseBody(&rt, "application/json", "", []byte(`{"model":"gpt-4o-mini","model":"claude-opus-4-7"}`), 0))
		_, err = c.CheckRoute(allowed, &rt)
		require.ErrorIs(t, err, modelacl.ErrRouteIncomplete)
	})
	t.Run("model-bearing route with no model", func(t *testing.T) {
		var p routeparse.Parser
		rt, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
		require.NoError(t, err)
		err = p.ParseBody(&rt, "application/json", "", []byte(`{"messages":[]}`), 0)
		require.ErrorIs(t, err, routeparse.ErrNoModel)
		_, err = c.CheckRoute(allowed, &rt)
		require.Error(t, err)
	})
}
