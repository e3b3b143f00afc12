package modelacl_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

func TestCompileRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name  string
		deps  []modelacl.Deployment
		field string
	}{
		{"empty model_name", []modelacl.Deployment{polDep("", "openai/gpt-4o")}, "model_name"},
		{"empty upstream model", []modelacl.Deployment{polDep("gpt-4o", "")}, "litellm_params.model"},
		{"padded model_name never matches a client's name", []modelacl.Deployment{polDep("gpt-4o ", "openai/gpt-4o")}, "model_name"},
		{"padded upstream model", []modelacl.Deployment{polDep("gpt-4o", " openai/gpt-4o")}, "litellm_params.model"},
		{"sentinel as model_name", []modelacl.Deployment{polDep("all-proxy-models", "openai/gpt-4o")}, "model_name"},
		{"all-team-models as model_name", []modelacl.Deployment{polDep("all-team-models", "openai/gpt-4o")}, "model_name"},
		{"wildcard upstream under an exact name", []modelacl.Deployment{polDep("gpt", "openai/*")}, "litellm_params.model"},
		{"more stars upstream than in the name", []modelacl.Deployment{polDep("a/*", "openai/*-*")}, "litellm_params.model"},
		{"two stars: which run each matched is ambiguous", []modelacl.Deployment{polDep("p/*/*", "bedrock/*.*")}, "litellm_params.model"},
		{"empty access group", []modelacl.Deployment{polDep("gpt", "openai/gpt", "")}, "model_info.access_groups"},
		{"glob access group", []modelacl.Deployment{polDep("gpt", "openai/gpt", "team-*")}, "model_info.access_groups"},
		{"sentinel access group", []modelacl.Deployment{polDep("gpt", "openai/gpt", "*")}, "model_info.access_groups"},
		{"access group named like a model group", []modelacl.Deployment{polDep("gpt", "openai/gpt", "claude"), polDep("claude", "anthropic/claude")}, "model_info.access_groups"},
		{"comma in model_name: a request's \"a,b\" names two models, and a rewrite to it would too", []modelacl.Deployment{polDep("cheap,expensive", "openai/gpt-4o")}, "model_name"},
		{"glob in model_id", []modelacl.Deployment{{ModelName: "m", LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/x", ModelID: "arn:*"}}}, "litellm_params.model_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := modelacl.Compile(modelacl.Config{ModelList: tc.deps})
			require.ErrorIs(t, err, modelacl.ErrInvalidConfig)
			assert.Nil(t, p)
			var ce *modelacl.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.field, ce.Field)
		})
	}

	t.Run("every problem is reported", func(t *testing.T) {
		_, err := modelacl.Compile(modelacl.Config{ModelList: []modelacl.Deployment{polDep("", "x"), polDep("y", "")}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "model_list[0].model_name")
		assert.Contains(t, err.Error(), "model_list[1].litellm_params.model")
	})

	t.Run("accepted shapes", func(t *testing.T) {
		_, err := modelacl.Compile(modelacl.Config{ModelList: []modelacl.Deployment{
			polDep("gpt-4o", "openai/gpt-4o", "a"),
			polDep("gpt-4o", "azure/gpt-4o", "a"), // load balancing: same group twice
			polDep("*", "*"),
			polDep("team/*", "openai/*"),
			polDep("x-*-y", "openai/gpt"), // fixed upstream behind a pattern
			polDep("plain", "gpt-4o"),     // no provider prefix
		}})
		require.NoError(t, err)
		_, err = modelacl.Compile(modelacl.Config{})
		require.NoError(t, err, "an empty model list is a valid (deny-by-name only) policy")
	})
}

func TestConfigFromJSON(t *testing.T) {
	const doc = `{
	  "litellm_compat": true,
	  "model_list": [
	    {"model_name": "claude-opus-4-7",
	     "litellm_params": {"model": "bedrock/global.anthropic.claude-opus-4-7", "aws_region_name": "us-east-1"},
	     "model_info": {"access_groups": ["premium"]}},
	    {"model_name": "cheap", "litellm_params": {"model": "openai/gpt-4o-mini"}, "model_info": {"id": "d2", "access_groups": ["common-models"]}}
	  ]
	}`
	var cfg modelacl.Config
	require.NoError(t, json.Unmarshal([]byte(doc), &cfg))
	require.True(t, cfg.LiteLLMCompat)
	require.Len(t, cfg.ModelList, 2)
	assert.Equal(t, "bedrock/global.anthropic.claude-opus-4-7", cfg.ModelList[0].LiteLLMParams.Model)
	assert.Equal(t, []string{"common-models"}, cfg.ModelList[1].ModelInfo.AccessGroups)
	assert.Equal(t, "d2", cfg.ModelList[1].ModelInfo.ID)

	p, err := modelacl.Compile(cfg)
	require.NoError(t, err)
	d, err := p.Check(polKeyOnly("common-models"), "cheap")
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	_, err = p.Check(polKeyOnly("common-models"), "claude-opus-4-7")
	require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
}

