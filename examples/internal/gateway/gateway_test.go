package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
	"github.com/modelgate/modelgate/examples/internal/fakeupstream"
	"github.com/modelgate/modelgate/examples/internal/gateway"
	"github.com/modelgate/modelgate/examples/internal/gatewaytest"
)

const baseConfig = `
model_list:
  - model_name: claude-opus-4-7
    litellm_params: {model: bedrock/global.anthropic.claude-opus-4-7}
  - model_name: claude-opus-4-7
    litellm_params:
      model: bedrock/global.anthropic.claude-opus-4-7
      model_id: arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/opus47prof01
  - model_name: gpt-4o-mini
    litellm_params: {model: openai/gpt-4o-mini}
    model_info: {access_groups: [common-models]}
teams:
  - {team_id: team-a, models: [common-models]}
users:
  - {user_id: alice}
`

// start runs a gateway for cfgYAML (baseConfig plus extra) with mock
// upstreams and returns its URL and the mocks.
func start(t *testing.T, extra string) (string, gateway.Mocks) {
	t.Helper()
	return startYAML(t, baseConfig+extra)
}

// startYAML runs a gateway for the whole config document doc.
func startYAML(t *testing.T, doc string) (string, gateway.Mocks) {
	t.Helper()
	gw, mocks := gatewaytest.New(t, gatewaytest.Parse(t, doc), gateway.Options{})
	ts := httptest.NewServer(gw)
	t.Cleanup(ts.Close)
	return ts.URL, mocks
}

