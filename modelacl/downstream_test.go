package modelacl_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// Check runs the whole pipeline without serving: a host on another router
// gets the same Decision and the same prepared request the handler would
// hand on, and writes the same refusal.
func TestCheckMatchesHandler(t *testing.T) {
	mw, err := modelacl.New(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate})
	require.NoError(t, err)

	t.Run("allowed: prepared request carries the decision, credentials gone, body restored", func(t *testing.T) {
		body := `{"model":"gpt-4o-mini","messages":[]}`
		r := httptest.NewRequest("POST", "/v1/chat/completions?key="+restrictedKey, strings.NewReader(body))
		r.Header.Set("X-Litellm-Api-Key", "sk-other")
		r2, d, err := mw.Check(r)
		require.NoError(t, err)
		require.NotNil(t, r2)
		require.True(t, d.Allowed)
		fromCtx, ok := modelacl.FromContext(r2.Context())
		require.True(t, ok)
		assert.Same(t, d, fromCtx)
		assert.Empty(t, r2.URL.RawQuery, "the key query parameter must not go on")
		assert.Empty(t, r2.Header.Get("X-Litellm-Api-Key"))
		got, err := io.ReadAll(r2.Body)
		require.NoError(t, err)
		assert.Equal(t, body, string(got))
	})

	t.Run("denied model: no request, decision says why, refusal in the client's dialect", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/bedrock/model/global.anthropic.claude-opus-4-7/converse", strings.NewReader(`{}`))
		bearer(r, restrictedKey)
		r2, d, err := mw.Check(r)
		require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
		assert.Nil(t, r2)
		require.NotNil(t, d)
		assert.False(t, d.Allowed)
		assert.ErrorIs(t, d.Err, modelacl.ErrModelNotAllowed)
		assert.Equal(t, "key-restricted", d.KeyID)

		w := httptest.NewRecorder()
		mw.WriteRefusal(w, r, d)
		assert.Equal(t, http.StatusForbidden, w.Code)
		assert.Equal(t, "AccessDeniedException", w.Header().Get("X-Amzn-ErrorType"))

		// The handler writes exactly the same refusal.
		r = httptest.NewRequest("POST", "/bedrock/model/global.anthropic.claude-opus-4-7/converse", strings.NewReader(`{}`))
		bearer(r, restrictedKey)
		w2 := httptest.NewRecorder()
		called := false
		mw.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })).ServeHTTP(w2, r)
		assert.False(t, called)
		assert.Equal(t, w.Code, w2.Code)
		assert.Equal(t, w.Body.String(), w2.Body.String())
	})

	t.Run("unknown key: refused before any principal exists", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/v1/models", nil)
		bearer(r, "sk-nobody")
		r2, d, err := mw.Check(r)
		require.ErrorIs(t, err, modelacl.ErrUnknownKey)
		assert.Nil(t, r2)
		assert.Nil(t, d.Principal())
		w := httptest.NewRecorder()
		mw.WriteRefusal(w, r, d)
		assert.Equal(t, http.StatusUnauthorized, w.Code)
	})
}

func TestMustNewPanicsOnInvalidOptions(t *testing.T) {
	assert.PanicsWithError(t, "modelacl: invalid middleware options: Authenticate is required", func() {
		modelacl.MustNew(modelacl.Options{Policy: fixturePolicy(t)})
	})
	mw := modelacl.MustNew(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate})
	assert.Panics(t, func() { mw.Handler(nil) }, "a nil next handler is a programming mistake")
}

// The next handler reaches the principal the host authenticated (with its
// own value) and the policy snapshot that decided, so it can list the
// caller's models without a second key lookup.
func TestDecisionCarriesPrincipalAndPolicy(t *testing.T) {
	type account struct{ name string }
	acct := &account{"team-a"}
	pr := &modelacl.Principal{KeyID: "k1", Key: modelacl.Allow("common-models"), Host: acct}
	p := fixturePolicy(t)
	mw := modelacl.MustNew(modelacl.Options{Policy: p, Authenticate: func(*http.Request, modelacl.Credential) (*modelacl.Principal, error) {
		return pr, nil
	}})
	r := httptest.NewRequest("GET", "/v1/models", nil)
	bearer(r, "sk-a")
	r2, d, err := mw.Check(r)
	require.NoError(t, err)
	require.NotNil(t, r2)
	assert.Same(t, pr, d.Principal())
	assert.Same(t, acct, d.Principal().Host)
	assert.Same(t, p, d.Policy())
	assert.Equal(t, []string{"claude-haiku-4-5", "gpt-4o-mini", "text-embedding-3-small", "whisper-1",
		"gpt-4o-mini-realtime-preview", "azure-gpt-4o-mini", "gemini-2.5-flash", "vertex-gemini-2.5-flash",
		"vertex-claude-haiku-4-5"}, d.Policy().Models(d.Principal()))

	// A refusal by the policy still says who was refused.
	r = httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(`{"model":"gpt-4o"}`))
	bearer(r, "sk-a")
	_, d, err = mw.Check(r)
	require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
	assert.Same(t, pr, d.Principal())
}