func TestAllowlistJSON(t *testing.T) {
	type key struct {
		Models modelacl.Allowlist `json:"models"`
	}
	// Each list is decided beside a team that allows "m": an unset key
	// leaves the decision to the team, a set one must allow "m" itself.
	cases := []struct {
		name    string
		doc     string
		wantSet bool
		allowM  bool
	}{
		{"absent is unset", `{}`, false, true},
		{"null is unset", `{"models": null}`, false, true},
		{"empty array is the empty list, which denies", `{"models": []}`, true, false},
		{"list without m", `{"models": ["n"]}`, true, false},
		{"list", `{"models": ["m"]}`, true, true},
		{"list with a glob", `{"models": ["m*"]}`, true, true},
		{"star", `{"models": ["*"]}`, true, true},
	}
	p := polNoRouter(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var k key
			require.NoError(t, json.Unmarshal([]byte(tc.doc), &k))
			assert.Equal(t, tc.wantSet, k.Models.IsSet())
			pr := &modelacl.Principal{Key: k.Models, TeamID: "t", Team: modelacl.Allow("m")}
			d, _ := p.Check(pr, "m")
			assert.Equal(t, tc.allowM, d.Allowed)
		})
	}

	for _, bad := range []string{`{"models": "m"}`, `{"models": [1]}`, `{"models": [""]}`, `{"models": {"m": true}}`, `{"models": [null]}`} {
		t.Run("rejects "+bad, func(t *testing.T) {
			var k key
			err := json.Unmarshal([]byte(bad), &k)
			require.ErrorIs(t, err, modelacl.ErrInvalidConfig)
		})
	}

	t.Run("YAML decoders", func(t *testing.T) {
		// What a YAML decoder hands UnmarshalYAML: a function that decodes
		// the node into the value given.
		node := func(v any) func(any) error {
			return func(out any) error {
				b, err := json.Marshal(v)
				if err != nil {
					return err
				}
				return json.Unmarshal(b, out)
			}
		}
		var a modelacl.Allowlist
		require.NoError(t, a.UnmarshalYAML(node([]string{"m", "n*"})))
		assert.Equal(t, []string{"m", "n*"}, a.Entries())
		require.NoError(t, a.UnmarshalYAML(node([]string{})))
		assert.True(t, a.IsSet(), "an empty sequence is the empty list, not unset")
		assert.Empty(t, a.Entries())
		require.ErrorIs(t, a.UnmarshalYAML(node("m")), modelacl.ErrInvalidConfig)
		require.ErrorIs(t, a.UnmarshalYAML(node([]string{""})), modelacl.ErrInvalidConfig)
	})
	t.Run("round trip", func(t *testing.T) {
		for _, a := range []modelacl.Allowlist{{}, modelacl.Allow(), modelacl.Allow("a", "b*")} {
			b, err := json.Marshal(a)
			require.NoError(t, err)
			var back modelacl.Allowlist
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, a.IsSet(), back.IsSet())
			assert.Equal(t, a.Entries(), back.Entries())
		}
	})
	t.Run("DenyAll refuses to marshal rather than widen under compatibility", func(t *testing.T) {
		_, err := json.Marshal(modelacl.DenyAll())
		require.Error(t, err)
	})
	t.Run("entries are copies", func(t *testing.T) {
		a := modelacl.Allow("a")
		a.Entries()[0] = "b"
		assert.Equal(t, []string{"a"}, a.Entries())
	})
	t.Run("String never lists entries", func(t *testing.T) {
		a := modelacl.Allow("secret-model-name", "x")
		assert.NotContains(t, a.String(), "secret-model-name")
		assert.NotContains(t, fmt.Sprint(a), "secret-model-name")
	})
}

