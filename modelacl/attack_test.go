package modelacl_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// Attacks on the middleware: every request here is built by someone who
// holds a key limited to the access group "common-models" and wants
// claude-opus-4-7 (or another model outside the group) anyway. Each case
// asserts the fail-closed outcome (a 4xx and the next handler never
// called) or, where passing is correct, that the next handler gets the
// exact bytes and a Decision naming exactly the model that is dispatched.
//
// Cases that expose a confirmed bypass carry a bypass reason and are
// skipped so the package stays green; run them with ATK_SHOW_BYPASS=1 to
// see them fail (and to check a fix: a fixed case then passes).

const (
	atkRestricted = "sk-atk-restricted-7f3a" // common-models only
	atkAliased    = "sk-atk-aliased-91c2"    // common-models, with hostile-looking aliases
	atkProfileID  = "atkprof77"
	atkProfileARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/" + atkProfileID
	atkOpusARNFM  = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-7-v1:0"
	atkOpusIPARN  = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-opus-4-7"
	atkChatTail   = `,"messages":[{"role":"user","content":"hi"}]}`
)

func atkConfig() modelacl.Config {
	dep := func(name, model, modelID string, groups ...string) modelacl.Deployment {
		return modelacl.Deployment{
			ModelName:     name,
			LiteLLMParams: modelacl.LiteLLMParams{Model: model, ModelID: modelID},
			ModelInfo:     modelacl.ModelInfo{AccessGroups: groups},
		}
	}
	return modelacl.Config{ModelList: []modelacl.Deployment{
		dep("claude-haiku-4-5", "bedrock/global.anthropic.claude-haiku-4-5", "", "common-models"),
		dep("claude-opus-4-7", "bedrock/global.anthropic.claude-opus-4-7", atkProfileARN),
		dep("claude-opus-base", "bedrock/anthropic.claude-opus-4-7-v1:0", ""),
		dep("gpt-4o-mini", "openai/gpt-4o-mini", "", "common-models"),
		dep("gpt-4o", "openai/gpt-4o", ""),
		dep("whisper-1", "openai/whisper-1", "", "common-models"),
		dep("gpt-4o-transcribe", "openai/gpt-4o-transcribe", ""),
		dep("azure-mini", "azure/mini-deploy", "", "common-models"),
		dep("azure-gpt-4o", "azure/prod-gpt-4o", ""),
		dep("gemini-2.5-flash", "gemini/gemini-2.5-flash", "", "common-models"),
		dep("gemini-2.5-pro", "gemini/gemini-2.5-pro", ""),
		dep("vertex-flash", "vertex_ai/gemini-2.5-flash", "", "common-models"),
		dep("vertex-pro", "vertex_ai/gemini-2.5-pro", ""),
		dep("vertex-claude-opus", "vertex_ai/claude-opus-4-7", ""),
		dep("vertex-claude-haiku", "vertex_ai/claude-haiku-4-5", "", "common-models"),
	}}
}

type atkSeen struct {
	called   bool
	body     []byte
	decision *modelacl.Decision
	rawPath  string
	rawQuery string
	header   http.Header
}

type atkNext struct{ last atkSeen }

func (n *atkNext) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	d, _ := modelacl.FromContext(r.Context())
	n.last = atkSeen{called: true, body: b, decision: d, rawPath: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery, header: r.Header.Clone()}
	w.WriteHeader(http.StatusOK)
}

func atkPrincipals() map[string]*modelacl.Principal {
	return map[string]*modelacl.Principal{
		atkRestricted: {KeyID: "atk-restricted", Key: modelacl.Allow("common-models")},
		atkAliased: {KeyID: "atk-aliased", Key: modelacl.Allow("common-models"), Aliases: map[string]string{
			"cheap":            "claude-opus-4-7", // an alias to a forbidden model
			"common-models":    "claude-opus-4-7", // alias named like the allowed access group
			"claude-haiku-4-5": "claude-opus-4-7", // alias shadowing an allowed group
			"fast":             "claude-haiku-4-5",
		}},
	}
}

func atkMiddleware(t testing.TB, mutate func(*modelacl.Options)) (http.Handler, *atkNext) {
	t.Helper()
	return atkMiddlewareFor(t, atkConfig(), mutate)
}

func atkMiddlewareFor(t testing.TB, cfg modelacl.Config, mutate func(*modelacl.Options)) (http.Handler, *atkNext) {
	t.Helper()
	p, err := modelacl.Compile(cfg)
	require.NoError(t, err)
	keys := atkPrincipals()
	o := modelacl.Options{
		Policy: p,
		Authenticate: func(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
			if pr, ok := keys[c.Secret]; ok {
				return pr, nil
			}
			return nil, modelacl.ErrUnknownKey
		},
		MaxBodyBytes: 1 << 20,
	}
	if mutate != nil {
		mutate(&o)
	}
	mw, err := modelacl.New(o)
	require.NoError(t, err)
	next := &atkNext{}
	return mw.Handler(next), next
}

// atkReq is one attack request. target is sent on the wire as is
// (request-target of an HTTP/1.1 request line), so encodings survive.
type atkReq struct {
	name    string
	method  string
	target  string
	ctype   string
	body    []byte
	headers map[string][]string
	key     string // default atkRestricted; "-" for none
	bypass  string // a confirmed bypass: the case is skipped with this reason
}

func (a atkReq) build(t testing.TB) *http.Request {
	t.Helper()
	m := a.method
	if m == "" {
		m = http.MethodPost
	}
	var body io.Reader
	if a.body != nil {
		body = bytes.NewReader(a.body)
	}
	r := httptest.NewRequest(m, a.target, body)
	if a.ctype != "" {
		r.Header.Set("Content-Type", a.ctype)
	}
	switch a.key {
	case "":
		r.Header.Set("Authorization", "Bearer "+atkRestricted)
	case "-":
	default:
		r.Header.Set("Authorization", "Bearer "+a.key)
	}
	for k, vs := range a.headers {
		r.Header[k] = append(r.Header[k], vs...)
	}
	return r
}

