package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's recipe is this file: a newcomer copies compiled, tested
// code.
func TestREADMEShowsThisFile(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	const marker = "<!-- examples/embed/main.go -->\n```go\n"
	_, block, ok := strings.Cut(string(readme), marker)
	require.True(t, ok, "README.md has no block after %q", marker)
	block, _, ok = strings.Cut(block, "\n```\n")
	require.True(t, ok)
	assert.Equal(t, string(src), block+"\n", "README.md's recipe differs from examples/embed/main.go")
}

// The sample configuration next to the recipe compiles.
func TestSampleConfig(t *testing.T) {
	raw, err := os.ReadFile("config.yaml")
	require.NoError(t, err)
	_, err = newGateway(raw)
	require.NoError(t, err)
}

// The dispatcher forwards nothing the middleware did not allow, even when
// mounted without it by mistake.
func TestForwardFailsClosedWithoutADecision(t *testing.T) {
	up := &upstream{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	proxies := map[string]*httputil.ReverseProxy{"openai": httputil.NewSingleHostReverseProxy(u)}
	w := httptest.NewRecorder()
	forward(w, httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(`{"model":"gpt-4o"}`)), proxies)
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Empty(t, up.take())
}

// upstream records what reached it.
type upstream struct {
	mu   sync.Mutex
	reqs []seenRequest
}

type seenRequest struct {
	rawPath, path, auth, clientKey string
	body                           string
	contentLength                  int64
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.reqs = append(u.reqs, seenRequest{r.URL.EscapedPath(), r.URL.Path, r.Header.Get("Authorization") + r.Header.Get("X-Api-Key"),
		r.Header.Get("X-Client-Key"), string(b), r.ContentLength})
	u.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (u *upstream) take() []seenRequest {
	u.mu.Lock()
	defer u.mu.Unlock()
	r := u.reqs
	u.reqs = nil
	return r
}

func TestRecipe(t *testing.T) {
	openai, bedrock := &upstream{}, &upstream{}
	openaiSrv, bedrockSrv := httptest.NewServer(openai), httptest.NewServer(bedrock)
	t.Cleanup(openaiSrv.Close)
	t.Cleanup(bedrockSrv.Close)
	t.Setenv("OPENAI_API_KEY", "sk-upstream")
	cfg := `
model_list:
  - model_name: gpt-4o-mini
    litellm_params: {model: openai/gpt-4o-mini}
    model_info: {access_groups: [common]}
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o}
  - model_name: opus
    litellm_params: {model: "bedrock/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"}
    model_info: {access_groups: [common]}
router_settings:
  model_group_alias: {cheap: gpt-4o-mini}
keys:
  sk-client:
    id: team-a
    models: [common]
    aliases: {fast: gpt-4o-mini}
upstreams:
  openai: ` + openaiSrv.URL + `
  bedrock: ` + bedrockSrv.URL + `
`
	h, err := newGateway([]byte(cfg))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	send := func(method, path, body, key string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	t.Run("health check needs no key", func(t *testing.T) {
		code, _ := send("GET", "/healthz", "", "")
		assert.Equal(t, http.StatusOK, code)
	})
	t.Run("allowed model goes upstream with the gateway's key, not the client's", func(t *testing.T) {
		body := `{"model":"gpt-4o-mini","messages":[]}`
		code, resp := send("POST", "/v1/chat/completions", body, "sk-client")
		require.Equal(t, http.StatusOK, code, resp)
		got := openai.take()
		require.Len(t, got, 1)
		assert.Equal(t, "/v1/chat/completions", got[0].path)
		assert.Equal(t, "Bearer sk-upstream", got[0].auth)
		assert.Equal(t, body, got[0].body)
	})
	t.Run("denied model never reaches an upstream", func(t *testing.T) {
		code, _ := send("POST", "/v1/chat/completions", `{"model":"gpt-4o"}`, "sk-client")
		assert.Equal(t, http.StatusForbidden, code)
		assert.Empty(t, openai.take())
	})
	t.Run("unknown key", func(t *testing.T) {
		code, _ := send("POST", "/v1/chat/completions", `{"model":"gpt-4o-mini"}`, "sk-nobody")
		assert.Equal(t, http.StatusUnauthorized, code)
	})
	for _, alias := range []string{"fast", "cheap"} {
		t.Run("alias "+alias+" reaches the upstream as its target, other bytes as sent", func(t *testing.T) {
			body := `{"messages":[{"role":"user","content":"say \"` + alias + `\""}], "model" : "` + alias + `" }`
			code, resp := send("POST", "/v1/chat/completions", body, "sk-client")
			require.Equal(t, http.StatusOK, code, resp)
			got := openai.take()
			require.Len(t, got, 1)
			want := strings.Replace(body, `"model" : "`+alias+`"`, `"model" : "gpt-4o-mini"`, 1)
			assert.Equal(t, want, got[0].body)
			assert.Equal(t, int64(len(want)), got[0].contentLength)
		})
	}
	t.Run("alias in a fallback is refused, not forwarded under its own name", func(t *testing.T) {
		code, _ := send("POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","fallbacks":["fast"]}`, "sk-client")
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Empty(t, openai.take())
	})
	t.Run("escaped ARN keeps its %2F upstream, prefix removed", func(t *testing.T) {
		arn := "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile%2Fabc123"
		code, resp := send("POST", "/bedrock/model/"+arn+"/converse", `{"messages":[]}`, "sk-client")
		require.Equal(t, http.StatusOK, code, resp)
		got := bedrock.take()
		require.Len(t, got, 1)
		assert.Equal(t, "/model/"+arn+"/converse", got[0].rawPath)
	})
	t.Run("the key lists only what it may call", func(t *testing.T) {
		code, body := send("GET", "/v1/models", "", "sk-client")
		require.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, `"gpt-4o-mini"`)
		assert.Contains(t, body, `"cheap"`)
		assert.NotContains(t, body, `"gpt-4o"`)
		assert.Empty(t, openai.take(), "listings are answered by the gateway")
	})
}