func post(t *testing.T, url, key, body string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

const chatOpus = `{"model":"claude-opus-4-7","messages":[]}`
const chatMini = `{"model":"gpt-4o-mini","messages":[]}`

// The states of a key's allowlist in the YAML must survive into the
// policy: absent is unset (the team decides), [] denies everything, and a
// list restricts.
func TestKeyAllowlistStates(t *testing.T) {
	url, mocks := start(t, `
keys:
  - {key: sk-absent, team_id: team-a}
  - {key: sk-null, models: null, team_id: team-a}
  - {key: sk-empty, models: [], team_id: team-a}
  - {key: sk-star, models: ["*"], team_id: team-a, user_id: alice}
  - {key: sk-lonely, models: ["*"]}
`)
	cases := []struct {
		name string
		key  string
		body string
		want int
	}{
		{"absent models defers to the team (allowed model)", "sk-absent", chatMini, 200},
		{"absent models defers to the team (denied model)", "sk-absent", chatOpus, 403},
		{"null models is unset too", "sk-null", chatOpus, 403},
		{"empty list denies even the team's models", "sk-empty", chatMini, 403},
		{"star key is still bounded by its team", "sk-star", chatOpus, 403},
		{"star key without team reaches the premium model", "sk-lonely", chatOpus, 200},
		{"unknown key is unauthenticated", "sk-nobody", chatMini, 401},
		{"no key is unauthenticated", "", chatMini, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mocks.Reset()
			resp := post(t, url+"/v1/chat/completions", c.key, c.body)
			assert.Equal(t, c.want, resp.StatusCode)
			if c.want == 200 {
				assert.Equal(t, 1, mocks.Total())
			} else {
				assert.Zero(t, mocks.Total(), "refused request reached an upstream")
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"misspelt models field would leave the key unrestricted", "keys: [{key: k, modles: [a]}]", `unknown field "modles"`},
		{"misspelt team field", "teams: [{team_id: t, model: [a]}]", `unknown field "model"`},
		{"key of an unknown team", "keys: [{key: k, team_id: nope}]", `team_id "nope" is not in teams`},
		{"duplicate key", "keys: [{key: k, models: []}, {key: k, models: ['*']}]", "same key as"},
		{"duplicate key alias", "keys: [{key: k1, key_alias: a, models: []}, {key: k2, key_alias: a, models: ['*']}]", "same key_alias"},
		{"allowlist that is not a list", "keys: [{key: k, models: all}]", "allowlist"},
		{"unknown upstream provider", "upstreams: {bedrok: 'http://127.0.0.1:1'}", `unknown provider "bedrok"`},
		{"upstream that is not a URL", "upstreams: {openai: 'ftp://x'}", "not an http(s) base URL"},
		{"deny status other than 401/403", "deny_status: 200", "deny_status"},
		{"aws without secret", "aws: {region: us-east-1, access_key_id: AKIA}", "aws needs"},
		{"alias whose target names two models once spliced", "keys: [{key: k, models: ['*'], aliases: {fast: 'cheap,expensive'}}]", "must not contain ','"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := gateway.ParseConfig([]byte(c.yaml))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestDefaultConfigParses(t *testing.T) {
	cfg, err := gateway.ParseConfig(gateway.DefaultConfig)
	require.NoError(t, err)
	_, err = gateway.New(cfg, gateway.Options{})
	require.NoError(t, err)
}

func TestDenyStatus401(t *testing.T) {
	url, mocks := start(t, "keys: [{key: sk-r, models: [common-models]}]\ndeny_status: 401\n")
	resp := post(t, url+"/chat/completions", "sk-r", chatOpus)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Zero(t, mocks.Total())
}

// The upstream must receive the path with the gateway prefix removed and
// every other byte, escapes included, unchanged; the credential removed;
// other headers as sent.
func TestForwardingKeepsPathBytesAndHeaders(t *testing.T) {
	url, mocks := start(t, "keys: [{key: sk-a, models: ['*']}]\n")
	const escapedARN = "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fopus47prof01"
	resp := post(t, url+"/bedrock/model/"+escapedARN+"/invoke?trace=1", "sk-a", `{"max_tokens":1}`,
		"X-Custom-Trace", "abc", "x-api-key", "sk-a")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	reqs := mocks["bedrock"].Requests()
	require.Len(t, reqs, 1)
	got := reqs[0]
	assert.Equal(t, "/model/"+escapedARN+"/invoke", got.RawPath)
	assert.Equal(t, "trace=1", got.RawQuery)
	assert.Equal(t, `{"max_tokens":1}`, string(got.Body))
	assert.Equal(t, "abc", got.Header.Get("X-Custom-Trace"))
	assert.Empty(t, got.Header.Get("Authorization"))
	assert.Empty(t, got.Header.Get("X-Api-Key"))
}

func TestRoutesReachTheirUpstream(t *testing.T) {
	url, mocks := start(t, "keys: [{key: sk-a, models: ['*']}]\n")
	cases := []struct {
		name, path, body, upstream, upstreamPath string
	}{
		{"unified chat", "/v1/chat/completions", chatMini, "openai", "/v1/chat/completions"},
		{"unified chat without /v1", "/chat/completions", chatMini, "openai", "/chat/completions"},
		{"unified messages go to anthropic", "/v1/messages", chatOpus, "anthropic", "/v1/messages"},
		{"anthropic prefix", "/anthropic/v1/messages", chatOpus, "anthropic", "/v1/messages"},
		{"openai prefix", "/openai/v1/embeddings", `{"model":"text-embedding-3-small","input":"x"}`, "openai", "/v1/embeddings"},
		{"bedrock prefix", "/bedrock/model/global.anthropic.claude-opus-4-7/converse", `{}`, "bedrock", "/model/global.anthropic.claude-opus-4-7/converse"},
		{"gemini prefix", "/gemini/v1beta/models/gemini-2.5-pro:generateContent", `{}`, "gemini", "/v1beta/models/gemini-2.5-pro:generateContent"},
		{"vertex prefix", "/vertex_ai/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro:generateContent", `{}`, "vertex", "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro:generateContent"},
		{"azure prefix", "/azure/openai/deployments/dep1/chat/completions?api-version=2024-10-21", `{"messages":[]}`, "azure", "/openai/deployments/dep1/chat/completions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mocks.Reset()
			resp := post(t, url+c.path, "sk-a", c.body)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			reqs := mocks[c.upstream].Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, c.upstreamPath, reqs[0].RawPath)
			assert.Equal(t, 1, mocks.Total())
		})
	}
}

// With aws configured, the gateway signs what it forwards to Bedrock with
// its own credentials, after stripping the client's, and the signature
// verifies over the bytes the upstream received.
func TestBedrockBidirectionalStreamRefusedWhenResigning(t *testing.T) {
	url, mocks := start(t, `
keys: [{key: sk-a, models: ['*']}]
aws: {region: us-east-1, access_key_id: AKIAGATEWAY000000001, secret_access_key: gateway-secret}
`)
	resp := post(t, url+"/bedrock/model/global.anthropic.claude-opus-4-7/invoke-with-bidirectional-stream", "sk-a", `{}`)
	assert.Equal(t, http.StatusNotImplemented, resp.StatusCode)
	assert.Empty(t, mocks["bedrock"].Requests(), "nothing may reach the upstream")

	// The one-way stream on the same model is still forwarded.
	resp = post(t, url+"/bedrock/model/global.anthropic.claude-opus-4-7/invoke-with-response-stream", "sk-a", `{}`)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, mocks["bedrock"].Requests(), 1)
}

func TestBedrockResigning(t *testing.T) {
	url, mocks := start(t, `
keys: [{key: sk-a, models: ['*']}]
aws: {region: us-east-1, access_key_id: AKIAGATEWAY000000001, secret_access_key: gateway-secret}
`)
	resp := post(t, url+"/bedrock/model/global.anthropic.claude-opus-4-7/invoke", "sk-a", `{"max_tokens":1}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	got := mocks["bedrock"].Requests()[0]
	// The signer hashes and sends replays of the body the middleware
	// buffered (no copy of its own): all of it reaches the upstream.
	assert.Equal(t, `{"max_tokens":1}`, string(got.Body))
	auth := got.Header.Get("Authorization")
	require.True(t, strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIAGATEWAY000000001/"), auth)
	assert.Contains(t, auth, "/us-east-1/bedrock/aws4_request")

	// Verify the signature over the bytes received with sigv4test, an
	// implementation of the published algorithm written apart from the
	// SDK signer the gateway uses.
	host, requestURI, a := verifyGatewaySignature(t, mocks, got)
	require.Contains(t, a.SignedHeaders, "host")

	// Re-sign the received request with the SDK at the same time and compare.
	signedAt, err := time.Parse("20060102T150405Z", got.Header.Get("X-Amz-Date"))
	require.NoError(t, err)
	check, err := http.NewRequest(got.Method, "http://"+host+requestURI, strings.NewReader(string(got.Body)))
	require.NoError(t, err)
	check.Host = host
	// Rebuild the request from the headers the signature covers.
	for _, h := range a.SignedHeaders {
		if h != "host" && h != "content-length" {
			check.Header[http.CanonicalHeaderKey(h)] = got.Header.Values(h)
		}
	}
	sum := sha256.Sum256(got.Body)
	err = v4.NewSigner().SignHTTP(t.Context(), aws.Credentials{AccessKeyID: "AKIAGATEWAY000000001", SecretAccessKey: "gateway-secret"},
		check, hex.EncodeToString(sum[:]), "bedrock", "us-east-1", signedAt)
	require.NoError(t, err)
	assert.Equal(t, check.Header.Get("Authorization"), auth)
}

// verifyGatewaySignature checks the gateway's signature over got, a
// request the Bedrock mock received, with sigv4test.
func verifyGatewaySignature(t *testing.T, mocks gateway.Mocks, got fakeupstream.Request) (host, requestURI string, a sigv4test.Authorization) {
	t.Helper()
	host = hostOf(mocks["bedrock"].URL())
	requestURI = got.RawPath
	if got.RawQuery != "" {
		requestURI += "?" + got.RawQuery
	}
	a, _, err := sigv4test.Verify("gateway-secret", sigv4test.Request{
		Method: got.Method, RequestURI: requestURI, Host: host,
		Header: got.Header, Body: got.Body, ContentLength: int64(len(got.Body)),
	})
	require.NoError(t, err)
	return host, requestURI, a
}

func hostOf(u string) string {
	return strings.TrimPrefix(u, "http://")
}

// A stream must reach the client event by event: the upstream below
// sends its second event only after the client has read the first one
// through the gateway. A gateway that buffered the response would stall
// here until the timeout.
func TestStreamsAreNotBuffered(t *testing.T) {
	firstRead := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: {\"n\":1}\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-firstRead:
		case <-time.After(5 * time.Second):
			return
		}
		_, _ = io.WriteString(w, "data: {\"n\":2}\n\ndata: [DONE]\n\n")
	}))
	defer upstream.Close()

	url, _ := start(t, "keys: [{key: sk-a, models: ['*']}]\nupstreams: {openai: '"+upstream.URL+"'}\n")
	req, err := http.NewRequest(http.MethodPost, url+"/v1/chat/completions", strings.NewReader(`{"model":"gpt-4o-mini","stream":true,"messages":[]}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer sk-a")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	buf := make([]byte, len("data: {\"n\":1}\n\n"))
	done := make(chan error, 1)
	go func() { _, err := io.ReadFull(resp.Body, buf); done <- err }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(3 * time.Second):
		t.Fatal("first event did not arrive before the stream ended: the gateway buffers")
	}
	assert.Equal(t, "data: {\"n\":1}\n\n", string(buf))
	close(firstRead)
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "data: {\"n\":2}\n\ndata: [DONE]\n\n", string(rest))
}