func atkServe(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// atkAssertRefused requires a client-error refusal with next not called.
func atkAssertRefused(t *testing.T, h http.Handler, next *atkNext, r *http.Request) {
	t.Helper()
	next.last = atkSeen{}
	w := atkServe(h, r)
	assert.GreaterOrEqual(t, w.Code, 400, "status %d body %s", w.Code, w.Body.String())
	assert.Less(t, w.Code, 500, "status %d body %s", w.Code, w.Body.String())
	if next.last.called {
		var grants []modelacl.Grant
		if next.last.decision != nil {
			grants = next.last.decision.Grants()
		}
		t.Errorf("BYPASS: next handler called (status %d), path %q query %q grants %+v body %q",
			w.Code, next.last.rawPath, next.last.rawQuery, grants, clipAtk(next.last.body))
	}
}

func clipAtk(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

func atkJSON(model string) []byte { return []byte(`{"model":` + model + atkChatTail) }

func atkGzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func atkZlib(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func atkFlate(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func atkEsc(s string) string { return strings.NewReplacer(":", "%3A", "/", "%2F").Replace(s) }

func atkRun(t *testing.T, cases []atkReq) {
	atkRunFor(t, atkConfig(), cases)
}

func atkRunFor(t *testing.T, cfg modelacl.Config, cases []atkReq) {
	h, next := atkMiddlewareFor(t, cfg, nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.bypass != "" && os.Getenv("ATK_SHOW_BYPASS") == "" {
				t.Skip("BYPASS: " + c.bypass)
			}
			atkAssertRefused(t, h, next, c.build(t))
		})
	}
}

func TestAttackPathEncodings(t *testing.T) {
	invoke := []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":8,"messages":[]}`)
	cases := []atkReq{
		{name: "opus geo profile plain", target: "/bedrock/model/global.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "opus unprefixed bedrock", target: "/model/global.anthropic.claude-opus-4-7/converse", body: invoke},
		{name: "opus other geo prefix us", target: "/bedrock/model/us.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "opus other geo prefix eu", target: "/bedrock/model/eu.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "haiku other geo prefix us (not configured)", target: "/bedrock/model/us.anthropic.claude-haiku-4-5/invoke", body: invoke},
		{name: "opus base id", target: "/bedrock/model/anthropic.claude-opus-4-7-v1:0/invoke", body: invoke},
		{name: "opus base id %3A", target: "/bedrock/model/anthropic.claude-opus-4-7-v1%3A0/invoke", body: invoke},
		{name: "opus base id %3a lower", target: "/bedrock/model/anthropic.claude-opus-4-7-v1%3a0/invoke", body: invoke},
		{name: "opus foundation-model ARN raw", target: "/bedrock/model/" + atkOpusARNFM + "/invoke", body: invoke},
		{name: "opus foundation-model ARN escaped", target: "/bedrock/model/" + atkEsc(atkOpusARNFM) + "/invoke", body: invoke},
		{name: "opus foundation-model ARN slash only escaped", target: "/bedrock/model/" + strings.ReplaceAll(atkOpusARNFM, "/", "%2F") + "/invoke", body: invoke},
		{name: "opus inference-profile ARN raw", target: "/bedrock/model/" + atkOpusIPARN + "/converse", body: invoke},
		{name: "opus inference-profile ARN escaped", target: "/bedrock/model/" + atkEsc(atkOpusIPARN) + "/converse", body: invoke},
		{name: "opus inference-profile ARN other region", target: "/bedrock/model/" + atkEsc(strings.Replace(atkOpusIPARN, "us-east-1", "eu-west-1", 1)) + "/converse", body: invoke},
		{name: "opus app profile ARN raw", target: "/bedrock/model/" + atkProfileARN + "/invoke", body: invoke},
		{name: "opus app profile ARN escaped", target: "/bedrock/model/" + atkEsc(atkProfileARN) + "/invoke", body: invoke},
		{name: "opus app profile ARN anthropic-sdk style", target: "/bedrock/model/" + strings.ReplaceAll(atkProfileARN, "/", "%2F") + "/invoke-with-response-stream", body: invoke},
		{name: "opus app profile short form", target: "/bedrock/model/application-inference-profile/" + atkProfileID + "/converse-stream", body: invoke},
		{name: "opus app profile short form escaped slash", target: "/bedrock/model/application-inference-profile%2F" + atkProfileID + "/converse-stream", body: invoke},
		{name: "opus app profile ARN other account", target: "/bedrock/model/" + atkEsc(strings.Replace(atkProfileARN, "123456789012", "210987654321", 1)) + "/invoke", body: invoke},
		{name: "opus app profile ARN other region", target: "/bedrock/model/" + atkEsc(strings.Replace(atkProfileARN, "us-east-1", "us-west-2", 1)) + "/invoke", body: invoke},
		{name: "opus app profile ARN aws-cn partition", target: "/bedrock/model/" + atkEsc(strings.Replace(atkProfileARN, "arn:aws:", "arn:aws-cn:", 1)) + "/invoke", body: invoke},
		{name: "opus app profile ARN upper-case id", target: "/bedrock/model/" + atkEsc(strings.ToUpper(atkProfileARN[:0])+strings.Replace(atkProfileARN, atkProfileID, strings.ToUpper(atkProfileID), 1)) + "/invoke", body: invoke},
		{name: "double encoded colon", target: "/bedrock/model/anthropic.claude-opus-4-7-v1%253A0/invoke", body: invoke},
		{name: "encoded dot-dot", target: "/bedrock/model/global.anthropic.claude-haiku-4-5/%2e%2e/global.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "dot-dot after allowed model", target: "/bedrock/model/global.anthropic.claude-haiku-4-5/../global.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "dot-dot escaped slash in model", target: "/bedrock/model/global.anthropic.claude-haiku-4-5%2F..%2Fglobal.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "dot segment", target: "/bedrock/./model/global.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "double slash", target: "/bedrock//model/global.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "double slash before model", target: "/bedrock/model//global.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "leading double slash", target: "//bedrock/model/global.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "trailing slash", target: "/bedrock/model/global.anthropic.claude-opus-4-7/invoke/", body: invoke},
		{name: "semicolon parameter on model", target: "/bedrock/model/global.anthropic.claude-opus-4-7;x=global.anthropic.claude-haiku-4-5/invoke", body: invoke},
		{name: "semicolon parameter on action", target: "/bedrock/model/global.anthropic.claude-opus-4-7/invoke;a", body: invoke},
		{name: "encoded semicolon", target: "/bedrock/model/global.anthropic.claude-opus-4-7%3Bx/invoke", body: invoke},
		{name: "encoded unreserved letter", target: "/bedrock/model/global.anthropic.claude-%6Fpus-4-7/invoke", body: invoke},
		{name: "percent-25", target: "/bedrock/model/global.anthropic.claude-opus-4-7%25/invoke", body: invoke},
		{name: "upper-case prefix", target: "/Bedrock/model/global.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "upper-case MODEL segment", target: "/bedrock/MODEL/global.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "upper-case action", target: "/bedrock/model/global.anthropic.claude-opus-4-7/INVOKE", body: invoke},
		{name: "upper-case model id", target: "/bedrock/model/GLOBAL.ANTHROPIC.CLAUDE-OPUS-4-7/invoke", body: invoke},
		{name: "fullwidth letters in model", target: "/bedrock/model/global.anthropic.claude-%EF%BD%8Fpus-4-7/invoke", body: invoke},
		{name: "raw utf-8 fullwidth in model", target: "/bedrock/model/global.anthropic.claude-\xef\xbd\x8fpus-4-7/invoke", body: invoke},
		{name: "cyrillic o look-alike", target: "/bedrock/model/global.anthropic.claude-%D0%BEpus-4-7/invoke", body: invoke},
		{name: "encoded NUL after model", target: "/bedrock/model/global.anthropic.claude-opus-4-7%00/invoke", body: invoke},
		{name: "encoded tab", target: "/bedrock/model/global.anthropic.claude-opus-4-7%09/invoke", body: invoke},
		{name: "encoded space", target: "/bedrock/model/global.anthropic.claude-opus-4-7%20/invoke", body: invoke},
		{name: "plus in model", target: "/bedrock/model/global.anthropic.claude-opus-4-7+/invoke", body: invoke},
		{name: "encoded slash in action", target: "/bedrock/model/global.anthropic.claude-opus-4-7%2Finvoke", body: invoke},
		{name: "unknown action under prefix", target: "/bedrock/model/global.anthropic.claude-opus-4-7/invoke-async", body: invoke},
		{name: "bedrock prefix then openai path", target: "/bedrock/openai/deployments/prod-gpt-4o/chat/completions", body: atkJSON(`"gpt-4o"`)},
		{name: "bedrock prefix then v1 chat", target: "/bedrock/v1/chat/completions", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "bedrock prefix messages opus", target: "/bedrock/v1/messages", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "bedrock prefix messages opus bedrock id", target: "/bedrock/v1/messages", body: atkJSON(`"global.anthropic.claude-opus-4-7"`)},
		{name: "v1 double slash messages", target: "/v1//messages", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "gemini pro", target: "/v1beta/models/gemini-2.5-pro:generateContent", body: []byte(`{}`)},
		{name: "gemini pro %3A verb", target: "/v1beta/models/gemini-2.5-pro%3AgenerateContent", body: []byte(`{}`)},
		{name: "gemini pro prefixed", target: "/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", body: []byte(`{}`)},
		{name: "gemini pro two colons", target: "/v1beta/models/gemini-2.5-flash:gemini-2.5-pro:generateContent", body: []byte(`{}`)},
		{name: "gemini flash colon verb colon", target: "/v1beta/models/gemini-2.5-pro:generateContent:x", body: []byte(`{}`)},
		{name: "gemini tuned model", target: "/v1beta/tunedModels/opus-tuned:generateContent", body: []byte(`{}`)},
		{name: "gemini pro with models/ escaped", target: "/v1beta/models/models%2Fgemini-2.5-pro:generateContent", body: []byte(`{}`)},
		{name: "vertex pro", target: "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent", body: []byte(`{}`)},
		{name: "vertex pro prefixed", target: "/vertex_ai/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent", body: []byte(`{}`)},
		{name: "vertex claude opus rawPredict", target: "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-opus-4-7:rawPredict", body: []byte(`{"anthropic_version":"vertex-2023-10-16"}`)},
		{name: "vertex claude opus streamRawPredict", target: "/vertex_ai/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-opus-4-7:streamRawPredict", body: []byte(`{}`)},
		{name: "vertex count-tokens with opus in body", target: "/v1/projects/p/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "vertex google publisher claude", target: "/v1/projects/p/locations/us-east5/publishers/google/models/claude-opus-4-7:rawPredict", body: []byte(`{}`)},
		{name: "vertex v1beta1 pro", target: "/v1beta1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro:generateContent", body: []byte(`{}`)},
		{name: "vertex endpoint id", target: "/v1/projects/p/locations/l/endpoints/123456:predict", body: []byte(`{}`)},
		{name: "vertex openai-compatible endpoint opus body", target: "/v1/projects/p/locations/l/endpoints/openapi/chat/completions", body: atkJSON(`"anthropic/claude-opus-4-7"`)},
		{name: "vertex openai-compatible endpoint pro body", target: "/v1beta1/projects/p/locations/l/endpoints/openapi/chat/completions", body: atkJSON(`"google/gemini-2.5-pro"`)},
		{name: "vertex publishers short", target: "/v1/publishers/google/models/gemini-2.5-pro:generateContent", body: []byte(`{}`)},
		{name: "azure deployment forbidden", target: "/openai/deployments/prod-gpt-4o/chat/completions?api-version=2024-10-21", body: []byte(`{"messages":[]}`)},
		{name: "azure deployment forbidden prefixed", target: "/azure/openai/deployments/prod-gpt-4o/chat/completions?api-version=2024-10-21", body: []byte(`{"messages":[]}`)},
		{name: "azure allowed deployment forbidden body model", target: "/openai/deployments/mini-deploy/chat/completions?api-version=2024-10-21", body: atkJSON(`"prod-gpt-4o"`)},
		{name: "azure allowed deployment forbidden query deployment", target: "/openai/deployments/mini-deploy/chat/completions?api-version=2024-10-21&deployment=prod-gpt-4o", body: []byte(`{"messages":[]}`)},
		{name: "azure v1 body forbidden", target: "/openai/v1/chat/completions", body: atkJSON(`"prod-gpt-4o"`)},
		{name: "azure route without deployments but api-version", target: "/openai/chat/completions?api-version=2024-10-21", body: atkJSON(`"prod-gpt-4o"`)},
		{name: "azure deployment escaped slash", target: "/openai/deployments/mini-deploy%2F..%2Fprod-gpt-4o/chat/completions?api-version=1", body: []byte(`{}`)},
		{name: "azure deployment upper-case", target: "/openai/deployments/PROD-GPT-4O/chat/completions?api-version=1", body: []byte(`{}`)},
		{name: "azure realtime deployment", method: http.MethodGet, target: "/openai/realtime?api-version=2024-10-01-preview&deployment=prod-gpt-4o"},
		{name: "openai prefix then bedrock path", target: "/openai/model/global.anthropic.claude-opus-4-7/invoke", body: invoke},
		{name: "anthropic prefix opus", target: "/anthropic/v1/messages", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "anthropic prefix opus upstream id", target: "/anthropic/v1/messages", body: atkJSON(`"claude-opus-4-7-20260101"`)},
		{name: "openai prefix gpt-4o", target: "/openai/v1/chat/completions", body: atkJSON(`"gpt-4o"`)},
		{name: "openai prefix opus", target: "/openai/v1/chat/completions", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "unprefixed chat opus", target: "/chat/completions", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "unprefixed v1 chat opus", target: "/v1/chat/completions", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "unprefixed chat provider-qualified opus", target: "/v1/chat/completions", body: atkJSON(`"bedrock/global.anthropic.claude-opus-4-7"`)},
		{name: "unprefixed chat provider-qualified opus app profile", target: "/v1/chat/completions", body: atkJSON(`"bedrock/` + atkProfileARN + `"`)},
		{name: "unprefixed chat provider-qualified opus fm arn", target: "/v1/chat/completions", body: atkJSON(`"bedrock/` + atkOpusARNFM + `"`)},
		{name: "unprefixed chat provider-qualified opus base", target: "/v1/chat/completions", body: atkJSON(`"bedrock/anthropic.claude-opus-4-7-v1:0"`)},
		{name: "unprefixed chat provider-qualified opus us geo", target: "/v1/chat/completions", body: atkJSON(`"bedrock/us.anthropic.claude-opus-4-7"`)},
		{name: "unprefixed chat bare bedrock id", target: "/v1/chat/completions", body: atkJSON(`"global.anthropic.claude-opus-4-7"`)},
		{name: "unprefixed chat vertex qualified", target: "/v1/chat/completions", body: atkJSON(`"vertex_ai/claude-opus-4-7"`)},
		{name: "unprefixed chat gemini qualified", target: "/v1/chat/completions", body: atkJSON(`"gemini/gemini-2.5-pro"`)},
		{name: "unprefixed chat azure qualified", target: "/v1/chat/completions", body: atkJSON(`"azure/prod-gpt-4o"`)},
		{name: "engines path model", target: "/engines/claude-opus-4-7/chat/completions", body: atkJSON(`"claude-haiku-4-5"`)},
		{name: "v1 engines path model", target: "/v1/engines/claude-opus-4-7/completions", body: atkJSON(`"claude-haiku-4-5"`)},
		{name: "openai deployments litellm style", target: "/openai/deployments/claude-opus-4-7/chat/completions", body: atkJSON(`"claude-haiku-4-5"`)},
		{name: "models get opus path", method: http.MethodGet, target: "/v1/models/claude-opus-4-7"},
		{name: "realtime opus query", method: http.MethodGet, target: "/v1/realtime?model=gpt-4o"},
		{name: "realtime no model", method: http.MethodGet, target: "/v1/realtime"},
		{name: "ollama chat opus", target: "/api/chat", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "ollama pull", target: "/api/pull", body: []byte(`{"model":"claude-opus-4-7"}`)},
		{name: "cohere v2 chat opus", target: "/v2/chat", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "bedrock openai-compatible chat opus", target: "/bedrock/openai/v1/chat/completions", body: atkJSON(`"global.anthropic.claude-opus-4-7"`)},
		{name: "bedrock openai-compatible responses opus app profile", target: "/bedrock/openai/v1/responses", body: atkJSON(`"` + atkProfileARN + `"`)},
		{name: "bedrock openai-compatible chat opus fallback", target: "/bedrock/openai/v1/chat/completions", body: []byte(`{"model":"global.anthropic.claude-haiku-4-5","fallbacks":["global.anthropic.claude-opus-4-7"]}`)},
		{name: "bedrock openai-compatible chat opus query", target: "/bedrock/openai/v1/chat/completions?model=global.anthropic.claude-opus-4-7", body: atkJSON(`"global.anthropic.claude-haiku-4-5"`)},
		{name: "vertex located models path opus", target: "/v1/projects/p/locations/global/models/claude-opus-4-7:generateContent", body: []byte(`{}`)},
		{name: "vertex located models body disagrees", target: "/v1/projects/p/locations/global/models/gemini-2.5-flash:generateContent", body: []byte(`{"model":"gemini-2.5-pro"}`)},
		{name: "async invoke opus", target: "/bedrock/async-invoke", body: []byte(`{"modelId":"global.anthropic.claude-opus-4-7","modelInput":{},"outputDataConfig":{}}`)},
		{name: "async invoke opus app profile", target: "/async-invoke", body: []byte(`{"modelId":"` + atkProfileARN + `","modelInput":{}}`)},
		{name: "async invoke two modelIds", target: "/async-invoke", body: []byte(`{"modelId":"global.anthropic.claude-haiku-4-5","modelId":"global.anthropic.claude-opus-4-7"}`)},
		{name: "async invoke case variant", target: "/async-invoke", body: []byte(`{"modelId":"global.anthropic.claude-haiku-4-5","ModelId":"global.anthropic.claude-opus-4-7"}`)},
		{name: "async invoke model key", target: "/async-invoke", body: []byte(`{"model":"global.anthropic.claude-opus-4-7"}`)},
		{name: "anthropic batch opus", target: "/v1/messages/batches", body: []byte(`{"requests":[{"custom_id":"a","params":{"model":"claude-haiku-4-5"}},{"custom_id":"b","params":{"model":"claude-opus-4-7"}}]}`)},
		{name: "anthropic batch params case variant", target: "/v1/messages/batches", body: []byte(`{"requests":[{"custom_id":"a","params":{"model":"claude-haiku-4-5","MODEL":"claude-opus-4-7"}}]}`)},
		{name: "anthropic batch duplicate params", target: "/v1/messages/batches", body: []byte(`{"requests":[{"params":{"model":"claude-haiku-4-5"},"params":{"model":"claude-opus-4-7"}}]}`)},
		{name: "anthropic batch Params case", target: "/v1/messages/batches", body: []byte(`{"requests":[{"params":{"model":"claude-haiku-4-5"},"Params":{"model":"claude-opus-4-7"}}]}`)},
		{name: "anthropic batch duplicate requests", target: "/v1/messages/batches", body: []byte(`{"requests":[{"params":{"model":"claude-haiku-4-5"}}],"requests":[{"params":{"model":"claude-opus-4-7"}}]}`)},
		{name: "anthropic batch long-s requests", target: "/v1/messages/batches", body: []byte(`{"requests":[{"params":{"model":"claude-haiku-4-5"}}],"requeſts":[{"params":{"model":"claude-opus-4-7"}}]}`)},
		{name: "anthropic batch long-s params", target: "/v1/messages/batches", body: []byte(`{"requests":[{"params":{"model":"claude-haiku-4-5"},"paramſ":{"model":"claude-opus-4-7"}}]}`)},
		{name: "anthropic batch escaped long-s params", target: "/v1/messages/batches", body: []byte(`{"requests":[{"params":{"model":"claude-haiku-4-5"},"param\u017f":{"model":"claude-opus-4-7"}}]}`)},
		{name: "anthropic batch params not object", target: "/v1/messages/batches", body: []byte(`{"requests":[{"params":"claude-opus-4-7"}]}`)},
		{name: "async invoke kelvin-free long-s", target: "/async-invoke", body: []byte(`{"modelId":"global.anthropic.claude-haiku-4-5","modelID":"global.anthropic.claude-opus-4-7"}`)},
		{name: "openai batch create", target: "/v1/batches", body: []byte(`{"input_file_id":"file-1","endpoint":"/v1/chat/completions","completion_window":"24h"}`)},
		{name: "fine tuning opus", target: "/v1/fine_tuning/jobs", body: []byte(`{"model":"gpt-4o","training_file":"file-1"}`)},
		{name: "realtime client secret top-level model the beta API serves", target: "/v1/realtime/client_secrets", body: []byte(`{"model":"gpt-4o","session":{"type":"realtime","model":"gpt-4o-mini"}}`)},
		{name: "realtime client secret transcription model standing in for the session model", target: "/v1/realtime/client_secrets", body: []byte(`{"session":{"type":"realtime","audio":{"input":{"transcription":{"model":"gpt-4o-mini"}}}}}`)},
		{name: "realtime client secret beta transcription model", target: "/v1/realtime/client_secrets", body: []byte(`{"session":{"type":"realtime","model":"gpt-4o-mini","input_audio_transcription":{"model":"gpt-4o"}}}`)},
		{name: "realtime client secret session type twice", target: "/v1/realtime/client_secrets", body: []byte(`{"session":{"type":"realtime","type":"transcription","audio":{"input":{"transcription":{"model":"gpt-4o-mini"}}}}}`)},
	}
	atkRun(t, cases)
}

func TestAttackQuery(t *testing.T) {
	chat := atkJSON(`"claude-haiku-4-5"`)
	cases := []atkReq{
		{name: "query model overrides body", target: "/v1/chat/completions?model=claude-opus-4-7", body: chat},
		{name: "query model repeated", target: "/v1/chat/completions?model=claude-haiku-4-5&model=claude-opus-4-7", body: chat},
		{name: "query model case variant", target: "/v1/chat/completions?Model=claude-opus-4-7", body: chat},
		{name: "query model bracket empty (qs, Rack, PHP read model)", target: "/v1/chat/completions?model[]=claude-opus-4-7", body: chat},
		{name: "query model bracket index", target: "/v1/chat/completions?model[0]=claude-opus-4-7", body: chat},
		{name: "query model bracket escaped", target: "/v1/chat/completions?model%5B%5D=claude-opus-4-7", body: chat},
		{name: "query model bracket escaped lower case index", target: "/v1/chat/completions?model%5b0%5d=claude-opus-4-7", body: chat},
		{name: "query model bracket case variant", target: "/v1/chat/completions?MODEL[]=claude-opus-4-7", body: chat},
		{name: "query model bracket beside the allowed one", method: http.MethodGet, target: "/v1/realtime?model=claude-haiku-4-5&model[]=claude-opus-4-7"},
		{name: "query model bracket on models list", method: http.MethodGet, target: "/v1/models?model[]=claude-opus-4-7"},
		{name: "query deployment bracket on azure", method: http.MethodGet, target: "/openai/realtime?api-version=1&deployment=mini-deploy&deployment[0]=prod-gpt-4o"},
		{name: "query model upper", target: "/v1/chat/completions?MODEL=claude-opus-4-7", body: chat},
		{name: "query model leading bracket (qs reads model)", target: "/v1/chat/completions?[model]=claude-opus-4-7", body: chat},
		{name: "query model leading bracket escaped", target: "/v1/chat/completions?%5Bmodel%5D=claude-opus-4-7", body: chat},
		{name: "query model leading space (PHP reads model)", target: "/v1/chat/completions?%20model=claude-opus-4-7", body: chat},
		{name: "query model leading plus (PHP reads model)", target: "/v1/chat/completions?+model=claude-opus-4-7", body: chat},
		{name: "query model ended by NUL (PHP reads model)", target: "/v1/chat/completions?model%00x=claude-opus-4-7", body: chat},
		{name: "query deployment leading bracket on azure", method: http.MethodGet, target: "/openai/realtime?api-version=1&deployment=mini-deploy&[deployment]=prod-gpt-4o"},
		{name: "query model escaped key", target: "/v1/chat/completions?m%6Fdel=claude-opus-4-7", body: chat},
		{name: "query model escaped key case", target: "/v1/chat/completions?M%6Fdel=claude-opus-4-7", body: chat},
		{name: "query semicolon separator", target: "/v1/chat/completions?a=b;model=claude-opus-4-7", body: chat},
		{name: "query escaped value", target: "/v1/chat/completions?model=claude-%6Fpus-4-7", body: chat},
		{name: "query plus space", target: "/v1/chat/completions?model=claude-haiku-4-5+", body: chat},
		{name: "query bad escape", target: "/v1/chat/completions?x=%zz&model=claude-opus-4-7", body: chat},
		{name: "query model on bedrock", target: "/bedrock/model/global.anthropic.claude-haiku-4-5/invoke?model=global.anthropic.claude-opus-4-7", body: []byte(`{}`)},
		{name: "query model on gemini", target: "/v1beta/models/gemini-2.5-flash:generateContent?model=gemini-2.5-pro", body: []byte(`{}`)},
		{name: "query model on models list", method: http.MethodGet, target: "/v1/models?model=claude-opus-4-7"},
		{name: "query model comma list", target: "/v1/chat/completions?model=claude-haiku-4-5,claude-opus-4-7", body: chat},
		{name: "query model empty plus body", target: "/v1/chat/completions?model=", body: chat},
		{name: "query model NUL", target: "/v1/chat/completions?model=claude-haiku-4-5%00", body: chat},
		{name: "query model fullwidth", target: "/v1/chat/completions?model=claude-%EF%BD%8Fpus-4-7", body: chat},
		{name: "query deployment on azure", target: "/openai/deployments/mini-deploy/chat/completions?api-version=1&deployment=prod-gpt-4o", body: []byte(`{}`)},
		{name: "query Deployment case on azure", target: "/openai/deployments/mini-deploy/chat/completions?api-version=1&Deployment=prod-gpt-4o", body: []byte(`{}`)},
		{name: "query model on azure deployment", target: "/openai/deployments/mini-deploy/chat/completions?api-version=1&model=prod-gpt-4o", body: []byte(`{}`)},
		{name: "query model on realtime repeated", method: http.MethodGet, target: "/v1/realtime?model=gpt-4o-mini&model=gpt-4o"},
	}
	atkRun(t, cases)
}

func TestAttackJSONBody(t *testing.T) {
	tgt := "/v1/chat/completions"
	b := func(s string) []byte { return []byte(s) }
	cases := []atkReq{
		{name: "duplicate model last forbidden", body: b(`{"model":"claude-haiku-4-5","model":"claude-opus-4-7"}`)},
		{name: "duplicate model first forbidden", body: b(`{"model":"claude-opus-4-7","model":"claude-haiku-4-5"}`)},
		{name: "escaped key duplicate", body: b(`{"model":"claude-haiku-4-5","\u006dodel":"claude-opus-4-7"}`)},
		{name: "fully escaped key alone", body: b(`{"\u006d\u006f\u0064\u0065\u006c":"claude-opus-4-7"}`)},
		{name: "case variant Model", body: b(`{"model":"claude-haiku-4-5","Model":"claude-opus-4-7"}`)},
		{name: "case variant MODEL alone", body: b(`{"MODEL":"claude-opus-4-7"}`)},
		{name: "kelvin sign fold key", body: b(`{"model":"claude-haiku-4-5","mode\u006c":"claude-opus-4-7"}`)},
		{name: "long s fold stream key", body: b(`{"model":"claude-opus-4-7","ſtream":true}`)},
		{name: "nested model only", body: b(`{"messages":[{"model":"claude-haiku-4-5"}],"metadata":{"model":"claude-haiku-4-5"}}`)},
		{name: "number model", body: b(`{"model":123}`)},
		{name: "huge number model", body: b(`{"model":1e999999}`)},
		{name: "null model", body: b(`{"model":null}`)},
		{name: "bool model", body: b(`{"model":true}`)},
		{name: "object model", body: b(`{"model":{"name":"claude-haiku-4-5"}}`)},
		{name: "empty model", body: b(`{"model":""}`)},
		{name: "list model with forbidden", body: b(`{"model":["claude-haiku-4-5","claude-opus-4-7"]}`)},
		{name: "list model with non-string", body: b(`{"model":["claude-haiku-4-5",1]}`)},
		{name: "empty list model", body: b(`{"model":[]}`)},
		{name: "comma string with forbidden", body: b(`{"model":"claude-haiku-4-5,claude-opus-4-7"}`)},
		{name: "comma string spaces", body: b(`{"model":"claude-haiku-4-5 , claude-opus-4-7"}`)},
		{name: "comma string escaped comma", body: b(`{"model":"claude-haiku-4-5\u002cclaude-opus-4-7"}`)},
		{name: "leading space forbidden", body: b(`{"model":" claude-opus-4-7"}`)},
		{name: "trailing space allowed-looking", body: b(`{"model":"claude-haiku-4-5 "}`)},
		{name: "trailing NUL escaped", body: b(`{"model":"claude-haiku-4-5\u0000"}`)},
		{name: "trailing NUL raw", body: []byte("{\"model\":\"claude-haiku-4-5\x00\"}")},
		{name: "tab in model", body: b(`{"model":"claude-haiku-4-5\t"}`)},
		{name: "invalid utf-8 in model", body: []byte("{\"model\":\"claude-haiku-4-5\xff\"}")},
		{name: "lone surrogate", body: b(`{"model":"claude-haiku-4-5\ud800"}`)},
		{name: "fullwidth model", body: b(`{"model":"claude-ｏpus-4-7"}`)},
		{name: "BOM", body: append([]byte{0xEF, 0xBB, 0xBF}, atkJSON(`"claude-haiku-4-5"`)...)},
		{name: "trailing garbage", body: b(`{"model":"claude-haiku-4-5"}{"model":"claude-opus-4-7"}`)},
		{name: "trailing NUL after object", body: []byte("{\"model\":\"claude-haiku-4-5\"}\x00")},
		{name: "trailing NBSP after object", body: []byte("{\"model\":\"claude-haiku-4-5\"}\u00a0")},
		{name: "trailing garbage text", body: b(`{"model":"claude-haiku-4-5"}x`)},
		{name: "comment", body: b(`{"model":"claude-haiku-4-5" /* ,"model":"claude-opus-4-7" */}`)},
		{name: "line comment", body: b("{\"model\":\"claude-haiku-4-5\" // x\n}")},
		{name: "NaN", body: b(`{"model":"claude-haiku-4-5","temperature":NaN}`)},
		{name: "single quotes", body: b(`{'model':'claude-opus-4-7'}`)},
		{name: "trailing comma", body: b(`{"model":"claude-haiku-4-5",}`)},
		{name: "top-level array", body: b(`[{"model":"claude-haiku-4-5"},{"model":"claude-opus-4-7"}]`)},
		{name: "top-level string", body: b(`"claude-haiku-4-5"`)},
		{name: "empty body", body: b(``)},
		{name: "whitespace body", body: b(` `)},
		{name: "deep nesting", body: b(`{"model":"claude-haiku-4-5","x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`)},
		{name: "unterminated", body: b(`{"model":"claude-haiku-4-5"`)},
		{name: "fallbacks string", body: b(`{"model":"claude-haiku-4-5","fallbacks":["claude-opus-4-7"]}`)},
		{name: "fallbacks object", body: b(`{"model":"claude-haiku-4-5","fallbacks":[{"model":"claude-opus-4-7"}]}`)},
		{name: "fallbacks map", body: b(`{"model":"claude-haiku-4-5","fallbacks":[{"claude-haiku-4-5":["claude-opus-4-7"]}]}`)},
		{name: "fallbacks map key forbidden", body: b(`{"model":"claude-haiku-4-5","fallbacks":[{"claude-opus-4-7":["claude-haiku-4-5"]}]}`)},
		{name: "context window fallbacks", body: b(`{"model":"claude-haiku-4-5","context_window_fallbacks":[{"claude-haiku-4-5":["claude-opus-4-7"]}]}`)},
		{name: "content policy fallbacks", body: b(`{"model":"claude-haiku-4-5","content_policy_fallbacks":["claude-opus-4-7"]}`)},
		{name: "fallbacks object duplicate model", body: b(`{"model":"claude-haiku-4-5","fallbacks":[{"model":"claude-haiku-4-5","model":"claude-opus-4-7"}]}`)},
		{name: "fallbacks object case model", body: b(`{"model":"claude-haiku-4-5","fallbacks":[{"model":"claude-haiku-4-5","Model":"claude-opus-4-7"}]}`)},
		{name: "fallbacks object nested fallbacks", body: b(`{"model":"claude-haiku-4-5","fallbacks":[{"model":"claude-haiku-4-5","fallbacks":["claude-opus-4-7"]}]}`)},
		{name: "fallbacks string not list", body: b(`{"model":"claude-haiku-4-5","fallbacks":"claude-opus-4-7"}`)},
		{name: "fallbacks object not list", body: b(`{"model":"claude-haiku-4-5","fallbacks":{"claude-haiku-4-5":["claude-opus-4-7"]}}`)},
		{name: "fallbacks case variant key", body: b(`{"model":"claude-haiku-4-5","Fallbacks":["claude-opus-4-7"]}`)},
		{name: "fallbacks escaped key", body: b(`{"model":"claude-haiku-4-5","\u0066allbacks":["claude-opus-4-7"]}`)},
		{name: "fallbacks duplicate key", body: b(`{"model":"claude-haiku-4-5","fallbacks":[],"fallbacks":["claude-opus-4-7"]}`)},
		{name: "fallbacks comma string element", body: b(`{"model":"claude-haiku-4-5","fallbacks":["claude-haiku-4-5,claude-opus-4-7"]}`)},
		{name: "fallbacks only", body: b(`{"fallbacks":["claude-haiku-4-5"]}`)},
		{name: "fallbacks number element", body: b(`{"model":"claude-haiku-4-5","fallbacks":[1]}`)},
		{name: "fallbacks object model number", body: b(`{"model":"claude-haiku-4-5","fallbacks":[{"model":1}]}`)},
		{name: "fallbacks map value object", body: b(`{"model":"claude-haiku-4-5","fallbacks":[{"claude-haiku-4-5":{"model":"claude-opus-4-7"}}]}`)},
		{name: "fallbacks map nested list", body: b(`{"model":"claude-haiku-4-5","fallbacks":[{"claude-haiku-4-5":[["claude-opus-4-7"]]}]}`)},
		{name: "fallbacks map object element", body: b(`{"model":"claude-haiku-4-5","fallbacks":[{"claude-haiku-4-5":[{"model":"claude-opus-4-7"}]}]}`)},
		{name: "stream case variant", body: b(`{"model":"claude-haiku-4-5","Stream":true}`)},
		{name: "stream string", body: b(`{"model":"claude-haiku-4-5","stream":"true"}`)},
		{name: "alias to forbidden", key: atkAliased, body: atkJSON(`"cheap"`)},
		{name: "alias named like access group", key: atkAliased, body: atkJSON(`"common-models"`)},
		{name: "alias shadowing allowed group", key: atkAliased, body: atkJSON(`"claude-haiku-4-5"`)},
		{name: "star as model", body: atkJSON(`"*"`)},
		{name: "all-proxy-models as model", body: atkJSON(`"all-proxy-models"`)},
		{name: "all-team-models as model", body: atkJSON(`"all-team-models"`)},
		{name: "glob model", body: atkJSON(`"claude-*"`)},
		{name: "messages opus", target: "/v1/messages", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "count tokens opus", target: "/v1/messages/count_tokens", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "responses opus", target: "/v1/responses", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "responses compact opus", target: "/v1/responses/compact", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "embeddings gpt-4o", target: "/v1/embeddings", body: atkJSON(`"gpt-4o"`)},
		{name: "images generations gpt-4o", target: "/v1/images/generations", body: atkJSON(`"gpt-4o"`)},
		{name: "audio speech gpt-4o", target: "/v1/audio/speech", body: atkJSON(`"gpt-4o"`)},
		{name: "complete opus", target: "/v1/complete", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "chat no model", body: b(`{"messages":[]}`)},
	}
	for i := range cases {
		if cases[i].target == "" {
			cases[i].target = tgt
		}
		if cases[i].ctype == "" {
			cases[i].ctype = "application/json"
		}
	}
	atkRun(t, cases)
}

func atkMultipart(t testing.TB, parts func(w *multipart.Writer)) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	parts(w)
	require.NoError(t, w.Close())
	return buf.Bytes(), w.FormDataContentType()
}

func atkPart(w *multipart.Writer, disp string, extra map[string]string, value string) {
	h := textproto.MIMEHeader{"Content-Disposition": {disp}}
	for k, v := range extra {
		h.Set(k, v)
	}
	pw, _ := w.CreatePart(h)
	_, _ = pw.Write([]byte(value))
}

func TestAttackContentType(t *testing.T) {
	tr := "/v1/audio/transcriptions"
	mp := func(f func(w *multipart.Writer)) ([]byte, string) { return atkMultipart(t, f) }
	file := func(w *multipart.Writer) {
		fw, _ := w.CreateFormFile("file", "a.wav")
		_, _ = fw.Write([]byte("RIFF...."))
	}
	var cases []atkReq
	add := func(name, target string, f func(w *multipart.Writer)) {
		body, ct := mp(f)
		cases = append(cases, atkReq{name: name, target: target, ctype: ct, body: body})
	}
	add("multipart forbidden model", tr, func(w *multipart.Writer) { file(w); _ = w.WriteField("model", "gpt-4o-transcribe") })
	for _, field := range []string{"model[]", "model[0]", "[model]", " model"} {
		add("multipart field "+field+" (PHP or multer reads model) beside the allowed one", tr, func(w *multipart.Writer) {
			file(w)
			_ = w.WriteField("model", "whisper-1")
			_ = w.WriteField(field, "gpt-4o-transcribe")
		})
	}
	add("multipart two model fields", tr, func(w *multipart.Writer) {
		file(w)
		_ = w.WriteField("model", "whisper-1")
		_ = w.WriteField("model", "gpt-4o-transcribe")
	})
	add("multipart case variant field", tr, func(w *multipart.Writer) {
		file(w)
		_ = w.WriteField("model", "whisper-1")
		_ = w.WriteField("Model", "gpt-4o-transcribe")
	})
	add("multipart model as file", tr, func(w *multipart.Writer) {
		file(w)
		_ = w.WriteField("model", "whisper-1")
		fw, _ := w.CreateFormFile("model", "m.txt")
		_, _ = fw.Write([]byte("gpt-4o-transcribe"))
	})
	add("multipart model with empty filename", tr, func(w *multipart.Writer) {
		file(w)
		atkPart(w, `form-data; name="model"; filename=""`, nil, "gpt-4o-transcribe")
	})
	add("multipart base64 model", tr, func(w *multipart.Writer) {
		file(w)
		atkPart(w, `form-data; name="model"`, map[string]string{"Content-Transfer-Encoding": "base64"}, "Z3B0LTRvLXRyYW5zY3JpYmU=")
	})
	add("multipart quoted-printable model", tr, func(w *multipart.Writer) {
		file(w)
		atkPart(w, `form-data; name="model"`, map[string]string{"Content-Transfer-Encoding": "quoted-printable"}, "whisper-1=\r\n")
	})
	add("multipart rfc2231 name", tr, func(w *multipart.Writer) {
		file(w)
		_ = w.WriteField("model", "whisper-1")
		atkPart(w, `form-data; name*=UTF-8''model`, nil, "gpt-4o-transcribe")
	})
	add("multipart backslash name", tr, func(w *multipart.Writer) {
		file(w)
		_ = w.WriteField("model", "whisper-1")
		atkPart(w, `form-data; name="mod\el"`, nil, "gpt-4o-transcribe")
	})
	add("multipart unquoted name", tr, func(w *multipart.Writer) {
		file(w)
		atkPart(w, `form-data; name=model`, nil, "gpt-4o-transcribe")
	})
	add("multipart name with spaces around", tr, func(w *multipart.Writer) {
		file(w)
		_ = w.WriteField("model", "whisper-1")
		atkPart(w, `form-data; name = "model"`, nil, "gpt-4o-transcribe")
	})
	add("multipart upper-case disposition", tr, func(w *multipart.Writer) {
		file(w)
		_ = w.WriteField("model", "whisper-1")
		atkPart(w, `FORM-DATA; NAME="model"`, nil, "gpt-4o-transcribe")
	})
	add("multipart two dispositions", tr, func(w *multipart.Writer) {
		file(w)
		pw, _ := w.CreatePart(textproto.MIMEHeader{"Content-Disposition": {`form-data; name="x"`, `form-data; name="model"`}})
		_, _ = pw.Write([]byte("gpt-4o-transcribe"))
	})
	add("multipart no model", tr, func(w *multipart.Writer) { file(w) })
	add("multipart model with trailing CRLF", tr, func(w *multipart.Writer) {
		file(w)
		_ = w.WriteField("model", "whisper-1\r\n")
	})
	add("multipart model with charset utf-16", tr, func(w *multipart.Writer) {
		file(w)
		atkPart(w, `form-data; name="model"`, map[string]string{"Content-Type": "text/plain; charset=utf-16le"}, "g\x00p\x00t\x00-\x004\x00o\x00")
	})
	add("multipart image edit forbidden", "/v1/images/edits", func(w *multipart.Writer) { file(w); _ = w.WriteField("model", "gpt-4o") })
	add("multipart translations forbidden", "/v1/audio/translations", func(w *multipart.Writer) { file(w); _ = w.WriteField("model", "gpt-4o-transcribe") })
	add("multipart on JSON route", "/v1/chat/completions", func(w *multipart.Writer) { _ = w.WriteField("model", "claude-opus-4-7") })

	okJSON := atkJSON(`"claude-haiku-4-5"`)
	bodyAllowedQueryNot := func(ct string) atkReq {
		return atkReq{name: "json route content type " + ct, target: "/v1/chat/completions", ctype: ct,
			body: []byte("model=claude-opus-4-7&messages=x")}
	}
	cases = append(cases,
		bodyAllowedQueryNot("application/x-www-form-urlencoded"),
		bodyAllowedQueryNot("Application/X-WWW-Form-URLEncoded; charset=utf-8"),
		bodyAllowedQueryNot("text/plain"),
		atkReq{name: "urlencoded on transcription route", target: tr, ctype: "application/x-www-form-urlencoded", body: []byte("model=whisper-1")},
		atkReq{name: "multipart missing boundary", target: tr, ctype: "multipart/form-data", body: []byte("--x\r\n")},
		atkReq{name: "multipart content type on JSON route with JSON body", target: "/v1/chat/completions", ctype: "multipart/form-data; boundary=x", body: okJSON},
		atkReq{name: "two content types", target: "/v1/chat/completions", headers: map[string][]string{"Content-Type": {"application/json", "multipart/form-data; boundary=x"}}, body: okJSON},
		atkReq{name: "text/plain JSON opus", target: "/v1/chat/completions", ctype: "text/plain", body: atkJSON(`"claude-opus-4-7"`)},
		atkReq{name: "json utf-16 charset opus", target: "/v1/chat/completions", ctype: "application/json; charset=utf-16", body: atkJSON(`"claude-opus-4-7"`)},
		atkReq{name: "utf-16 body", target: "/v1/chat/completions", ctype: "application/json; charset=utf-16le", body: []byte("{\x00\"\x00m\x00o\x00d\x00e\x00l\x00\"\x00:\x00\"\x00x\x00\"\x00}\x00")},
	)
	atkRun(t, cases)
}

func TestAttackEncodingSizeMethod(t *testing.T) {
	opus := atkJSON(`"claude-opus-4-7"`)
	haiku := atkJSON(`"claude-haiku-4-5"`)
	bomb := atkGzip(bytes.Repeat([]byte(" "), 4<<20)) // 4 MiB of spaces, over the 1 MiB limit decoded
	hdr := func(kv ...string) map[string][]string {
		m := map[string][]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = append(m[kv[i]], kv[i+1])
		}
		return m
	}
	tgt := "/v1/chat/completions"
	cases := []atkReq{
		{name: "gzip opus", target: tgt, ctype: "application/json", body: atkGzip(opus), headers: hdr("Content-Encoding", "gzip")},
		{name: "GZIP upper opus", target: tgt, ctype: "application/json", body: atkGzip(opus), headers: hdr("Content-Encoding", "GZIP")},
		{name: "x-gzip opus", target: tgt, ctype: "application/json", body: atkGzip(opus), headers: hdr("Content-Encoding", "x-gzip")},
		{name: "gzip then identity header", target: tgt, ctype: "application/json", body: atkGzip(opus), headers: hdr("Content-Encoding", "gzip", "Content-Encoding", "identity")},
		{name: "gzip, identity list", target: tgt, ctype: "application/json", body: atkGzip(opus), headers: hdr("Content-Encoding", "gzip, identity")},
		{name: "gzip gzip", target: tgt, ctype: "application/json", body: atkGzip(atkGzip(opus)), headers: hdr("Content-Encoding", "gzip, gzip")},
		{name: "deflate zlib opus", target: tgt, ctype: "application/json", body: atkZlib(opus), headers: hdr("Content-Encoding", "deflate")},
		{name: "deflate raw opus", target: tgt, ctype: "application/json", body: atkFlate(opus), headers: hdr("Content-Encoding", "deflate")},
		{name: "br claimed", target: tgt, ctype: "application/json", body: haiku, headers: hdr("Content-Encoding", "br")},
		{name: "zstd claimed", target: tgt, ctype: "application/json", body: haiku, headers: hdr("Content-Encoding", "zstd")},
		{name: "gzip header but plain body", target: tgt, ctype: "application/json", body: haiku, headers: hdr("Content-Encoding", "gzip")},
		{name: "gzip with trailing plain json", target: tgt, ctype: "application/json", body: append(atkGzip(haiku), opus...), headers: hdr("Content-Encoding", "gzip")},
		{name: "gzip two members", target: tgt, ctype: "application/json", body: append(atkGzip([]byte(`{"model":"claude-haiku-4-5"`)), atkGzip([]byte(`,"model":"claude-opus-4-7"}`))...), headers: hdr("Content-Encoding", "gzip")},
		{name: "gzip bomb", target: tgt, ctype: "application/json", body: bomb, headers: hdr("Content-Encoding", "gzip")},
		{name: "identity with gzip magic opus", target: tgt, ctype: "application/json", body: atkGzip(opus), headers: hdr("Content-Encoding", "identity")},
		{name: "transfer-encoding gzip header", target: tgt, ctype: "application/json", body: atkGzip(opus), headers: hdr("Transfer-Encoding", "gzip")},
		{name: "over the limit", target: tgt, ctype: "application/json", body: append(atkJSON(`"claude-haiku-4-5"`), bytes.Repeat([]byte(" "), 2<<20)...)},
		{name: "GET with opus body on chat", method: http.MethodGet, target: tgt, ctype: "application/json", body: opus},
		{name: "GET with batch body on messages batches", method: http.MethodGet, target: "/v1/messages/batches", ctype: "application/json", body: []byte(`{"requests":[{"custom_id":"a","params":{"model":"claude-opus-4-7"}}]}`)},
		{name: "GET with body on fine tuning jobs", method: http.MethodGet, target: "/v1/fine_tuning/jobs", ctype: "application/json", body: []byte(`{"model":"gpt-4o","training_file":"file-1"}`)},
		{name: "GET with body on models list", method: http.MethodGet, target: "/v1/models", ctype: "application/json", body: opus},
		{name: "DELETE with body on response id", method: http.MethodDelete, target: "/v1/responses/resp_1", ctype: "application/json", body: opus},
		{name: "HEAD on chat", method: http.MethodHead, target: tgt, ctype: "application/json", body: opus},
		{name: "OPTIONS on chat", method: http.MethodOptions, target: tgt, ctype: "application/json", body: opus},
		{name: "PUT on chat", method: http.MethodPut, target: tgt, ctype: "application/json", body: opus},
		{name: "lower-case post", method: "post", target: tgt, ctype: "application/json", body: opus},
		{name: "GET bedrock invoke opus", method: http.MethodGet, target: "/bedrock/model/global.anthropic.claude-opus-4-7/invoke"},
		{name: "DELETE bedrock invoke opus", method: http.MethodDelete, target: "/bedrock/model/global.anthropic.claude-opus-4-7/invoke"},
		{name: "GET gemini generate pro", method: http.MethodGet, target: "/v1beta/models/gemini-2.5-pro:generateContent"},
		{name: "no credential", key: "-", target: tgt, ctype: "application/json", body: haiku},
		{name: "unknown key", key: "sk-nope", target: tgt, ctype: "application/json", body: haiku},
		{name: "two different credentials", target: tgt, ctype: "application/json", body: haiku, headers: hdr("X-Api-Key", "sk-other")},
		{name: "two bearer headers", target: tgt, ctype: "application/json", body: haiku, headers: hdr("Authorization", "Bearer sk-other")},
		{name: "query key differs", target: tgt + "?key=sk-other", ctype: "application/json", body: haiku},
	}
	atkRun(t, cases)
}

// Content-Length lies and chunked bodies over the limit: built by hand
// since httptest sets an honest length.
func TestAttackSizeLies(t *testing.T) {
	h, next := atkMiddleware(t, nil)
	big := append(atkJSON(`"claude-haiku-4-5"`), bytes.Repeat([]byte(" "), 2<<20)...)
	t.Run("chunked over the limit", func(t *testing.T) {
		r := atkReq{target: "/v1/chat/completions", ctype: "application/json"}.build(t)
		r.Body = io.NopCloser(bytes.NewReader(big))
		r.ContentLength = -1
		r.TransferEncoding = []string{"chunked"}
		atkAssertRefused(t, h, next, r)
	})
	t.Run("content-length says small, body is big", func(t *testing.T) {
		r := atkReq{target: "/v1/chat/completions", ctype: "application/json"}.build(t)
		r.Body = io.NopCloser(bytes.NewReader(big))
		r.ContentLength = 10
		atkAssertRefused(t, h, next, r)
	})
	t.Run("content-length short: opus after the declared length", func(t *testing.T) {
		// Go's server would cut the body at Content-Length; the
		// middleware must see what the handler sees. Here the reader is
		// the whole thing, so what is forwarded must be what was checked.
		body := []byte(`{"model":"claude-haiku-4-5"}` + `{"model":"claude-opus-4-7"}`)
		r := atkReq{target: "/v1/chat/completions", ctype: "application/json"}.build(t)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = 28
		atkAssertRefused(t, h, next, r)
	})
	t.Run("raw request line with tab", func(t *testing.T) {
		r := atkReq{target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"claude-haiku-4-5"`)}.build(t)
		r.URL = &url.URL{Path: "/bedrock/model/global.anthropic.claude-opus-4-7\t/invoke"}
		atkAssertRefused(t, h, next, r)
	})
	t.Run("raw path NUL", func(t *testing.T) {
		r := atkReq{target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"claude-haiku-4-5"`)}.build(t)
		r.URL = &url.URL{Path: "/bedrock/model/global.anthropic.claude-opus-4-7\x00/invoke"}
		atkAssertRefused(t, h, next, r)
	})
	t.Run("RawPath disagrees with Path", func(t *testing.T) {
		// A URL whose RawPath is not an encoding of Path: EscapedPath
		// falls back to Path. A proxy forwarding RawPath would send haiku.
		r := atkReq{target: "/v1/chat/completions", ctype: "application/json", body: []byte(`{}`)}.build(t)
		r.URL = &url.URL{Path: "/bedrock/model/global.anthropic.claude-opus-4-7/invoke", RawPath: "/bedrock/model/global.anthropic.claude-haiku-4-5/invoke"}
		next.last = atkSeen{}
		w := atkServe(h, r)
		if next.last.called {
			// Passing is fine only if the decision is about what is
			// forwarded: the escaped path the next handler reads.
			assert.Contains(t, next.last.rawPath, "claude-opus-4-7")
		}
		assert.Equal(t, http.StatusForbidden, w.Code)
	})
}

// TestAttackPassExact: requests that are allowed must reach next with the
// exact bytes and a Decision that names the model actually dispatched.
func TestAttackPassExact(t *testing.T) {
	h, next := atkMiddleware(t, nil)
	gz := atkGzip(atkJSON(`"claude-haiku-4-5"`))
	form, formCT := atkMultipart(t, func(w *multipart.Writer) {
		fw, _ := w.CreateFormFile("file", "a.wav")
		_, _ = fw.Write([]byte("RIFF"))
		_ = w.WriteField("model", "whisper-1")
	})
	cases := []struct {
		atkReq
		group string // expected serving group of the first grant
	}{
		{atkReq{name: "unified chat haiku", target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"claude-haiku-4-5"`)}, "claude-haiku-4-5"},
		{atkReq{name: "escaped model string", target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"claude-haiku-4\u002d5"`)}, "claude-haiku-4-5"},
		{atkReq{name: "gzip haiku", target: "/v1/chat/completions", ctype: "application/json", body: gz, headers: map[string][]string{"Content-Encoding": {"gzip"}}}, "claude-haiku-4-5"},
		{atkReq{name: "bedrock haiku escaped colon-free", target: "/bedrock/model/global.anthropic.claude-haiku-4-5/invoke", body: []byte(`{}`)}, "claude-haiku-4-5"},
		{atkReq{name: "bedrock messages haiku", target: "/bedrock/v1/messages", ctype: "application/json", body: atkJSON(`"global.anthropic.claude-haiku-4-5"`)}, "claude-haiku-4-5"},
		{atkReq{name: "azure mini", target: "/openai/deployments/mini-deploy/chat/completions?api-version=2024-10-21", ctype: "application/json", body: []byte(`{"messages":[]}`)}, "azure-mini"},
		{atkReq{name: "azure mini body model ignored by azure", target: "/openai/deployments/mini-deploy/chat/completions?api-version=2024-10-21", ctype: "application/json", body: atkJSON(`"mini-deploy"`)}, "azure-mini"},
		{atkReq{name: "gemini flash", target: "/v1beta/models/gemini-2.5-flash:generateContent", ctype: "application/json", body: []byte(`{}`)}, "gemini-2.5-flash"},
		{atkReq{name: "vertex flash", target: "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:generateContent", ctype: "application/json", body: []byte(`{}`)}, "vertex-flash"},
		{atkReq{name: "vertex located models flash", target: "/v1beta1/projects/p/locations/l/models/gemini-2.5-flash:generateContent", ctype: "application/json", body: []byte(`{}`)}, "vertex-flash"},
		{atkReq{name: "bedrock openai-compatible chat haiku", target: "/bedrock/openai/v1/chat/completions", ctype: "application/json", body: atkJSON(`"global.anthropic.claude-haiku-4-5"`)}, "claude-haiku-4-5"},
		{atkReq{name: "bedrock openai-compatible responses haiku", target: "/bedrock/openai/v1/responses", ctype: "application/json", body: atkJSON(`"global.anthropic.claude-haiku-4-5"`)}, "claude-haiku-4-5"},
		{atkReq{name: "multipart whisper", target: "/v1/audio/transcriptions", ctype: formCT, body: form}, "whisper-1"},
		{atkReq{name: "anthropic batch haiku", target: "/v1/messages/batches", ctype: "application/json", body: []byte(`{"requests":[{"custom_id":"a","params":{"model":"claude-haiku-4-5"}}]}`)}, "claude-haiku-4-5"},
		{atkReq{name: "async invoke haiku", target: "/bedrock/async-invoke", ctype: "application/json", body: []byte(`{"modelId":"global.anthropic.claude-haiku-4-5","modelInput":{}}`)}, "claude-haiku-4-5"},
		{atkReq{name: "comma list of allowed", target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"claude-haiku-4-5, gpt-4o-mini"`)}, "claude-haiku-4-5"},
		{atkReq{name: "fallbacks allowed", target: "/v1/chat/completions", ctype: "application/json", body: []byte(`{"model":"claude-haiku-4-5","fallbacks":[{"gpt-4o-mini":["claude-haiku-4-5"]}]}`)}, "claude-haiku-4-5"},
		{atkReq{name: "alias fast", key: atkAliased, target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"fast"`)}, "claude-haiku-4-5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next.last = atkSeen{}
			w := atkServe(h, c.build(t))
			require.Equal(t, http.StatusOK, w.Code, "%s", w.Body.String())
			require.True(t, next.last.called)
			assert.Equal(t, c.body, next.last.body, "body forwarded byte for byte")
			require.NotNil(t, next.last.decision)
			grants := next.last.decision.Grants()
			require.NotEmpty(t, grants)
			assert.Equal(t, c.group, grants[0].Group, "grants %+v", grants)
		})
	}
}