// A request's fallbacks are authorized like its model, but the dispatcher
// calls the primary first: the grants say which is which.
func TestPrimaryAndFallbackGrants(t *testing.T) {
	mw := modelacl.MustNew(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate})
	r := httptest.NewRequest("POST", "/v1/chat/completions",
		strings.NewReader(`{"fallbacks":["gpt-4o-mini"],"model":"gpt-4o","messages":[]}`))
	bearer(r, allowedKey)
	_, d, err := mw.Check(r)
	require.NoError(t, err)
	g, ok := d.Primary()
	require.True(t, ok)
	assert.Equal(t, "gpt-4o", g.Model)
	assert.False(t, g.Fallback)
	var fallbacks []string
	for _, g := range d.Grants() {
		if g.Fallback {
			fallbacks = append(fallbacks, g.Model)
		}
	}
	assert.Equal(t, []string{"gpt-4o-mini"}, fallbacks)

	var denied modelacl.Decision
	_, ok = denied.Primary()
	assert.False(t, ok, "a decision without grants has no primary")
}

func TestPolicyDeployments(t *testing.T) {
	p, err := modelacl.Compile(modelacl.Config{ModelList: []modelacl.Deployment{
		{ModelName: "claude", LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/global.anthropic.claude-opus-4-7"}},
		{ModelName: "claude", LiteLLMParams: modelacl.LiteLLMParams{Model: "anthropic/claude-opus-4-7"}},
		{ModelName: "openai/*", LiteLLMParams: modelacl.LiteLLMParams{Model: "openai/*"}},
		{ModelName: "team-*", LiteLLMParams: modelacl.LiteLLMParams{Model: "azure/team-deploy-*"}},
	}})
	require.NoError(t, err)
	pr := &modelacl.Principal{KeyID: "k", Key: modelacl.AllowAll()}
	deployments := func(name string) []string {
		d, err := p.Check(pr, name)
		require.NoError(t, err)
		return p.Deployments(d.Grants()[0])
	}
	assert.Equal(t, []string{"bedrock/global.anthropic.claude-opus-4-7", "anthropic/claude-opus-4-7"}, deployments("claude"))
	assert.Equal(t, []string{"openai/gpt-4o"}, deployments("openai/gpt-4o"), "a wildcard deployment calls the name it matched")
	assert.Equal(t, []string{"azure/team-deploy-x"}, deployments("team-x"), "the star is filled with what the group's star matched")
	assert.Nil(t, p.Deployments(modelacl.Grant{Requested: "x", Model: "bedrock/x"}), "no group: nothing deploys it")
	assert.Nil(t, p.Deployments(modelacl.Grant{Model: "other", Group: "other"}), "a group the policy does not have")
	assert.Nil(t, p.Deployments(modelacl.Grant{Model: "gpt-4o", Group: "team-*"}), "a wildcard group that does not match the model")
}

// Every credential header the middleware knows is removed, whatever its
// spelling, so a client's key never reaches an upstream.
func TestCredentialHeadersAreStripped(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{})
	names := modelacl.CredentialHeaders()
	require.Contains(t, names, "X-Litellm-Api-Key")
	names[0] = "changed"
	assert.Equal(t, "Authorization", modelacl.CredentialHeaders()[0], "callers get a copy")

	for _, name := range modelacl.CredentialHeaders() {
		if name == "Authorization" {
			continue // carries the credential that authenticates this request
		}
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/v1/models", nil)
			bearer(r, restrictedKey)
			if strings.HasPrefix(name, "X-Amz") || name == "Proxy-Authorization" || name == "X-Litellm-Api-Key" {
				// Not places FindCredential reads: any value is stripped.
				r.Header[strings.ToLower(name)] = []string{"client-value"}
			} else {
				r.Header[strings.ToLower(name)] = []string{restrictedKey}
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			for k := range rec.last.header {
				assert.NotEqual(t, strings.ToLower(name), strings.ToLower(k))
			}
		})
	}
}

// The name to forward is the alias target on unified routes and the ID as
// sent on native ones, whatever the grant resolved it to.
func TestUpstreamModel(t *testing.T) {
	keys := fixtureKeys()
	keys["sk-alias"] = &modelacl.Principal{KeyID: "alias", Key: modelacl.Allow("common-models"),
		Aliases: map[string]string{"fast": "gpt-4o-mini"}}
	mw := modelacl.MustNew(modelacl.Options{Policy: fixturePolicy(t), Authenticate: keys.authenticate})
	tests := []struct {
		name, target, body, want string
	}{
		{"unified alias: the target", "/v1/chat/completions", `{"model":"fast"}`, "gpt-4o-mini"},
		{"unified group: itself", "/v1/chat/completions", `{"model":"gpt-4o-mini"}`, "gpt-4o-mini"},
		{"bedrock path ID resolved to a group: the ID as sent", "/bedrock/model/global.anthropic.claude-haiku-4-5/converse", `{}`,
			"global.anthropic.claude-haiku-4-5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tt.target, strings.NewReader(tt.body))
			bearer(r, "sk-alias")
			_, d, err := mw.Check(r)
			require.NoError(t, err)
			g, ok := d.Primary()
			require.True(t, ok)
			assert.Equal(t, tt.want, d.UpstreamModel(g))
		})
	}
}
