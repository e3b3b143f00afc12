package modelacl_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// Attacks on how provider-native IDs (paths, passthrough bodies) and
// unified names are told apart: aliases, the several meanings of one ID,
// Google's model spellings, the short application profile form, bodies on
// methods that carry none, and allowlist vocabulary sent as a model.

func natDep(name, model, modelID string, groups ...string) modelacl.Deployment {
	return modelacl.Deployment{
		ModelName:     name,
		LiteLLMParams: modelacl.LiteLLMParams{Model: model, ModelID: modelID},
		ModelInfo:     modelacl.ModelInfo{AccessGroups: groups},
	}
}

func natCompile(t testing.TB, deps ...modelacl.Deployment) *modelacl.Policy {
	t.Helper()
	p, err := modelacl.Compile(modelacl.Config{ModelList: deps})
	require.NoError(t, err)
	return p
}

func natDowngrader() *modelacl.Principal {
	return &modelacl.Principal{KeyID: "nat-downgrade", Key: modelacl.Allow("common-models"), Aliases: map[string]string{
		"claude-opus-4-7":    "claude-haiku-4-5",
		"vertex-claude-opus": "vertex-claude-haiku",
		"azure-gpt-4o":       "azure-mini",
		"gemini-2.5-pro":     "gemini-2.5-flash",
		"vertex-pro":         "vertex-flash",
		"gpt-4o":             "gpt-4o-mini",
	}}
}

// TestAttackDowngradeAliasOnNativeIDs: a key alias "claude-opus-4-7" ->
// "claude-haiku-4-5" is harmless where the gateway dispatches the target,
// and a bypass where it forwards the ID: native IDs are checked without
// aliases.
func TestAttackDowngradeAliasOnNativeIDs(t *testing.T) {
	p, err := modelacl.Compile(atkConfig())
	require.NoError(t, err)
	c := modelacl.Checker{Policy: p}
	pr := natDowngrader()

	t.Run("unified name authorizes the alias target", func(t *testing.T) {
		d, err := c.CheckModels(pr, "claude-opus-4-7")
		require.NoError(t, err)
		assert.Equal(t, []modelacl.Grant{{Requested: "claude-opus-4-7", Model: "claude-haiku-4-5", Group: "claude-haiku-4-5"}}, d.Grants(),
			"the dispatcher must call Model, not Requested")
		d, err = p.Check(pr, "claude-opus-4-7")
		require.NoError(t, err)
		assert.Equal(t, "claude-haiku-4-5", d.Grants()[0].Model)
	})
	cases := []struct {
		name     string
		provider routeparse.Provider
		id       string
	}{
		{"bedrock profile ID of the aliased group", routeparse.Bedrock, "global.anthropic.claude-opus-4-7"},
		{"bedrock application profile ARN of the aliased group", routeparse.Bedrock, atkProfileARN},
		{"bedrock path named like the alias", routeparse.Bedrock, "claude-opus-4-7"},
		{"anthropic passthrough named like the alias", routeparse.Anthropic, "claude-opus-4-7"},
		{"vertex anthropic model of an aliased group", routeparse.Vertex, "claude-opus-4-7"},
		{"azure deployment of an aliased group", routeparse.Azure, "prod-gpt-4o"},
		{"openai passthrough named like the alias", routeparse.OpenAI, "gpt-4o"},
		{"gemini model named like the alias", routeparse.Gemini, "gemini-2.5-pro"},
		{"vertex gemini model of an aliased group", routeparse.Vertex, "gemini-2.5-pro"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := c.CheckNative(pr, tc.provider, tc.id)
			require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
			assert.False(t, d.Allowed)
			assert.Equal(t, tc.id, d.Denied, "the denied name is the ID the request sent")
			assert.Contains(t, err.Error(), tc.id)
		})
	}
	t.Run("an alias named like an allowed native ID does not redirect it", func(t *testing.T) {
		// The alias would send haiku's ID to opus; natively the ID is haiku.
		pr := &modelacl.Principal{Key: modelacl.Allow("common-models"), Aliases: map[string]string{
			"global.anthropic.claude-haiku-4-5": "claude-opus-4-7",
		}}
		d, err := c.CheckNative(pr, routeparse.Bedrock, "global.anthropic.claude-haiku-4-5")
		require.NoError(t, err)
		assert.Equal(t, []modelacl.Grant{{Requested: "global.anthropic.claude-haiku-4-5", Model: "claude-haiku-4-5", Group: "claude-haiku-4-5"}}, d.Grants())
	})
}