// TestAttackDispatcherAgreement: a Go dispatcher that re-reads the body
// with encoding/json (what the DESIGN forbids, and what hosts do anyway)
// must bind the model the decision authorized, for every body the
// middleware lets through.
func TestAttackDispatcherAgreement(t *testing.T) {
	h, next := atkMiddleware(t, nil)
	bodies := []string{
		`{"model":"claude-haiku-4-5"}`,
		`{"model":"claude-haiku-4-5","messages":[{"model":"claude-opus-4-7"}]}`,
		`{"model":"claude-haiku-4-5","modeL_":"claude-opus-4-7"}`,
		`{"model":"claude-haiku-4-5","mode":"claude-opus-4-7"}`,
		`{"model":"claude-haiku-4-5","model ":"claude-opus-4-7"}`,
		`{"model":"claude-haiku-4-5","\u006dodel\u0000":"claude-opus-4-7"}`,
		`{"model":"claude-haiku-4-5","model\ud800":"claude-opus-4-7"}`,
		"{\"model\":\"claude-haiku-4-5\",\"model\xff\":\"claude-opus-4-7\"}",
		"{\"model\":\"claude-haiku-4-5\",\"\xefmodel\":\"claude-opus-4-7\"}",
		`{"model":"claude-haiku-4-5","mOdEl":null}`,
		`{"model":"claude-haiku-4-5","fallbacks":null}`,
	}
	for _, body := range bodies {
		t.Run(body, func(t *testing.T) {
			next.last = atkSeen{}
			r := atkReq{target: "/v1/chat/completions", ctype: "application/json", body: []byte(body)}.build(t)
			w := atkServe(h, r)
			if !next.last.called {
				assert.GreaterOrEqual(t, w.Code, 400)
				return
			}
			var v struct {
				Model     string
				Fallbacks []any
			}
			err := json.Unmarshal(next.last.body, &v)
			require.NoError(t, err, "passed a body encoding/json refuses")
			require.NotNil(t, next.last.decision)
			g := next.last.decision.Grants()
			require.Len(t, g, 1)
			assert.Equal(t, v.Model, g[0].Requested, "encoding/json binds a different model than the one authorized")
			assert.Empty(t, v.Fallbacks)
		})
	}
}