// GET /v1/models lists what the key may call, by the same policy code.
func TestListModels(t *testing.T) {
	url, mocks := start(t, `
keys:
  - {key: sk-r, key_alias: r, models: [common-models]}
  - {key: sk-a, key_alias: a, models: ['*']}
`)
	get := func(key, path string) []string {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, url+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		var list struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			Summaries []struct {
				ID string `json:"inferenceProfileId"`
			} `json:"inferenceProfileSummaries"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
		ids := []string{}
		for _, m := range list.Data {
			ids = append(ids, m.ID)
		}
		for _, m := range list.Summaries {
			ids = append(ids, m.ID)
		}
		return ids
	}
	for _, c := range []struct {
		key, path string
		want      []string
	}{
		// The unified routes list model groups.
		{"sk-r", "/v1/models", []string{"gpt-4o-mini"}},
		{"sk-r", "/models", []string{"gpt-4o-mini"}},
		{"sk-a", "/v1/models", []string{"claude-opus-4-7", "gpt-4o-mini"}},
		// The OpenAI passthrough lists the OpenAI IDs it would forward:
		// claude-opus-4-7 is served only on Bedrock.
		{"sk-a", "/openai/v1/models", []string{"gpt-4o-mini"}},
		{"sk-r", "/openai/v1/models", []string{"gpt-4o-mini"}},
		// Bedrock lists what the configuration deploys there.
		{"sk-a", "/bedrock/inference-profiles", []string{"global.anthropic.claude-opus-4-7", "opus47prof01"}},
		{"sk-r", "/bedrock/inference-profiles", []string{}},
	} {
		assert.Equal(t, c.want, get(c.key, c.path), c.key+" "+c.path)
	}
	assert.Zero(t, mocks.Total(), "the listing is answered by the gateway")
}

// The realtime route names its model in the query string.
func TestRealtimeQueryModel(t *testing.T) {
	url, mocks := start(t, `
keys:
  - {key: sk-r, models: [common-models]}
`)
	for _, c := range []struct {
		name, query string
		want        int
	}{
		{"model of the key's group", "model=gpt-4o-mini", http.StatusOK},
		{"model outside the key's group", "model=claude-opus-4-7", http.StatusForbidden},
		{"second model parameter smuggling a premium model", "model=gpt-4o-mini&model=claude-opus-4-7", http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			mocks.Reset()
			req, err := http.NewRequest(http.MethodGet, url+"/v1/realtime?"+c.query, nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer sk-r")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			_ = resp.Body.Close()
			if c.want == http.StatusOK {
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				assert.Equal(t, 1, mocks.Total())
				return
			}
			assert.GreaterOrEqual(t, resp.StatusCode, 400)
			assert.Less(t, resp.StatusCode, 500)
			assert.Zero(t, mocks.Total())
		})
	}
}

// A Gemini API key in the query string authenticates the caller and is
// removed before the upstream; the other parameters keep their bytes.
func TestQueryKeyIsStripped(t *testing.T) {
	url, mocks := start(t, "keys: [{key: sk-a, models: ['*']}]\n")
	req, err := http.NewRequest(http.MethodPost, url+"/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=sk-a", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "data: ")
	reqs := mocks["gemini"].Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "alt=sse", reqs[0].RawQuery)
}