// TestNativeGrantRequestedIsTheSentID: Grant.Requested is the ID the
// request sent, Model what it resolved to; an ID with two meanings has
// two grants.
func TestNativeGrantRequestedIsTheSentID(t *testing.T) {
	p, err := modelacl.Compile(atkConfig())
	require.NoError(t, err)
	c := modelacl.Checker{Policy: p}
	all := &modelacl.Principal{Key: modelacl.AllowAll()}

	d, err := c.CheckNative(all, routeparse.Bedrock, atkOpusARNFM)
	require.NoError(t, err)
	assert.Equal(t, []modelacl.Grant{{Requested: atkOpusARNFM, Model: "claude-opus-base", Group: "claude-opus-base"}}, d.Grants())

	// "gpt-4o" on the Azure API: the deployment nobody configured (what
	// Azure serves under that name) and the group named so.
	d, err = c.CheckNative(all, routeparse.Azure, "gpt-4o")
	require.NoError(t, err)
	assert.ElementsMatch(t, []modelacl.Grant{
		{Requested: "gpt-4o", Model: "azure/gpt-4o", Group: ""},
		{Requested: "gpt-4o", Model: "gpt-4o", Group: "gpt-4o"},
	}, d.Grants())

	t.Run("through the middleware", func(t *testing.T) {
		h, next := atkMiddleware(t, nil)
		arn := "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-haiku-4-5"
		next.last = atkSeen{}
		w := atkServe(h, atkReq{target: "/bedrock/model/" + atkEsc(arn) + "/invoke", body: []byte(`{}`)}.build(t))
		require.Equal(t, http.StatusOK, w.Code, "%s", w.Body.String())
		require.NotNil(t, next.last.decision)
		assert.Equal(t, []modelacl.Grant{{Requested: arn, Model: "claude-haiku-4-5", Group: "claude-haiku-4-5"}}, next.last.decision.Grants(),
			"Requested is the ID the path carried, decoded once")
	})
}

// TestAttackGroupNamedLikeAnotherProvidersModel: a cheap group named like
// an expensive provider model. On a passthrough route the provider gets the
// name and serves its own model: every meaning must be allowed, for every
// provider.
func TestAttackGroupNamedLikeAnotherProvidersModel(t *testing.T) {
	p := natCompile(t,
		natDep("gpt-4o", "azure/mini-deploy", "", "common-models"),
		natDep("gemini-2.5-pro", "gemini/gemini-2.5-flash", "", "common-models"),
		natDep("claude-opus-4-7", "bedrock/global.anthropic.claude-haiku-4-5", "", "common-models"),
		natDep("prod-gpt-4o", "azure/mini-deploy", "", "common-models"),
		natDep("vertex-cheap", "vertex_ai/gemini-2.5-flash", "", "common-models"),
		natDep("gpt-4.1", "openai/gpt-4.1", "", "common-models"),
	)
	cases := []struct {
		name     string
		provider routeparse.Provider
		id       string
		want     []string
	}{
		{"openai passthrough group served by azure", routeparse.OpenAI, "gpt-4o", []string{"openai/gpt-4o", "gpt-4o"}},
		{"anthropic passthrough group served by bedrock", routeparse.Anthropic, "claude-opus-4-7", []string{"anthropic/claude-opus-4-7", "claude-opus-4-7"}},
		{"bedrock path group served by another bedrock model", routeparse.Bedrock, "claude-opus-4-7", []string{"bedrock/claude-opus-4-7", "claude-opus-4-7"}},
		{"gemini path group served by flash", routeparse.Gemini, "gemini-2.5-pro", []string{"gemini/gemini-2.5-pro", "gemini-2.5-pro"}},
		{"vertex path group served by gemini", routeparse.Vertex, "gemini-2.5-pro", []string{"vertex_ai/gemini-2.5-pro", "gemini-2.5-pro"}},
		{"azure deployment named like a group", routeparse.Azure, "prod-gpt-4o", []string{"azure/prod-gpt-4o", "prod-gpt-4o"}},
		{"cohere passthrough group name", routeparse.Cohere, "gpt-4o", []string{"cohere/gpt-4o", "gpt-4o"}},
		{"ollama group name", routeparse.Ollama, "gpt-4o", []string{"ollama/gpt-4o", "gpt-4o"}},
		// Controls: an ID a deployment calls means its groups.
		{"azure deployment a group calls", routeparse.Azure, "mini-deploy", []string{"gpt-4o", "prod-gpt-4o"}},
		{"exact deployment with the group named like it", routeparse.OpenAI, "gpt-4.1", []string{"gpt-4.1"}},
	}
	restricted := &modelacl.Principal{Key: modelacl.Allow("common-models")}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Resolve(tc.provider, tc.id)
			require.NoError(t, err)
			assert.ElementsMatch(t, tc.want, got)

			_, err = modelacl.Checker{Policy: p}.CheckNative(restricted, tc.provider, tc.id)
			if len(tc.want) > 1 && strings.Contains(tc.want[0], "/") {
				require.ErrorIs(t, err, modelacl.ErrModelNotAllowed, "the provider's own model is not granted")
				// Granting the provider's model too allows it.
				both := &modelacl.Principal{Key: modelacl.Allow("common-models", tc.want[0])}
				_, err = modelacl.Checker{Policy: p}.CheckNative(both, tc.provider, tc.id)
				require.NoError(t, err)
				return
			}
			require.NoError(t, err)
		})
	}
}