// TestAttackGroupNameCollision: operators name groups after the model
// clients ask for and serve them with something cheaper ("gpt-4o" served
// by a small Azure deployment). On a passthrough route the name is
// forwarded unchanged and the provider serves its own model of that name.
// The Bedrock resolver already counts both meanings; every provider must.
func TestAttackGroupNameCollision(t *testing.T) {
	dep := func(name, model string, groups ...string) modelacl.Deployment {
		return modelacl.Deployment{ModelName: name, LiteLLMParams: modelacl.LiteLLMParams{Model: model}, ModelInfo: modelacl.ModelInfo{AccessGroups: groups}}
	}
	cfg := modelacl.Config{ModelList: []modelacl.Deployment{
		dep("gpt-4o", "azure/mini-deploy", "common-models"),
		dep("gemini-2.5-pro", "gemini/gemini-2.5-flash", "common-models"),
		dep("claude-opus-4-7", "bedrock/global.anthropic.claude-haiku-4-5", "common-models"),
		dep("global.anthropic.claude-opus-4-7", "bedrock/global.anthropic.claude-haiku-4-5", "common-models"),
		dep("prod-gpt-4o", "azure/mini-deploy", "common-models"),
	}}
	cases := []atkReq{
		{name: "bedrock path named like a cheap group", target: "/bedrock/model/global.anthropic.claude-opus-4-7/invoke", body: []byte(`{}`)},
		{name: "openai passthrough gpt-4o", target: "/openai/v1/chat/completions", ctype: "application/json", body: atkJSON(`"gpt-4o"`)},
		{name: "anthropic passthrough claude-opus-4-7", target: "/anthropic/v1/messages", ctype: "application/json", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "gemini passthrough gemini-2.5-pro", target: "/gemini/v1beta/models/gemini-2.5-pro:generateContent", body: []byte(`{}`)},
		{name: "gemini unprefixed gemini-2.5-pro", target: "/v1beta/models/gemini-2.5-pro:generateContent", body: []byte(`{}`)},
		{name: "vertex gemini-2.5-pro", target: "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro:generateContent", body: []byte(`{}`)},
		{name: "azure deployment named like a group", target: "/openai/deployments/prod-gpt-4o/chat/completions?api-version=2024-10-21", body: []byte(`{}`)},
	}
	atkRunFor(t, cfg, cases)
}