func TestDenyErrorMessage(t *testing.T) {
	p := polNoRouter(t)
	pr := &modelacl.Principal{KeyID: "key-id-1", Key: modelacl.Allow("internal-only-model"), TeamID: "t", Team: modelacl.Allow("x")}
	_, err := p.Check(pr, "gpt-\"5\"")
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, `"gpt-\"5\""`, "the model is quoted with %q")
	assert.Contains(t, msg, "key")
	assert.NotContains(t, msg, "internal-only-model", "allowlists are never echoed")
	assert.NotContains(t, msg, "key-id-1")

	_, err = p.Check(&modelacl.Principal{Key: modelacl.AllowAll(), TeamID: "t", Team: modelacl.Allow("y")}, "x")
	assert.Contains(t, err.Error(), "team")

	var de *modelacl.DenyError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "team", de.Scope.String())
	assert.True(t, errors.Is(de, modelacl.ErrModelNotAllowed))
}

func TestScopeStrings(t *testing.T) {
	want := map[modelacl.Scope]string{
		modelacl.ScopeNone: "none", modelacl.ScopeKey: "key", modelacl.ScopeTeam: "team",
		modelacl.ScopeTeamMember: "team_member", modelacl.ScopeUser: "user", modelacl.ScopeOrg: "org",
		modelacl.ScopeEndUser: "end_user", modelacl.Scope(200): "unknown",
	}
	for s, name := range want {
		assert.Equal(t, name, s.String())
	}
}

func TestNilPolicyAndPrincipalDeny(t *testing.T) {
	var p *modelacl.Policy
	d, err := p.Check(polKeyOnly("*"), "m")
	require.ErrorIs(t, err, modelacl.ErrNoPolicy)
	assert.False(t, d.Allowed)
	assert.Equal(t, "k1", d.KeyID)
	assert.Nil(t, p.Models(polKeyOnly("*")))
	_, err = p.Resolve(routeparse.Bedrock, "x")
	require.ErrorIs(t, err, modelacl.ErrNoPolicy)

	p = polNoRouter(t)
	d, err = p.Check(nil, "m")
	require.ErrorIs(t, err, modelacl.ErrNoPrincipal)
	assert.False(t, d.Allowed)
	assert.Nil(t, p.Models(nil))

	var s modelacl.Store
	_, err = s.Policy().Check(polKeyOnly("*"), "m")
	require.ErrorIs(t, err, modelacl.ErrNoPolicy, "the zero Store denies")
}

func TestDecisionCarriesPrincipalAndGrants(t *testing.T) {
	p := polCompile(t, polDep("claude", "bedrock/anthropic.claude-3-haiku-20240307-v1:0"))
	pr := &modelacl.Principal{
		KeyID: "k", Key: modelacl.AllowAll(), TeamID: "t", UserID: "u", OrgID: "o", EndUserID: "e",
		Aliases: map[string]string{"haiku": "claude"},
	}
	d, err := p.Check(pr, "haiku", "bedrock/anthropic.claude-3-haiku-20240307-v1:0", "other")
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	assert.Nil(t, d.Err)
	assert.Equal(t, modelacl.ScopeNone, d.Scope)
	assert.Equal(t, []string{"k", "t", "u", "o", "e"}, []string{d.KeyID, d.TeamID, d.UserID, d.OrgID, d.EndUserID})
	assert.Equal(t, []modelacl.Grant{
		{Requested: "haiku", Model: "claude", Group: "claude"},
		{Requested: "bedrock/anthropic.claude-3-haiku-20240307-v1:0", Model: "bedrock/anthropic.claude-3-haiku-20240307-v1:0", Group: "claude"},
		{Requested: "other", Model: "other", Group: ""},
	}, d.Grants())

	pr.Key = modelacl.Allow("x")
	d, err = p.Check(pr, "haiku")
	require.Error(t, err)
	assert.Same(t, err, d.Err, "the decision carries the error it was denied with")
	assert.Equal(t, "k", d.KeyID)
	assert.Equal(t, "haiku", d.Denied)
}

// Bedrock fixtures: IDs in the forms AWS documents.
const (
	polOpusProfile  = "global.anthropic.claude-opus-4-7"
	polHaikuBase    = "anthropic.claude-3-haiku-20240307-v1:0"
	polHaikuFMARN   = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
	polAppProfileID = "a1b2c3d4e5f6"
	polAppProfile   = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6"
)