// TestAttackGoogleModelSpellings: google.golang.org/genai sends "models/X"
// and "X" (Gemini), "publishers/google/models/X", "google/X", "models/X"
// and a full projects/.../models/X (Vertex) as the same model. An exact
// deployment of X must shadow a wildcard one under every spelling.
func TestAttackGoogleModelSpellings(t *testing.T) {
	p := natCompile(t,
		natDep("gemini/*", "gemini/*", "", "common-models"),
		natDep("gemini-2.5-pro", "gemini/gemini-2.5-pro", ""),
		natDep("gemini-2.0-pro", "gemini/models/gemini-2.0-pro", ""), // configured with the models/ spelling
		natDep("vertex_ai/*", "vertex_ai/*", "", "common-models"),
		natDep("vertex-pro", "vertex_ai/gemini-2.5-pro", ""),
		natDep("vertex-llama", "vertex_ai/meta/llama-4", ""),
	)
	restricted := &modelacl.Principal{Key: modelacl.Allow("common-models")}
	denied := []string{
		"gemini/gemini-2.5-pro",
		"gemini/models/gemini-2.5-pro",
		"gemini/models/models/gemini-2.5-pro",
		"gemini/gemini-2.0-pro",
		"gemini/models/gemini-2.0-pro",
		"vertex_ai/gemini-2.5-pro",
		"vertex_ai/google/gemini-2.5-pro",
		"vertex_ai/models/gemini-2.5-pro",
		"vertex_ai/publishers/google/models/gemini-2.5-pro",
		"vertex_ai/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro",
		"vertex_ai/meta/llama-4",
		"vertex_ai/publishers/meta/models/llama-4",
	}
	for _, name := range denied {
		t.Run("unified "+name, func(t *testing.T) {
			_, err := p.Check(restricted, name)
			require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
		})
	}
	allowed := map[string]string{ // name -> canonical Model in the grant
		"gemini/gemini-2.5-flash":                             "gemini/gemini-2.5-flash",
		"gemini/models/gemini-2.5-flash":                      "gemini/gemini-2.5-flash",
		"gemini/tunedModels/my-model":                         "gemini/tunedModels/my-model",
		"vertex_ai/publishers/google/models/gemini-2.5-flash": "vertex_ai/gemini-2.5-flash",
		"vertex_ai/llama-4":                                   "vertex_ai/llama-4", // google's, not meta's
	}
	for name, model := range allowed {
		t.Run("control "+name, func(t *testing.T) {
			d, err := p.Check(restricted, name)
			require.NoError(t, err)
			assert.Equal(t, model, d.Grants()[0].Model)
			assert.Equal(t, name, d.Grants()[0].Requested)
		})
	}
	native := []struct {
		provider  routeparse.Provider
		id, canon string
	}{
		{routeparse.Gemini, "models/gemini-2.5-pro", "gemini-2.5-pro"},
		{routeparse.Gemini, "gemini-2.0-pro", "gemini-2.0-pro"},
		{routeparse.Vertex, "publishers/google/models/gemini-2.5-pro", "gemini-2.5-pro"},
		{routeparse.Vertex, "google/gemini-2.5-pro", "gemini-2.5-pro"},
		{routeparse.Vertex, "projects/p/locations/l/publishers/google/models/gemini-2.5-pro", "gemini-2.5-pro"},
		{routeparse.Vertex, "publishers/meta/models/llama-4", "meta/llama-4"},
	}
	for _, tc := range native {
		t.Run("native "+tc.provider.String()+" "+tc.id, func(t *testing.T) {
			got, err := p.Resolve(tc.provider, tc.id)
			require.NoError(t, err)
			want, err := p.Resolve(tc.provider, tc.canon)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			_, err = modelacl.Checker{Policy: p}.CheckNative(restricted, tc.provider, tc.id)
			require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
		})
	}
	t.Run("vertex publisher is kept for third-party models", func(t *testing.T) {
		got, err := p.Resolve(routeparse.Vertex, "publishers/mistral/models/llama-4")
		require.NoError(t, err)
		assert.Equal(t, []string{"vertex_ai/mistral/llama-4"}, got)
	})
}