// TestAttackWildcardShadowing: a wildcard deployment in the open group,
// an exact deployment of an expensive model outside it. The exact one
// shadows the wildcard for its own ID only; names a dispatcher turns into
// the same upstream model must not slip through the wildcard.
func TestAttackWildcardShadowing(t *testing.T) {
	dep := func(name, model string, groups ...string) modelacl.Deployment {
		return modelacl.Deployment{ModelName: name, LiteLLMParams: modelacl.LiteLLMParams{Model: model}, ModelInfo: modelacl.ModelInfo{AccessGroups: groups}}
	}
	cfg := modelacl.Config{ModelList: []modelacl.Deployment{
		dep("gemini/*", "gemini/*", "common-models"),
		dep("gemini-2.5-pro", "gemini/gemini-2.5-pro"),
		dep("bedrock/*", "bedrock/*", "common-models"),
		dep("claude-opus-4-7", "bedrock/global.anthropic.claude-opus-4-7"),
		dep("claude-opus-base", "bedrock/anthropic.claude-opus-4-7-v1:0"),
		dep("vertex_ai/*", "vertex_ai/*", "common-models"),
		dep("vertex-pro", "vertex_ai/gemini-2.5-pro"),
	}}
	chat := func(m string) []byte { return atkJSON(`"` + m + `"`) }
	cases := []atkReq{
		{name: "exact shadowed id", body: chat("gemini/gemini-2.5-pro")},
		{name: "group name", body: chat("gemini-2.5-pro")},
		{name: "dot-dot traversal to shadowed id", body: chat("gemini/gemini-2.5-flash/../gemini-2.5-pro")},
		{name: "fragment after verb", body: chat("gemini/gemini-2.5-pro:generateContent#")},
		{name: "query after verb", body: chat("gemini/gemini-2.5-pro:generateContent?")},
		{name: "bedrock exact shadowed", body: chat("bedrock/global.anthropic.claude-opus-4-7")},
		{name: "bedrock foundation ARN spelling", body: chat("bedrock/" + atkOpusARNFM)},
		{name: "bedrock inference profile ARN spelling", body: chat("bedrock/" + atkOpusIPARN)},
		{name: "bedrock traversal", body: chat("bedrock/global.anthropic.claude-haiku-4-5/../global.anthropic.claude-opus-4-7")},
		{name: "litellm converse route spelling", body: chat("bedrock/converse/global.anthropic.claude-opus-4-7")},
		{name: "litellm invoke route spelling", body: chat("bedrock/invoke/global.anthropic.claude-opus-4-7")},
		{name: "trailing space spelling", body: chat("bedrock/global.anthropic.claude-opus-4-7 ")},
		{name: "gemini models/ spelling", body: chat("gemini/models/gemini-2.5-pro")},
		{name: "vertex publisher-qualified spelling", body: chat("vertex_ai/google/gemini-2.5-pro")},
		{name: "vertex full resource spelling", body: chat("vertex_ai/publishers/google/models/gemini-2.5-pro")},
		{name: "vertex path publisher google", target: "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro:generateContent", body: []byte(`{}`)},
		{name: "gemini path traversal", target: "/gemini/v1beta/models/gemini-2.5-flash%2F..%2Fgemini-2.5-pro:generateContent", body: []byte(`{}`)},
	}
	for i := range cases {
		if cases[i].target == "" {
			cases[i].target = "/v1/chat/completions"
			cases[i].ctype = "application/json"
		}
	}
	atkRunFor(t, cfg, cases)
}