func polBedrockPolicy(t testing.TB) *modelacl.Policy {
	return polCompile(t,
		polDep("claude-opus-4-7", "bedrock/"+polOpusProfile, "premium"),
		polDep("haiku", "bedrock/converse/"+polHaikuBase, "common-models"),
		modelacl.Deployment{
			ModelName:     "team-sonnet",
			LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", ModelID: polAppProfile},
			ModelInfo:     modelacl.ModelInfo{AccessGroups: []string{"premium"}},
		},
		polDep("eu-deploy", "azure/eu-gpt-4o", "common-models"),
		polDep("gemini-flash", "gemini/gemini-2.0-flash", "common-models"),
		polDep("vertex-pro", "vertex_ai/gemini-1.5-pro"),
		polDep("anthropic.claude-v2", "bedrock/anthropic.claude-v2"),
		// a group whose name is also another group's Bedrock ID
		polDep("us.amazon.nova-micro-v1:0", "openai/some-model"),
		polDep("nova", "bedrock/us.amazon.nova-micro-v1:0"),
		polDep("direct-haiku", "anthropic/claude-3-haiku-20240307"),
		// a group named like a Bedrock ID it does not deploy
		polDep("meta.llama3-8b-instruct-v1:0", "openai/llama-3-8b"),
	)
}

func TestResolve(t *testing.T) {
	p := polBedrockPolicy(t)
	cases := []struct {
		name     string
		provider routeparse.Provider
		id       string
		want     []string
	}{
		{"seed: Bedrock path profile ID resolves to its group", routeparse.Bedrock, polOpusProfile, []string{"claude-opus-4-7"}},
		// Forwarded unchanged, AWS receives "claude-opus-4-7": that meaning
		// counts as well as the group's.
		{"group name in a Bedrock path means the group and the literal ID", routeparse.Bedrock, "claude-opus-4-7", []string{"bedrock/claude-opus-4-7", "claude-opus-4-7"}},
		{"other geo prefix is another model", routeparse.Bedrock, "us.anthropic.claude-opus-4-7", []string{"bedrock/us.anthropic.claude-opus-4-7"}},
		{"base ID behind a converse route label", routeparse.Bedrock, polHaikuBase, []string{"haiku"}},
		{"foundation-model ARN is its base ID", routeparse.Bedrock, polHaikuFMARN, []string{"haiku"}},
		{"application profile ARN configured as model_id", routeparse.Bedrock, polAppProfile, []string{"team-sonnet"}},
		{"short application profile form", routeparse.Bedrock, "application-inference-profile/" + polAppProfileID, []string{"team-sonnet"}},
		{"short form of an unconfigured profile", routeparse.Bedrock, "application-inference-profile/zzz999", []string{"bedrock/application-inference-profile/zzz999"}},
		{"ID that is both a group name and another group's ID means both", routeparse.Bedrock, "us.amazon.nova-micro-v1:0", []string{"nova", "us.amazon.nova-micro-v1:0"}},
		{"group named like an unconfigured Bedrock ID means both", routeparse.Bedrock, "meta.llama3-8b-instruct-v1:0", []string{"meta.llama3-8b-instruct-v1:0", "bedrock/meta.llama3-8b-instruct-v1:0"}},
		{"same group name on Azure means the group and the Azure deployment", routeparse.Azure, "meta.llama3-8b-instruct-v1:0", []string{"meta.llama3-8b-instruct-v1:0", "azure/meta.llama3-8b-instruct-v1:0"}},
		{"unconfigured Bedrock ID is provider-qualified", routeparse.Bedrock, "amazon.titan-text-express-v1", []string{"bedrock/amazon.titan-text-express-v1"}},
		{"suffix of a configured ID is not it", routeparse.Bedrock, "claude-opus-4-7-x", []string{"bedrock/claude-opus-4-7-x"}},
		{"Azure deployment", routeparse.Azure, "eu-gpt-4o", []string{"eu-deploy"}},
		{"Azure deployment named like a Bedrock ID is not the Bedrock model", routeparse.Azure, polOpusProfile, []string{"azure/" + polOpusProfile}},
		{"Gemini model", routeparse.Gemini, "gemini-2.0-flash", []string{"gemini-flash"}},
		{"Vertex model", routeparse.Vertex, "gemini-1.5-pro", []string{"vertex-pro"}},
		{"Vertex model unconfigured", routeparse.Vertex, "gemini-2.0-flash", []string{"vertex_ai/gemini-2.0-flash"}},
		{"OpenAI passthrough ID nothing serves is provider-qualified", routeparse.OpenAI, "whatever", []string{"openai/whatever"}},
		{"Anthropic passthrough with a group name means the group and Anthropic's model", routeparse.Anthropic, "haiku", []string{"haiku", "anthropic/haiku"}},
		{"Anthropic passthrough ID deployed by a group", routeparse.Anthropic, "claude-3-haiku-20240307", []string{"direct-haiku"}},
		{"unknown provider passes the name through", routeparse.ProviderUnknown, "whatever", []string{"whatever"}},
		{"unknown provider with a group name", routeparse.ProviderUnknown, "haiku", []string{"haiku"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Resolve(tc.provider, tc.id)
			require.NoError(t, err)
			assert.ElementsMatch(t, tc.want, got)
		})
	}
	_, err := p.Resolve(routeparse.Bedrock, "")
	require.ErrorIs(t, err, modelacl.ErrNoModel)

	var _ modelacl.Resolver = p
}

