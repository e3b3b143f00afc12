package gateway_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
	"github.com/modelgate/modelgate/examples/internal/gatewaytest"
	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// aliasConfig is the downgrade-alias scenario: the restricted key may call the
// common models only, and maps the premium model's name to a cheap one.
// The policy authorizes the alias's target; the upstream must be asked
// for that target, not for the name the client sent.
const aliasConfig = `
model_list:
  - model_name: claude-opus-4-7
    litellm_params: {model: anthropic/claude-opus-4-7}
  - model_name: claude-haiku-4-5
    litellm_params: {model: anthropic/claude-haiku-4-5}
    model_info: {access_groups: [common-models]}
  - model_name: gpt-4o-mini
    litellm_params: {model: openai/gpt-4o-mini}
    model_info: {access_groups: [common-models]}
keys:
  - key: sk-r
    key_alias: restricted
    models: [common-models]
    aliases: {claude-opus-4-7: claude-haiku-4-5, fast: gpt-4o-mini}
  - {key: sk-plain, key_alias: plain, models: [common-models]}
`

type response struct {
	status int
	body   []byte
}

// send makes one request and returns its status and body.
func send(t *testing.T, method, url, key string, body []byte, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	require.NoError(t, err)
	if body == nil {
		req.Body, req.ContentLength = nil, 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return response{status: resp.StatusCode, body: b}
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// openAIError decodes the gateway's OpenAI-shaped error body.
func openAIError(t *testing.T, b []byte) (typ, code, param string) {
	t.Helper()
	var e struct {
		Error struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    string `json:"code"`
			Param   string `json:"param"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(b, &e), string(b))
	assert.NotEmpty(t, e.Error.Message)
	return e.Error.Type, e.Error.Code, e.Error.Param
}

// An alias is authorized as its target, so the upstream must be asked for
// the target: forwarding the alias's own name would call the premium
// model the key may not use.
func TestAliasReachesTheUpstreamAsItsTarget(t *testing.T) {
	url, mocks := startYAML(t, aliasConfig)
	cases := []struct {
		name, path, upstream string
		header               []string
		body, want           string
	}{
		{
			name: "premium name aliased to a cheap model on /v1/chat/completions", path: "/v1/chat/completions", upstream: "openai",
			body: `{"model":"claude-opus-4-7","messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"hi"}]}`,
		},
		{
			name: "premium name aliased on /chat/completions", path: "/chat/completions", upstream: "openai",
			body: `{"messages":[],"model":"claude-opus-4-7"}`,
			want: `{"messages":[],"model":"claude-haiku-4-5"}`,
		},
		{
			name: "premium name aliased on /v1/messages", path: "/v1/messages", upstream: "anthropic",
			header: []string{"anthropic-version", "2023-06-01"},
			body:   `{"max_tokens":16,"model":"claude-opus-4-7","messages":[{"role":"user","content":"hi"}]}`,
			want:   `{"max_tokens":16,"model":"claude-haiku-4-5","messages":[{"role":"user","content":"hi"}]}`,
		},
		{
			name: "alias spelled with a JSON escape", path: "/v1/chat/completions", upstream: "openai",
			body: `{"model":"claude\u002dopus-4-7","messages":[]}`,
			want: `{"model":"claude-haiku-4-5","messages":[]}`,
		},
		{
			name: "nested model members and spacing are data, kept as sent", path: "/v1/chat/completions", upstream: "openai",
			body: "{ \"messages\" : [{\"role\":\"user\",\"content\":\"x\",\"model\":\"claude-opus-4-7\"}] ,\n  \"model\" :  \"claude-opus-4-7\" ,\"metadata\":{\"model\":\"claude-opus-4-7\"} }\n",
			want: "{ \"messages\" : [{\"role\":\"user\",\"content\":\"x\",\"model\":\"claude-opus-4-7\"}] ,\n  \"model\" :  \"claude-haiku-4-5\" ,\"metadata\":{\"model\":\"claude-opus-4-7\"} }\n",
		},
		{
			name: "alias on /v1/embeddings", path: "/v1/embeddings", upstream: "openai",
			body: `{"input":"x","model":"fast"}`,
			want: `{"input":"x","model":"gpt-4o-mini"}`,
		},
		{
			name: "streaming alias on /v1/responses", path: "/v1/responses", upstream: "openai",
			body: `{"model":"fast","input":"x","stream":true}`,
			want: `{"model":"gpt-4o-mini","input":"x","stream":true}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mocks.Reset()
			resp := send(t, http.MethodPost, url+c.path, "sk-r", []byte(c.body), c.header...)
			require.Equal(t, http.StatusOK, resp.status, string(resp.body))
			reqs := mocks[c.upstream].Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, 1, mocks.Total())
			assert.Equal(t, c.want, string(reqs[0].Body))
			assert.Equal(t, strconv.Itoa(len(c.want)), reqs[0].Header.Get("Content-Length"))
		})
	}
}

// Where the reference gateway cannot rewrite an alias exactly, it refuses
// the request instead of forwarding a name that was not authorized.
func TestAliasTheGatewayCannotRewriteIsRefused(t *testing.T) {
	url, mocks := startYAML(t, aliasConfig)

	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	require.NoError(t, mw.WriteField("model", "claude-opus-4-7"))
	fw, err := mw.CreateFormFile("file", "a.wav")
	require.NoError(t, err)
	_, _ = fw.Write([]byte("RIFF"))
	require.NoError(t, mw.Close())

	cases := []struct {
		name, method, path string
		body               []byte
		header             []string
	}{
		{
			name: "alias in a gzip body would reach the upstream compressed and unchanged", method: http.MethodPost, path: "/v1/chat/completions",
			body:   gzipped(t, `{"model":"claude-opus-4-7","messages":[]}`),
			header: []string{"Content-Encoding", "gzip"},
		},
		{
			name: "alias in a gzip body on /v1/messages", method: http.MethodPost, path: "/v1/messages",
			body:   gzipped(t, `{"model":"claude-opus-4-7","max_tokens":1,"messages":[]}`),
			header: []string{"Content-Encoding", "gzip"},
		},
		{
			name: "alias as a fallback", method: http.MethodPost, path: "/v1/chat/completions",
			body: []byte(`{"model":"gpt-4o-mini","fallbacks":["claude-opus-4-7"],"messages":[]}`),
		},
		{
			name: "alias as a context window fallback", method: http.MethodPost, path: "/v1/chat/completions",
			body: []byte(`{"model":"gpt-4o-mini","context_window_fallbacks":[{"gpt-4o-mini":["claude-opus-4-7"]}],"messages":[]}`),
		},
		{
			name: "alias as primary and fallback", method: http.MethodPost, path: "/v1/chat/completions",
			body: []byte(`{"model":"claude-opus-4-7","fallbacks":["claude-opus-4-7"],"messages":[]}`),
		},
		{
			name: "alias in a model list", method: http.MethodPost, path: "/v1/chat/completions",
			body: []byte(`{"model":["claude-opus-4-7"],"messages":[]}`),
		},
		{
			name: "alias in a comma-separated model string", method: http.MethodPost, path: "/v1/chat/completions",
			body: []byte(`{"model":"gpt-4o-mini,claude-opus-4-7","messages":[]}`),
		},
		{
			name: "alias as deployment_id beside an allowed model", method: http.MethodPost, path: "/v1/chat/completions",
			body: []byte(`{"model":"gpt-4o-mini","deployment_id":"claude-opus-4-7","messages":[]}`),
		},
		{
			name: "alias in a message batch's requests", method: http.MethodPost, path: "/v1/messages/batches",
			body:   []byte(`{"requests":[{"custom_id":"a","params":{"model":"claude-opus-4-7","max_tokens":1,"messages":[]}}]}`),
			header: []string{"anthropic-version", "2023-06-01"},
		},
		{
			name: "alias in the realtime query string", method: http.MethodGet, path: "/v1/realtime?model=claude-opus-4-7",
		},
		{
			name: "alias in a multipart form field", method: http.MethodPost, path: "/v1/audio/transcriptions",
			body:   form.Bytes(),
			header: []string{"Content-Type", mw.FormDataContentType()},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mocks.Reset()
			resp := send(t, c.method, url+c.path, "sk-r", c.body, c.header...)
			assert.Zero(t, mocks.Total(), "a request naming an unrewritten alias reached an upstream")
			require.Equal(t, http.StatusBadRequest, resp.status, string(resp.body))
			typ, code, param := openAIError(t, resp.body)
			assert.Equal(t, "invalid_request_error", typ)
			assert.Equal(t, "model_alias_not_forwardable", code)
			assert.Equal(t, "model", param)
		})
	}
}

// A passthrough route forwards the body's name to the provider as sent,
// so the policy checks it as sent: the alias named like the premium model
// must not make it pass as its cheap target.
func TestAliasOnPassthroughRouteNeverReachesThePremiumModel(t *testing.T) {
	url, mocks := startYAML(t, aliasConfig)
	for _, path := range []string{"/anthropic/v1/messages", "/openai/v1/chat/completions"} {
		mocks.Reset()
		resp := send(t, http.MethodPost, url+path, "sk-r",
			[]byte(`{"model":"claude-opus-4-7","max_tokens":1,"messages":[]}`), "anthropic-version", "2023-06-01")
		assert.Zero(t, mocks.Total(), "%s: the premium model was called through an alias", path)
		assert.Equal(t, http.StatusForbidden, resp.status, "%s: %s", path, resp.body)
	}
}

// A request that names no alias is forwarded byte for byte, even from a
// key that has aliases, and even compressed.
func TestBodyWithoutAliasIsForwardedByteForByte(t *testing.T) {
	url, mocks := startYAML(t, aliasConfig)
	cases := []struct {
		name, key, path, upstream string
		body                      []byte
		header                    []string
	}{
		{
			name: "odd spacing, escapes and the alias's name as data", key: "sk-r", path: "/v1/chat/completions", upstream: "openai",
			body: []byte("{\"messages\":[{\"role\":\"user\",\"content\":\"caf\\u00e9 \\\"model\\\": \\\"claude-opus-4-7\\\"\"}],  \"model\":\"gpt-4o-mini\", \"temperature\":0.50}\n"),
		},
		{
			name: "alias target named directly", key: "sk-r", path: "/v1/messages", upstream: "anthropic",
			body:   []byte(`{"model":"claude-haiku-4-5","max_tokens":1,"messages":[]}`),
			header: []string{"anthropic-version", "2023-06-01"},
		},
		{
			name: "gzip body without alias stays compressed", key: "sk-r", path: "/v1/chat/completions", upstream: "openai",
			body:   gzipped(t, `{"model":"gpt-4o-mini","messages":[]}`),
			header: []string{"Content-Encoding", "gzip"},
		},
		{
			name: "key without aliases", key: "sk-plain", path: "/chat/completions", upstream: "openai",
			body: []byte(`{"model" : "gpt-4o-mini" , "messages":[]}`),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mocks.Reset()
			resp := send(t, http.MethodPost, url+c.path, c.key, c.body, c.header...)
			require.Equal(t, http.StatusOK, resp.status, string(resp.body))
			reqs := mocks[c.upstream].Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, c.body, reqs[0].Body)
			assert.Equal(t, strconv.Itoa(len(c.body)), reqs[0].Header.Get("Content-Length"))
		})
	}
}

// The dispatcher behind the middleware forwards only what an allowed
// decision describes. These decisions are ones the middleware does not
// make; a change in the library that produced one must not become a
// bypass.
func TestDispatcherFailsClosed(t *testing.T) {
	gw, mocks := gatewaytest.New(t, gatewaytest.Parse(t, aliasConfig), gateway.Options{})

	aliasKey := &modelacl.Principal{KeyID: "restricted", Key: modelacl.Allow("common-models"),
		Aliases: map[string]string{"claude-opus-4-7": "claude-haiku-4-5"}}
	plainKey := &modelacl.Principal{KeyID: "plain", Key: modelacl.Allow("common-models")}
	// anyKey has an alias named like a model, which must not matter on
	// provider routes.
	anyKey := &modelacl.Principal{KeyID: "any", Key: modelacl.AllowAll(),
		Aliases: map[string]string{"claude-opus-4-7": "claude-haiku-4-5"}}
	route := func(t *testing.T, path, body string) routeparse.Route {
		t.Helper()
		var p routeparse.Parser
		rt, err := p.ParseRequest(http.MethodPost, path, "", http.Header{})
		require.NoError(t, err)
		require.NoError(t, p.ParseBody(&rt, "application/json", "", []byte(body), 1<<20))
		return rt
	}
	decide := func(t *testing.T, pr *modelacl.Principal, rt routeparse.Route, names ...string) *modelacl.Decision {
		t.Helper()
		d, _ := gw.Policy().Check(pr, names...)
		d.Route = rt
		return &d
	}

	const opusChat = `{"model":"claude-opus-4-7","messages":[]}`
	const opusMessages = `{"model":"claude-opus-4-7","max_tokens":1,"messages":[]}`
	cases := []struct {
		name, path, body string
		decision         func(t *testing.T) *modelacl.Decision
		want             int
		upstreamBody     string // when forwarded
	}{
		{
			name: "no decision in the context", path: "/v1/chat/completions", body: opusChat,
			decision: func(*testing.T) *modelacl.Decision { return nil },
			want:     http.StatusForbidden,
		},
		{
			name: "a denial let through", path: "/v1/chat/completions", body: opusChat,
			decision: func(t *testing.T) *modelacl.Decision {
				d := decide(t, plainKey, route(t, "/v1/chat/completions", opusChat), "claude-opus-4-7")
				require.False(t, d.Allowed)
				return d
			},
			want: http.StatusForbidden,
		},
		{
			name: "allowed for another model than the body names", path: "/v1/chat/completions", body: opusChat,
			decision: func(t *testing.T) *modelacl.Decision {
				d := decide(t, plainKey, route(t, "/v1/chat/completions", opusChat), "gpt-4o-mini")
				require.True(t, d.Allowed)
				return d
			},
			want: http.StatusForbidden,
		},
		{
			name: "bedrock path model other than the one authorized", path: "/bedrock/model/global.anthropic.claude-opus-4-7/invoke", body: `{"max_tokens":1}`,
			decision: func(t *testing.T) *modelacl.Decision {
				rt := route(t, "/bedrock/model/global.anthropic.claude-opus-4-7/invoke", `{"max_tokens":1}`)
				d, err := modelacl.Checker{Policy: gw.Policy()}.CheckNative(anyKey, routeparse.Bedrock, "global.anthropic.claude-haiku-4-5")
				require.NoError(t, err)
				d.Route = rt
				return &d
			},
			want: http.StatusForbidden,
		},
		{
			name: "passthrough body model other than the one authorized", path: "/anthropic/v1/messages", body: opusMessages,
			decision: func(t *testing.T) *modelacl.Decision {
				rt := route(t, "/anthropic/v1/messages", opusMessages)
				d, err := modelacl.Checker{Policy: gw.Policy()}.CheckNative(anyKey, routeparse.Anthropic, "claude-haiku-4-5")
				require.NoError(t, err)
				d.Route = rt
				return &d
			},
			want: http.StatusForbidden,
		},
		{
			name: "control: a passthrough decision for the body's model is forwarded unchanged", path: "/anthropic/v1/messages", body: opusMessages,
			decision: func(t *testing.T) *modelacl.Decision {
				rt := route(t, "/anthropic/v1/messages", opusMessages)
				d, err := modelacl.Checker{Policy: gw.Policy()}.CheckRoute(anyKey, &rt)
				require.NoError(t, err)
				return &d
			},
			want:         http.StatusOK,
			upstreamBody: opusMessages,
		},
		{
			name: "control: a decision that describes the request is forwarded", path: "/v1/chat/completions", body: `{"model":"gpt-4o-mini"}`,
			decision: func(t *testing.T) *modelacl.Decision {
				return decide(t, plainKey, route(t, "/v1/chat/completions", `{"model":"gpt-4o-mini"}`), "gpt-4o-mini")
			},
			want:         http.StatusOK,
			upstreamBody: `{"model":"gpt-4o-mini"}`,
		},
		{
			name: "control: an alias grant on a unified route is rewritten", path: "/v1/chat/completions", body: opusChat,
			decision: func(t *testing.T) *modelacl.Decision {
				return decide(t, aliasKey, route(t, "/v1/chat/completions", opusChat), "claude-opus-4-7")
			},
			want:         http.StatusOK,
			upstreamBody: `{"model":"claude-haiku-4-5","messages":[]}`,
		},
		{
			name: "body changed after the check: the span no longer holds the aliased name", path: "/v1/chat/completions",
			body: `{"model":"claude-opus-4-8","messages":[]}`,
			decision: func(t *testing.T) *modelacl.Decision {
				return decide(t, aliasKey, route(t, "/v1/chat/completions", opusChat), "claude-opus-4-7")
			},
			want: http.StatusBadRequest,
		},
		{
			name: "body shortened after the check: the span lies past its end", path: "/v1/chat/completions",
			body: `{"model":"x"}`,
			decision: func(t *testing.T) *modelacl.Decision {
				return decide(t, aliasKey, route(t, "/v1/chat/completions", `{"messages":[],"model":"claude-opus-4-7"}`), "claude-opus-4-7")
			},
			want: http.StatusBadRequest,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mocks.Reset()
			req := httptest.NewRequest(http.MethodPost, c.path, strings.NewReader(c.body))
			rec := httptest.NewRecorder()
			gw.Dispatch(rec, req, c.decision(t))
			require.Equal(t, c.want, rec.Code, rec.Body.String())
			if c.want != http.StatusOK {
				assert.Zero(t, mocks.Total(), "refused request reached an upstream")
				return
			}
			require.Equal(t, 1, mocks.Total())
			var got []byte
			for _, m := range mocks {
				if reqs := m.Requests(); len(reqs) == 1 {
					got = reqs[0].Body
				}
			}
			assert.Equal(t, c.upstreamBody, string(got))
		})
	}
}