func TestAttackMoreShapes(t *testing.T) {
	b := func(s string) []byte { return []byte(s) }
	cases := []atkReq{
		{name: "vertex rawPredict path haiku body opus", target: "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-haiku-4-5:rawPredict", ctype: "application/json", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "gemini generateContent flash body model pro", target: "/v1beta/models/gemini-2.5-flash:generateContent", ctype: "application/json", body: b(`{"model":"models/gemini-2.5-pro","contents":[]}`)},
		{name: "gemini batchEmbedContents flash with pro requests", target: "/v1beta/models/gemini-2.5-flash:batchEmbedContents", ctype: "application/json", body: b(`{"requests":[{"model":"models/gemini-2.5-pro","content":{"parts":[{"text":"x"}]}}]}`)},
		{name: "gemini cachedContents pro", target: "/v1beta/cachedContents", ctype: "application/json", body: b(`{"model":"models/gemini-2.5-pro","contents":[]}`)},
		{name: "gemini cachedContents pro prefixed", target: "/gemini/v1beta/cachedContents", ctype: "application/json", body: b(`{"model":"models/gemini-2.5-pro"}`)},
		{name: "gemini live websocket", method: http.MethodGet, target: "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"},
		{name: "azure responses body deployment", target: "/openai/responses?api-version=2025-03-01-preview", ctype: "application/json", body: atkJSON(`"prod-gpt-4o"`)},
		{name: "azure v1 responses body deployment", target: "/openai/v1/responses", ctype: "application/json", body: atkJSON(`"prod-gpt-4o"`)},
		{name: "azure assistants", target: "/openai/assistants?api-version=2024-05-01-preview", ctype: "application/json", body: atkJSON(`"prod-gpt-4o"`)},
		{name: "openai assistants opus", target: "/v1/assistants", ctype: "application/json", body: atkJSON(`"gpt-4o"`)},
		{name: "openai thread run override", target: "/v1/threads/thread_1/runs", ctype: "application/json", body: b(`{"assistant_id":"asst_1","model":"gpt-4o"}`)},
		{name: "openai realtime client secrets", target: "/v1/realtime/client_secrets", ctype: "application/json", body: b(`{"session":{"type":"realtime","model":"gpt-4o"}}`)},
		{name: "openai realtime sessions", target: "/v1/realtime/sessions", ctype: "application/json", body: atkJSON(`"gpt-4o"`)},
		{name: "openai videos", target: "/v1/videos", ctype: "application/json", body: atkJSON(`"gpt-4o"`)},
		{name: "openai evals", target: "/v1/evals", ctype: "application/json", body: b(`{"testing_criteria":[{"model":"gpt-4o"}]}`)},
		{name: "responses image_generation tool model", target: "/openai/v1/responses", ctype: "application/json", body: b(`{"model":"gpt-4o-mini","input":"draw","tools":[{"type":"image_generation","model":"gpt-4o"}]}`)},
		{name: "anthropic passthrough batch opus", target: "/anthropic/v1/messages/batches", ctype: "application/json", body: b(`{"requests":[{"custom_id":"a","params":{"model":"claude-opus-4-7"}}]}`)},
		{name: "bedrock prefix batch", target: "/bedrock/v1/messages/batches", ctype: "application/json", body: b(`{"requests":[{"custom_id":"a","params":{"model":"global.anthropic.claude-opus-4-7"}}]}`)},
		{name: "bedrock prefix count tokens opus", target: "/bedrock/v1/messages/count_tokens", ctype: "application/json", body: atkJSON(`"global.anthropic.claude-opus-4-7"`)},
		{name: "bedrock count-tokens path opus", target: "/bedrock/model/global.anthropic.claude-opus-4-7/count-tokens", ctype: "application/json", body: b(`{}`)},
		{name: "bedrock bidirectional opus", target: "/model/global.anthropic.claude-opus-4-7/invoke-with-bidirectional-stream", body: b(`{}`)},
		{name: "bedrock prompt ARN", target: "/bedrock/model/" + atkEsc("arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT12345") + "/converse", body: b(`{}`)},
		{name: "bedrock provisioned ARN", target: "/bedrock/model/" + atkEsc("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc") + "/invoke", body: b(`{}`)},
		{name: "bedrock custom model ARN raw slashes", target: "/bedrock/model/arn:aws:bedrock:us-east-1:123456789012:custom-model/anthropic.claude-haiku-4-5/abc/invoke", body: b(`{}`)},
		{name: "bedrock raw ARN with action-like segment", target: "/bedrock/model/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/invoke/converse", body: b(`{}`)},
		{name: "bedrock raw ARN with trailing action twice", target: "/bedrock/model/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/" + atkProfileID + "/invoke/invoke", body: b(`{}`)},
		{name: "sagemaker invocations", target: "/endpoints/opus-endpoint/invocations", body: b(`{}`)},
		{name: "vertex anthropic count-tokens no body model", target: "/v1/projects/p/locations/l/publishers/anthropic/models/count-tokens:rawPredict", ctype: "application/json", body: b(`{"messages":[]}`)},
		{name: "vertex other publisher", target: "/v1/projects/p/locations/l/publishers/meta/models/llama-4:rawPredict", body: b(`{}`)},
		{name: "ollama generate opus", target: "/api/generate", ctype: "application/json", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "ollama show name field", target: "/api/show", ctype: "application/json", body: b(`{"name":"claude-opus-4-7"}`)},
		{name: "cohere rerank opus", target: "/v2/rerank", ctype: "application/json", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "legacy engines", target: "/v1/engines/gpt-4o/completions", ctype: "application/json", body: atkJSON(`"gpt-4o-mini"`)},
	}
	atkRunFor(t, atkConfig(), cases)
}