func TestResolveThenCheckSeedScenario(t *testing.T) {
	p := polBedrockPolicy(t)
	restricted := polKeyOnly("common-models")
	allowed := polKeyOnly("common-models", "premium")
	for _, id := range []string{polOpusProfile, polAppProfile, "application-inference-profile/" + polAppProfileID} {
		names, err := p.Resolve(routeparse.Bedrock, id)
		require.NoError(t, err)
		_, err = p.Check(restricted, names...)
		require.ErrorIs(t, err, modelacl.ErrModelNotAllowed, id)
		d, err := p.Check(allowed, names...)
		require.NoError(t, err, id)
		assert.True(t, d.Allowed)
	}
	for _, id := range []string{polHaikuBase, polHaikuFMARN} {
		names, err := p.Resolve(routeparse.Bedrock, id)
		require.NoError(t, err)
		_, err = p.Check(restricted, names...)
		require.NoError(t, err, id)
	}
	t.Run("group name in a Bedrock path needs the literal ID too", func(t *testing.T) {
		names, err := p.Resolve(routeparse.Bedrock, "claude-opus-4-7")
		require.NoError(t, err)
		_, err = p.Check(restricted, names...)
		require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
		_, err = p.Check(allowed, names...)
		require.ErrorIs(t, err, modelacl.ErrModelNotAllowed, "AWS receives the group name as a model ID: that meaning is not granted")
		_, err = p.Check(polKeyOnly("premium", "bedrock/claude-opus-4-7"), names...)
		require.NoError(t, err)
	})

	t.Run("provider-qualified ARN in a body resolves like its base ID", func(t *testing.T) {
		d, err := p.Check(polKeyOnly("haiku"), "bedrock/"+polHaikuFMARN)
		require.NoError(t, err)
		assert.Equal(t, "haiku", d.Grants()[0].Group)
		_, err = p.Check(polKeyOnly("common-models"), "bedrock/"+polHaikuFMARN)
		require.NoError(t, err)
		_, err = p.Check(polKeyOnly("premium"), "bedrock/"+polHaikuFMARN)
		require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
	})
	t.Run("an ID meaning two groups needs both", func(t *testing.T) {
		names, err := p.Resolve(routeparse.Bedrock, "us.amazon.nova-micro-v1:0")
		require.NoError(t, err)
		_, err = p.Check(polKeyOnly("nova"), names...)
		require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
		_, err = p.Check(polKeyOnly("nova", "us.amazon.nova-micro-v1:0"), names...)
		require.NoError(t, err)
	})
	t.Run("unconfigured ID is decided by provider globs", func(t *testing.T) {
		names, err := p.Resolve(routeparse.Bedrock, "amazon.titan-text-express-v1")
		require.NoError(t, err)
		_, err = p.Check(polKeyOnly("bedrock/*"), names...)
		require.NoError(t, err)
		_, err = p.Check(polKeyOnly("bedrock/anthropic.*"), names...)
		require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
	})
}