// TestAttackAppProfileShortFormSeveralARNs: the short form
// application-inference-profile/{id}, which two configured ARNs share,
// means both, never neither (which fell through to an open wildcard).
func TestAttackAppProfileShortFormSeveralARNs(t *testing.T) {
	east := atkProfileARN
	west := strings.Replace(atkProfileARN, "us-east-1", "us-west-2", 1)
	p := natCompile(t,
		natDep("bedrock/*", "bedrock/*", "", "common-models"),
		natDep("opus-east", "bedrock/"+east, ""),
		natDep("opus-west", "bedrock/converse/"+west, ""),
	)
	short := "application-inference-profile/" + atkProfileID
	got, err := p.Resolve(routeparse.Bedrock, short)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"opus-east", "opus-west"}, got)

	c := modelacl.Checker{Policy: p}
	for _, tc := range []struct {
		name    string
		entries []string
		allowed bool
	}{
		{"open wildcard only", []string{"common-models"}, false},
		{"one region's group", []string{"opus-east"}, false},
		{"one region's upstream ARN", []string{"bedrock/" + east}, false},
		{"every Bedrock upstream (a glob on the names the deployments call)", []string{"bedrock/*"}, true},
		{"both regions' groups", []string{"opus-east", "opus-west"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr := &modelacl.Principal{Key: modelacl.Allow(tc.entries...)}
			_, errNative := c.CheckNative(pr, routeparse.Bedrock, short)
			_, errUnified := p.Check(pr, "bedrock/"+short)
			if tc.allowed {
				require.NoError(t, errNative)
				require.NoError(t, errUnified)
				return
			}
			require.ErrorIs(t, errNative, modelacl.ErrModelNotAllowed)
			require.ErrorIs(t, errUnified, modelacl.ErrModelNotAllowed)
		})
	}
	t.Run("unconfigured short form is left to the wildcard", func(t *testing.T) {
		pr := &modelacl.Principal{Key: modelacl.Allow("common-models")}
		d, err := c.CheckNative(pr, routeparse.Bedrock, "application-inference-profile/zzz999")
		require.NoError(t, err, "documented: an ID no deployment calls is decided by the wildcard deployment")
		assert.Equal(t, "bedrock/*", d.Grants()[0].Group)
	})
}

// TestAttackBodyOnBodylessMethod: GET, HEAD, DELETE and OPTIONS requests on
// routes that do not read a body must not forward one unread.
func TestAttackBodyOnBodylessMethod(t *testing.T) {
	h, next := atkMiddleware(t, nil)
	opus := atkJSON(`"claude-opus-4-7"`)
	refused := []atkReq{
		{name: "GET stored completions with opus body", method: http.MethodGet, target: "/v1/chat/completions", ctype: "application/json", body: opus},
		{name: "GET models list with body", method: http.MethodGet, target: "/v1/models", ctype: "application/json", body: opus},
		{name: "GET model-bearing models path with body", method: http.MethodGet, target: "/v1/models/gpt-4o-mini", ctype: "application/json", body: opus},
		{name: "GET message batches with body", method: http.MethodGet, target: "/v1/messages/batches", ctype: "application/json", body: []byte(`{"requests":[{"custom_id":"a","params":{"model":"claude-opus-4-7"}}]}`)},
		{name: "DELETE response with body", method: http.MethodDelete, target: "/v1/responses/resp_1", ctype: "application/json", body: opus},
		{name: "GET fine tuning jobs with body", method: http.MethodGet, target: "/v1/fine_tuning/jobs", ctype: "application/json", body: []byte(`{"model":"gpt-4o"}`)},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			next.last = atkSeen{}
			w := atkServe(h, c.build(t))
			assert.Equal(t, http.StatusBadRequest, w.Code, "%s", w.Body.String())
			assert.False(t, next.last.called)
			assert.Contains(t, w.Body.String(), "must not carry a body")
		})
	}
	t.Run("chunked GET body of unknown length", func(t *testing.T) {
		r := atkReq{method: http.MethodGet, target: "/v1/chat/completions", ctype: "application/json"}.build(t)
		r.Body = io.NopCloser(strings.NewReader(string(opus)))
		r.ContentLength = -1
		r.TransferEncoding = []string{"chunked"}
		atkAssertRefused(t, h, next, r)
	})
	passes := []atkReq{
		{name: "GET models list without body", method: http.MethodGet, target: "/v1/models"},
		{name: "DELETE response without body", method: http.MethodDelete, target: "/v1/responses/resp_1"},
		{name: "bedrock invoke keeps its opaque body", target: "/bedrock/model/global.anthropic.claude-haiku-4-5/invoke", body: []byte(`{"anthropic_version":"bedrock-2023-05-31","model":"ignored"}`)},
	}
	for _, c := range passes {
		t.Run("control "+c.name, func(t *testing.T) {
			next.last = atkSeen{}
			w := atkServe(h, c.build(t))
			require.Equal(t, http.StatusOK, w.Code, "%s", w.Body.String())
			require.True(t, next.last.called)
			assert.Equal(t, string(c.body), string(next.last.body))
		})
	}
	t.Run("control GET with an explicit empty body", func(t *testing.T) {
		r := atkReq{method: http.MethodGet, target: "/v1/models"}.build(t)
		r.Body, r.ContentLength = http.NoBody, 0
		next.last = atkSeen{}
		w := atkServe(h, r)
		require.Equal(t, http.StatusOK, w.Code, "%s", w.Body.String())
	})
}