// TestAttackSuspicious documents behaviour that passes and is safe only
// under a stated condition; each asserts that condition.
func TestAttackSuspicious(t *testing.T) {
	h, next := atkMiddleware(t, nil)
	t.Run("access group name as a model names nothing dispatchable", func(t *testing.T) {
		next.last = atkSeen{}
		w := atkServe(h, atkReq{target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"common-models"`)}.build(t))
		if !next.last.called {
			assert.GreaterOrEqual(t, w.Code, 400)
			return
		}
		g := next.last.decision.Grants()
		require.Len(t, g, 1)
		assert.Empty(t, g[0].Group, "an access-group name passed and a group serves it")
	})
	t.Run("alias to an allowed model dispatches the target, not the body name", func(t *testing.T) {
		next.last = atkSeen{}
		w := atkServe(h, atkReq{key: atkAliased, target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"fast"`)}.build(t))
		require.Equal(t, http.StatusOK, w.Code)
		g := next.last.decision.Grants()
		require.Len(t, g, 1)
		assert.Equal(t, "claude-haiku-4-5", g[0].Model)
		assert.Contains(t, string(next.last.body), `"fast"`, "the body still says the alias: dispatch must use the Decision")
	})
	t.Run("unified route: a cheap group named like an expensive upstream model", func(t *testing.T) {
		// Safe only if the dispatcher maps the group to its deployment; a
		// passthrough (examples/internal/gateway forwards the body
		// unchanged) sends "gpt-4o" to the provider. The Decision says so.
		cfg := modelacl.Config{ModelList: []modelacl.Deployment{{
			ModelName: "gpt-4o", LiteLLMParams: modelacl.LiteLLMParams{Model: "azure/mini-deploy"},
			ModelInfo: modelacl.ModelInfo{AccessGroups: []string{"common-models"}},
		}}}
		hc, nc := atkMiddlewareFor(t, cfg, nil)
		nc.last = atkSeen{}
		w := atkServe(hc, atkReq{target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"gpt-4o"`)}.build(t))
		require.Equal(t, http.StatusOK, w.Code)
		g := nc.last.decision.Grants()
		require.Len(t, g, 1)
		assert.Equal(t, "gpt-4o", g[0].Group, "authorized as the group, which a dispatcher must resolve to azure/mini-deploy")
		assert.Equal(t, routeparse.OpenAI, nc.last.decision.Route.Provider, "classified as an OpenAI route: a passthrough dispatcher sends it to OpenAI")
	})
	t.Run("vertex ID that is also a group name authorizes both meanings", func(t *testing.T) {
		next.last = atkSeen{}
		w := atkServe(h, atkReq{target: "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:generateContent", ctype: "application/json", body: []byte(`{}`)}.build(t))
		require.Equal(t, http.StatusOK, w.Code)
		var groups []string
		for _, g := range next.last.decision.Grants() {
			groups = append(groups, g.Group)
		}
		assert.Contains(t, groups, "vertex-flash")
	})
	t.Run("unknown GET route passes unchecked with UnsafeAllowUnknownReadOnly", func(t *testing.T) {
		hu, nu := atkMiddleware(t, func(o *modelacl.Options) { o.UnsafeAllowUnknownReadOnly = true })
		nu.last = atkSeen{}
		w := atkServe(hu, atkReq{method: http.MethodGet, target: "/v1/realtime/calls?model=gpt-4o"}.build(t))
		if nu.last.called {
			assert.Nil(t, nu.last.decision, "no decision is attached to unknown routes")
			return
		}
		assert.GreaterOrEqual(t, w.Code, 400)
	})
}

// TestAttackHeaderStrip: gateway-owned headers and the client's
// credentials never reach next, in any spelling a lenient server reads.
func TestAttackHeaderStrip(t *testing.T) {
	h, next := atkMiddleware(t, func(o *modelacl.Options) { o.StripHeaders = []string{"X-Modelgate-Model"} })
	spellings := map[string][]string{
		"X-Modelgate-Model": {"claude-opus-4-7"},
		"x_modelgate_model": {"claude-opus-4-7"},
		"X-MODELGATE-MODEL": {"claude-opus-4-7"},
		"x-modelgate-model": {"claude-opus-4-7"},
	}
	r := atkReq{target: "/v1/chat/completions?KEY=" + atkRestricted, ctype: "application/json", body: atkJSON(`"claude-haiku-4-5"`), headers: spellings, key: "-"}.build(t)
	next.last = atkSeen{}
	w := atkServe(h, r)
	require.Equal(t, http.StatusOK, w.Code, "%s", w.Body.String())
	require.True(t, next.last.called)
	for k := range next.last.header {
		assert.False(t, strings.EqualFold(strings.ReplaceAll(k, "_", "-"), "X-Modelgate-Model"), "gateway-owned header %q reached next", k)
		assert.NotEqual(t, "Authorization", k)
	}
	assert.NotContains(t, strings.ToLower(next.last.rawQuery), "key=", "credential query parameter reached next")
}

// TestAttackAliasOnNativeRoutes: a downgrade alias ("claude-opus-4-7"
// stands for the cheap model, LiteLLM's key model_aliases) is harmless on
// unified routes, where the gateway dispatches the target. A native or
// passthrough route forwards the ID unchanged: there the alias must not
// apply, or the cheap target is authorized and the expensive ID served.
func TestAttackAliasOnNativeRoutes(t *testing.T) {
	const downgrade = "sk-atk-downgrade-5d1e"
	p, err := modelacl.Compile(atkConfig())
	require.NoError(t, err)
	pr := &modelacl.Principal{KeyID: "atk-downgrade", Key: modelacl.Allow("common-models"), Aliases: map[string]string{
		"claude-opus-4-7":    "claude-haiku-4-5",
		"vertex-claude-opus": "vertex-claude-haiku",
		"azure-gpt-4o":       "azure-mini",
		"gemini-2.5-pro":     "gemini-2.5-flash",
		"vertex-pro":         "vertex-flash",
	}}
	mw, err := modelacl.New(modelacl.Options{
		Policy: p,
		Authenticate: func(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
			if c.Secret == downgrade {
				return pr, nil
			}
			return nil, modelacl.ErrUnknownKey
		},
	})
	require.NoError(t, err)
	next := &atkNext{}
	h := mw.Handler(next)

	t.Run("unified route dispatches the alias target", func(t *testing.T) {
		next.last = atkSeen{}
		w := atkServe(h, atkReq{key: downgrade, target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"claude-opus-4-7"`)}.build(t))
		require.Equal(t, http.StatusOK, w.Code, "%s", w.Body.String())
		g := next.last.decision.Grants()
		require.Len(t, g, 1)
		assert.Equal(t, "claude-haiku-4-5", g[0].Group)
	})
	cases := []atkReq{
		{name: "bedrock path opus", target: "/bedrock/model/global.anthropic.claude-opus-4-7/invoke", body: []byte(`{}`)},
		{name: "bedrock app profile opus", target: "/bedrock/model/" + atkEsc(atkProfileARN) + "/converse", body: []byte(`{}`)},
		{name: "bedrock messages opus", target: "/bedrock/v1/messages", ctype: "application/json", body: atkJSON(`"global.anthropic.claude-opus-4-7"`)},
		{name: "anthropic passthrough opus", target: "/anthropic/v1/messages", ctype: "application/json", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "vertex anthropic opus", target: "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-opus-4-7:rawPredict", body: []byte(`{}`)},
		{name: "azure deployment gpt-4o", target: "/openai/deployments/prod-gpt-4o/chat/completions?api-version=2024-10-21", ctype: "application/json", body: []byte(`{"messages":[]}`)},
		{name: "gemini pro", target: "/v1beta/models/gemini-2.5-pro:generateContent", body: []byte(`{}`)},
		{name: "vertex gemini pro", target: "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro:generateContent", body: []byte(`{}`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.bypass != "" && os.Getenv("ATK_SHOW_BYPASS") == "" {
				t.Skip("BYPASS: " + c.bypass)
			}
			c.key = downgrade
			atkAssertRefused(t, h, next, c.build(t))
		})
	}
}