func TestModelsListingAgreesWithCheck(t *testing.T) {
	p := polBedrockPolicy(t)
	pr := &modelacl.Principal{
		Key:     modelacl.Allow("common-models", "nova"),
		Aliases: map[string]string{"fast": "haiku", "big": "claude-opus-4-7", "haiku": "eu-deploy"},
	}
	got := p.Models(pr)
	// haiku is a group, but the alias makes it mean eu-deploy, which the
	// key may call; "big" targets a premium model.
	assert.Equal(t, []string{"haiku", "eu-deploy", "gemini-flash", "nova", "fast"}, got)

	all := append(p.Models(polKeyOnly("*")), "fast", "big", "unlisted")
	for _, name := range all {
		_, err := p.Check(pr, name)
		assert.Equal(t, err == nil, polContains(got, name), name)
	}
	assert.Empty(t, p.Models(&modelacl.Principal{KeyID: "nothing-set"}))
	assert.Empty(t, p.Models(polKeyOnly()))
}

func polContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestStoreSwapUnderConcurrency(t *testing.T) {
	open := polCompile(t, polDep("m", "openai/m", "g"))
	closed := polCompile(t, polDep("m", "openai/m"))
	s := modelacl.NewStore(open)
	pr := polKeyOnly("g")

	var src modelacl.PolicySource = s
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := src.Policy()
				d, err := p.Check(pr, "m")
				// Each snapshot decides consistently.
				if p == open {
					assert.NoError(t, err)
					assert.True(t, d.Allowed)
				} else {
					assert.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
				}
			}
		}()
	}
	for i := range 200 {
		if i%2 == 0 {
			s.Store(closed)
		} else {
			assert.Same(t, closed, s.Swap(open))
		}
	}
	close(stop)
	wg.Wait()
	assert.Same(t, open, s.Policy())
	assert.Same(t, open, open.Policy(), "a *Policy is its own source")
}

func TestCheckDoesNotAllocateOnAllow(t *testing.T) {
	p := polBedrockPolicy(t)
	pr := &modelacl.Principal{
		Key: modelacl.Allow("common-models", "bedrock/us.*", "claude-*"), TeamID: "t", Team: modelacl.AllowAll(),
		Aliases: map[string]string{"fast": "haiku"},
	}
	cases := map[string][]string{
		"exact group via access group": {"haiku"},
		"alias":                        {"fast"},
		"glob":                         {"claude-x"},
		"two names":                    {"haiku", "gemini-flash"},
		"upstream name":                {"bedrock/us.amazon.nova-micro-v1:0"},
	}
	for name, names := range cases {
		_, err := p.Check(pr, names...)
		require.NoError(t, err, name)
		allocs := testing.AllocsPerRun(100, func() {
			if d, err := p.Check(pr, names...); err != nil || !d.Allowed {
				panic("denied")
			}
		})
		assert.Zero(t, allocs, name)
	}
	t.Run("resolve of a configured ID", func(t *testing.T) {
		allocs := testing.AllocsPerRun(100, func() {
			_, _ = p.Resolve(routeparse.Bedrock, polHaikuFMARN)
			_, _ = p.Resolve(routeparse.Bedrock, polOpusProfile)
		})
		assert.Zero(t, allocs)
	})
}

func TestLongNamesAndManyStars(t *testing.T) {
	p := polNoRouter(t)
	name := strings.Repeat("a", modelacl.MaxModelNameLen-1)
	pattern := strings.Repeat("a*", 200) + "b"
	d, _ := p.Check(polKeyOnly(pattern), name)
	assert.False(t, d.Allowed)
	d, err := p.Check(polKeyOnly(pattern), name+"b")
	require.NoError(t, err, "a name of exactly the maximum length is decided")
	assert.True(t, d.Allowed)
}

func TestOverlongNamesAreRefusedBeforeMatching(t *testing.T) {
	p := polNoRouter(t)
	huge := strings.Repeat("a", modelacl.MaxModelNameLen+1)
	for _, pr := range []*modelacl.Principal{polKeyOnly("*"), polKeyOnly("a*")} {
		d, err := p.Check(pr, huge)
		require.ErrorIs(t, err, modelacl.ErrNoModel)
		assert.False(t, d.Allowed)
		assert.NotContains(t, err.Error(), huge[:64], "the name is not echoed")
	}
	_, err := p.Resolve(routeparse.Bedrock, huge)
	require.ErrorIs(t, err, modelacl.ErrNoModel)
}