// TestAttackAccessGroupNameAsModel: "common-models" is allowlist
// vocabulary, not a model. Only an all-models list lets it through (with no
// serving group, so nothing can dispatch it); a restricted key never.
func TestAttackAccessGroupNameAsModel(t *testing.T) {
	p, err := modelacl.Compile(atkConfig())
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		pr   *modelacl.Principal
	}{
		{"key holding the access group", &modelacl.Principal{Key: modelacl.Allow("common-models")}},
		{"key with a glob matching the group name", &modelacl.Principal{Key: modelacl.Allow("common-*", "*-models")}},
		{"key listing it as if a model", &modelacl.Principal{Key: modelacl.Allow("common-models", "gpt-4o-mini")}},
		{"all-models team over a restricted key", &modelacl.Principal{Key: modelacl.Allow("common-models"), TeamID: "t", Team: modelacl.AllowAll()}},
		{"all-team-models key with a restricted team", &modelacl.Principal{Key: modelacl.Allow(modelacl.AllTeamModels), TeamID: "t", Team: modelacl.Allow("common-models")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := p.Check(tc.pr, "common-models")
			require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
			assert.False(t, d.Allowed)
		})
	}
	t.Run("all-models key: allowed, served by no group", func(t *testing.T) {
		d, err := p.Check(&modelacl.Principal{Key: modelacl.AllowAll()}, "common-models")
		require.NoError(t, err)
		assert.Equal(t, []modelacl.Grant{{Requested: "common-models", Model: "common-models"}}, d.Grants())
	})
	t.Run("restricted key through the middleware", func(t *testing.T) {
		h, next := atkMiddleware(t, nil)
		for _, target := range []string{"/v1/chat/completions", "/v1/messages", "/anthropic/v1/messages", "/openai/v1/chat/completions"} {
			next.last = atkSeen{}
			w := atkServe(h, atkReq{target: target, ctype: "application/json", body: atkJSON(`"common-models"`)}.build(t))
			assert.Equal(t, http.StatusForbidden, w.Code, "%s %s", target, w.Body.String())
			assert.False(t, next.last.called, target)
		}
	})
}

// TestCheckNativeDoesNotAllocateOnAllow: resolving and checking a
// configured native ID allocates nothing.
func TestCheckNativeDoesNotAllocateOnAllow(t *testing.T) {
	p, err := modelacl.Compile(atkConfig())
	require.NoError(t, err)
	c := modelacl.Checker{Policy: p}
	pr := &modelacl.Principal{Key: modelacl.Allow("common-models")}
	for _, tc := range []struct {
		provider routeparse.Provider
		id       string
	}{
		{routeparse.Bedrock, "global.anthropic.claude-haiku-4-5"},
		{routeparse.Azure, "mini-deploy"},
		{routeparse.Gemini, "gemini-2.5-flash"},
		{routeparse.Vertex, "gemini-2.5-flash"},
	} {
		_, err := c.CheckNative(pr, tc.provider, tc.id)
		require.NoError(t, err, tc.id)
		allocs := testing.AllocsPerRun(100, func() {
			if d, err := c.CheckNative(pr, tc.provider, tc.id); err != nil || !d.Allowed {
				panic(errors.Join(err, errors.New("denied")))
			}
		})
		assert.Zero(t, allocs, tc.id)
	}
}