// TestAttackAppProfileShortFormAmbiguous: the short
// application-inference-profile/{id} form means every configured ARN with
// that ID (bedrock.Index), and all of them must be allowed. When two
// (regions) carry it, both forbidden, the short form must be denied, not
// fall through to an open wildcard.
func TestAttackAppProfileShortFormAmbiguous(t *testing.T) {
	dep := func(name, model string, groups ...string) modelacl.Deployment {
		return modelacl.Deployment{ModelName: name, LiteLLMParams: modelacl.LiteLLMParams{Model: model}, ModelInfo: modelacl.ModelInfo{AccessGroups: groups}}
	}
	east := atkProfileARN
	west := strings.Replace(atkProfileARN, "us-east-1", "us-west-2", 1)
	cfg := modelacl.Config{ModelList: []modelacl.Deployment{
		dep("bedrock/*", "bedrock/*", "common-models"),
		dep("claude-opus-4-7", "bedrock/"+east),
		dep("claude-opus-4-7", "bedrock/"+west),
	}}
	cases := []atkReq{
		{name: "east ARN", target: "/bedrock/model/" + atkEsc(east) + "/invoke", body: []byte(`{}`)},
		{name: "west ARN", target: "/bedrock/model/" + atkEsc(west) + "/invoke", body: []byte(`{}`)},
		{name: "short form raw slash", target: "/bedrock/model/application-inference-profile/" + atkProfileID + "/invoke", body: []byte(`{}`)},
		{name: "short form escaped slash", target: "/bedrock/model/application-inference-profile%2F" + atkProfileID + "/invoke", body: []byte(`{}`)},
		{name: "unified short form", target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"bedrock/application-inference-profile/` + atkProfileID + `"`)},
	}
	atkRunFor(t, cfg, cases)
}

// TestAttackReportOnlyNeverRelaxesAuth: dry-run lets model denials pass,
// never a missing, unknown or ambiguous credential.
func TestAttackReportOnlyNeverRelaxesAuth(t *testing.T) {
	h, next := atkMiddleware(t, func(o *modelacl.Options) { o.ReportOnly = true })
	for _, c := range []atkReq{
		{name: "no credential", key: "-", target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "unknown key", key: "sk-nope", target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"claude-opus-4-7"`)},
		{name: "two credentials", target: "/v1/chat/completions", ctype: "application/json", body: atkJSON(`"claude-opus-4-7"`), headers: map[string][]string{"X-Api-Key": {"sk-other"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			next.last = atkSeen{}
			w := atkServe(h, c.build(t))
			assert.Equal(t, http.StatusUnauthorized, w.Code)
			assert.False(t, next.last.called)
		})
	}
}
