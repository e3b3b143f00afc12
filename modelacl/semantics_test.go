package modelacl_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// polDep builds one deployment of a model list.
func polDep(name, model string, accessGroups ...string) modelacl.Deployment {
	return modelacl.Deployment{
		ModelName:     name,
		LiteLLMParams: modelacl.LiteLLMParams{Model: model},
		ModelInfo:     modelacl.ModelInfo{AccessGroups: accessGroups},
	}
}

func polCompile(t testing.TB, deps ...modelacl.Deployment) *modelacl.Policy {
	t.Helper()
	p, err := modelacl.Compile(modelacl.Config{ModelList: deps})
	require.NoError(t, err)
	return p
}

func polKeyOnly(entries ...string) *modelacl.Principal {
	return &modelacl.Principal{KeyID: "k1", Key: modelacl.Allow(entries...)}
}

// polRouterR1 and polRouterR2 are the routers of the reference gateway's own
// tests: R1 = "openai/*" in access group public-openai-models and
// "openai/gpt-4o" in private-openai-models; R2 = "openai/*", "bedrock/*",
// "openai/gpt-4o".
func polRouterR1(t testing.TB) *modelacl.Policy {
	return polCompile(t,
		polDep("openai/*", "openai/*", "public-openai-models"),
		polDep("openai/gpt-4o", "openai/gpt-4o", "private-openai-models"),
	)
}

func polRouterR2(t testing.TB) *modelacl.Policy {
	return polCompile(t,
		polDep("openai/*", "openai/*"),
		polDep("bedrock/*", "bedrock/*"),
		polDep("openai/gpt-4o", "openai/gpt-4o"),
	)
}

func polNoRouter(t testing.TB) *modelacl.Policy { return polCompile(t) }

// TestReferenceTable is the table of issue 2: facts from the reference
// gateway's own test suite that any compatible policy must reproduce.
func TestReferenceTable(t *testing.T) {
	cases := []struct {
		name   string
		router func(testing.TB) *modelacl.Policy
		allow  []string
		model  string
		want   bool
	}{
		{"access group grants a model its wildcard deployment serves", polRouterR1, []string{"public-openai-models"}, "openai/gpt-4o-mini", true},
		{"exact deployment shadows the wildcard's access group", polRouterR1, []string{"public-openai-models"}, "openai/gpt-4o", false},
		{"private access group grants the exact deployment", polRouterR1, []string{"private-openai-models"}, "openai/gpt-4o", true},
		{"private access group does not leak to the wildcard", polRouterR1, []string{"private-openai-models"}, "openai/gpt-4o-mini", false},
		{"provider glob allows an exact deployment", polRouterR2, []string{"openai/*"}, "openai/gpt-4o", true},
		{"provider glob allows a wildcard-served model", polRouterR2, []string{"openai/*"}, "openai/gpt-4o-mini", true},
		{"provider glob is not a prefix match on the provider name", polRouterR2, []string{"openai/*"}, "openaiz/gpt-4o-mini", false},
		{"bedrock glob allows a bedrock model", polRouterR2, []string{"bedrock/*"}, "bedrock/anthropic.claude-3-5-sonnet-20240620", true},
		{"bedrock glob does not match bedrockz", polRouterR2, []string{"bedrock/*"}, "bedrockz/anthropic.claude-3-5-sonnet-20240620", false},
		{"geo-prefixed glob allows its profile", polRouterR2, []string{"bedrock/us.*"}, "bedrock/us.amazon.nova-micro-v1:0", true},
		{"geo-prefixed glob does not allow another geo", polRouterR2, []string{"bedrock/us.*"}, "bedrock/eu.amazon.nova-micro-v1:0", false},
		{"version glob does not match another version", polNoRouter, []string{"bedrock/claude-3-5-*"}, "bedrock/claude-3-6-sonnet-20240620", false},
		{"dot in a glob is literal, not regex any-char", polNoRouter, []string{"gpt-4.1*"}, "gpt-4x1", false},
		{"dot glob still matches its literal prefix", polNoRouter, []string{"gpt-4.1*"}, "gpt-4.1-mini", true},
		{"different model denied", polNoRouter, []string{"gpt-3.5-turbo"}, "gpt-4", false},
		{"case variant denied", polNoRouter, []string{"a"}, "A", false},
		{"star allows anything", polNoRouter, []string{"*"}, "anything/at-all:v1", true},
		{"all-proxy-models allows anything", polNoRouter, []string{"all-proxy-models"}, "anything/at-all:v1", true},
		{"star allows a shadowed exact deployment too", polRouterR1, []string{"*"}, "openai/gpt-4o", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.router(t)
			d, err := p.Check(polKeyOnly(tc.allow...), tc.model)
			assert.Equal(t, tc.want, d.Allowed)
			if tc.want {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
			var de *modelacl.DenyError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, modelacl.ScopeKey, de.Scope)
			assert.Equal(t, tc.model, de.Model)
		})
	}
}

func TestAliasResolvesToTargetAndNeverWidens(t *testing.T) {
	p := polNoRouter(t)
	pr := &modelacl.Principal{
		Key:     modelacl.Allow("gpt-4-team1"),
		Aliases: map[string]string{"gpt-4": "gpt-4-team1", "cheap": "gpt-4-premium"},
	}
	cases := []struct {
		name  string
		model string
		want  bool
	}{
		{"alias whose target is allowed", "gpt-4", true},
		{"unaliased name not on the list", "gpt-5", false},
		{"target named directly", "gpt-4-team1", true},
		{"alias to a target the key may not call", "cheap", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := p.Check(pr, tc.model)
			assert.Equal(t, tc.want, d.Allowed)
			if !tc.want {
				require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
			}
		})
	}

	t.Run("alias name on the list does not grant its target", func(t *testing.T) {
		pr := &modelacl.Principal{
			Key:     modelacl.Allow("fast"),
			Aliases: map[string]string{"fast": "gpt-4-premium"},
		}
		_, err := p.Check(pr, "fast")
		require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
	})
	t.Run("alias targets are not aliased again", func(t *testing.T) {
		pr := &modelacl.Principal{
			Key:     modelacl.Allow("b"),
			Aliases: map[string]string{"a": "b", "b": "c"},
		}
		d, err := p.Check(pr, "a")
		require.NoError(t, err)
		assert.Equal(t, []modelacl.Grant{{Requested: "a", Model: "b"}}, d.Grants())
	})
	t.Run("alias to the empty name is no model", func(t *testing.T) {
		pr := &modelacl.Principal{Key: modelacl.AllowAll(), Aliases: map[string]string{"x": ""}}
		_, err := p.Check(pr, "x")
		require.ErrorIs(t, err, modelacl.ErrNoModel)
	})
}

func TestScopesAreANDed(t *testing.T) {
	p := polNoRouter(t)
	cases := []struct {
		name      string
		pr        modelacl.Principal
		model     string
		wantScope modelacl.Scope // ScopeNone = allowed
	}{
		{"key allows x, team allows y: team denies x",
			modelacl.Principal{Key: modelacl.Allow("x"), TeamID: "t", Team: modelacl.Allow("y")}, "x", modelacl.ScopeTeam},
		{"key allows x, team allows y: key denies y",
			modelacl.Principal{Key: modelacl.Allow("x"), TeamID: "t", Team: modelacl.Allow("y")}, "y", modelacl.ScopeKey},
		{"both allow",
			modelacl.Principal{Key: modelacl.Allow("x"), TeamID: "t", Team: modelacl.Allow("x", "y")}, "x", modelacl.ScopeNone},
		{"unset key, team decides",
			modelacl.Principal{TeamID: "t", Team: modelacl.Allow("y")}, "y", modelacl.ScopeNone},
		{"team member list narrows the team",
			modelacl.Principal{Key: modelacl.AllowAll(), TeamID: "t", Team: modelacl.Allow("x", "y"), TeamMember: modelacl.Allow("y")}, "x", modelacl.ScopeTeamMember},
		{"user list denies",
			modelacl.Principal{Key: modelacl.AllowAll(), UserID: "u", User: modelacl.Allow("y")}, "x", modelacl.ScopeUser},
		{"org list denies",
			modelacl.Principal{Key: modelacl.AllowAll(), OrgID: "o", Org: modelacl.Allow("y")}, "x", modelacl.ScopeOrg},
		{"end user list denies",
			modelacl.Principal{Key: modelacl.AllowAll(), EndUserID: "e", EndUser: modelacl.Allow("y")}, "x", modelacl.ScopeEndUser},
		{"every scope allows",
			modelacl.Principal{Key: modelacl.Allow("x"), TeamID: "t", Team: modelacl.Allow("x"), TeamMember: modelacl.Allow("x"),
				User: modelacl.Allow("x"), Org: modelacl.Allow("x"), EndUser: modelacl.Allow("x")}, "x", modelacl.ScopeNone},
		{"end user with all-team-models gets nothing",
			modelacl.Principal{Key: modelacl.AllowAll(), TeamID: "t", Team: modelacl.Allow("x"), EndUser: modelacl.Allow("all-team-models")}, "x", modelacl.ScopeEndUser},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := p.Check(&tc.pr, tc.model)
			if tc.wantScope == modelacl.ScopeNone {
				require.NoError(t, err)
				assert.True(t, d.Allowed)
				return
			}
			require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
			var de *modelacl.DenyError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tc.wantScope, de.Scope)
			assert.Equal(t, tc.wantScope, d.Scope)
			assert.False(t, d.Allowed)
		})
	}
}

func TestAllowlistTriState(t *testing.T) {
	strict := polNoRouter(t)
	compat, err := modelacl.Compile(modelacl.Config{LiteLLMCompat: true})
	require.NoError(t, err)

	cases := []struct {
		name       string
		pr         modelacl.Principal
		wantStrict bool
		wantCompat bool
	}{
		{"unset key, team lists the model", modelacl.Principal{TeamID: "t", Team: modelacl.Allow("m")}, true, true},
		{"empty key list denies unless compatibility reads it as all",
			modelacl.Principal{Key: modelacl.Allow()}, false, true},
		{"DenyAll denies in both modes", modelacl.Principal{Key: modelacl.DenyAll()}, false, false},
		{"empty team list under a permissive key", modelacl.Principal{Key: modelacl.AllowAll(), TeamID: "t", Team: modelacl.Allow()}, false, true},
		{"list without the model", modelacl.Principal{Key: modelacl.Allow("other")}, false, false},
		{"nothing set anywhere is denied, not unrestricted", modelacl.Principal{KeyID: "k"}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := strict.Check(&tc.pr, "m")
			assert.Equal(t, tc.wantStrict, d.Allowed, "strict")
			d, _ = compat.Check(&tc.pr, "m")
			assert.Equal(t, tc.wantCompat, d.Allowed, "litellm_compat")
		})
	}

	t.Run("nothing set reports ErrNoAllowlist", func(t *testing.T) {
		d, err := strict.Check(&modelacl.Principal{KeyID: "k"}, "m")
		require.ErrorIs(t, err, modelacl.ErrNoAllowlist)
		var de *modelacl.DenyError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, modelacl.ScopeNone, de.Scope)
		assert.Equal(t, "m", d.Denied)
	})
}

func TestAllTeamModels(t *testing.T) {
	p := polNoRouter(t)
	cases := []struct {
		name    string
		pr      modelacl.Principal
		model   string
		wantErr error // nil = allowed
	}{
		{"key inherits the team's list", modelacl.Principal{Key: modelacl.Allow("all-team-models"), TeamID: "t", Team: modelacl.Allow("m")}, "m", nil},
		{"inherited list still denies other models", modelacl.Principal{Key: modelacl.Allow("all-team-models"), TeamID: "t", Team: modelacl.Allow("m")}, "n", modelacl.ErrModelNotAllowed},
		{"inherits team globs", modelacl.Principal{Key: modelacl.Allow("all-team-models"), TeamID: "t", Team: modelacl.Allow("m-*")}, "m-1", nil},
		{"inherits plus own entries", modelacl.Principal{Key: modelacl.Allow("all-team-models", "n"), TeamID: "t", Team: modelacl.Allow("m", "n")}, "n", nil},
		{"teamless key denies (reference gateway: unrestricted)", modelacl.Principal{Key: modelacl.Allow("all-team-models")}, "m", modelacl.ErrTeamModelsWithoutTeam},
		{"team ID without a team list denies", modelacl.Principal{Key: modelacl.Allow("all-team-models"), TeamID: "t"}, "m", modelacl.ErrTeamModelsWithoutTeam},
		{"team list without a team ID denies", modelacl.Principal{Key: modelacl.Allow("all-team-models"), Team: modelacl.AllowAll()}, "m", modelacl.ErrTeamModelsWithoutTeam},
		{"teamless key's own entries still allow", modelacl.Principal{Key: modelacl.Allow("all-team-models", "m")}, "m", nil},
		{"team with DenyAll gives nothing", modelacl.Principal{Key: modelacl.Allow("all-team-models"), TeamID: "t", Team: modelacl.DenyAll()}, "m", modelacl.ErrModelNotAllowed},
		{"all-team-models on the team itself grants nothing", modelacl.Principal{Key: modelacl.AllowAll(), TeamID: "t", Team: modelacl.Allow("all-team-models")}, "m", modelacl.ErrModelNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := p.Check(&tc.pr, tc.model)
			if tc.wantErr == nil {
				require.NoError(t, err)
				assert.True(t, d.Allowed)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			assert.False(t, d.Allowed)
		})
	}
}

func TestMultiModelRequestNeedsEveryModel(t *testing.T) {
	p := polNoRouter(t)
	pr := polKeyOnly("a", "b")

	d, err := p.Check(pr, "a", "b", "a")
	require.NoError(t, err)
	assert.Len(t, d.Grants(), 3)

	for _, names := range [][]string{{"a", "c"}, {"c", "a"}, {"a", "b", "a", "b", "c"}} {
		d, err := p.Check(pr, names...)
		require.ErrorIs(t, err, modelacl.ErrModelNotAllowed, "%q", names)
		assert.False(t, d.Allowed)
		assert.Equal(t, "c", d.Denied, "the denied name is reported")
		assert.Empty(t, d.Grants(), "a denied decision grants nothing")
		var de *modelacl.DenyError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, "c", de.Model)
	}

	t.Run("many names beyond inline storage", func(t *testing.T) {
		names := []string{"a", "b", "a", "b", "a", "b", "a"}
		d, err := p.Check(pr, names...)
		require.NoError(t, err)
		require.Len(t, d.Grants(), len(names))
		for i, g := range d.Grants() {
			assert.Equal(t, names[i], g.Requested)
		}
	})
	t.Run("no names is no model", func(t *testing.T) {
		_, err := p.Check(pr)
		require.ErrorIs(t, err, modelacl.ErrNoModel)
	})
	t.Run("empty name is no model, not a match of an empty entry", func(t *testing.T) {
		_, err := p.Check(polKeyOnly(""), "")
		require.ErrorIs(t, err, modelacl.ErrNoModel)
	})
}

func TestAccessGroupsAndDeployments(t *testing.T) {
	p := polCompile(t,
		polDep("claude-opus-4-7", "bedrock/global.anthropic.claude-opus-4-7", "premium"),
		polDep("cheap", "openai/gpt-4o-mini", "common-models"),
		// one group, two deployments, only one in common-models
		polDep("balanced", "openai/gpt-4o", "common-models"),
		polDep("balanced", "azure/gpt-4o-eu"),
		// one group, two deployments, both in common-models
		polDep("both", "openai/gpt-4.1", "common-models"),
		polDep("both", "azure/gpt-41", "common-models", "eu"),
	)
	cases := []struct {
		name  string
		allow []string
		model string
		want  bool
	}{
		{"seed scenario: common-models does not cover claude-opus-4-7", []string{"common-models"}, "claude-opus-4-7", false},
		{"seed scenario by upstream name", []string{"common-models"}, "bedrock/global.anthropic.claude-opus-4-7", false},
		{"access group grants its group", []string{"common-models"}, "cheap", true},
		{"access group grants the upstream name of its deployment", []string{"common-models"}, "openai/gpt-4o-mini", true},
		{"group with a deployment outside the access group is not granted", []string{"common-models"}, "balanced", false},
		{"group whose deployments all list the access group", []string{"common-models"}, "both", true},
		{"second access group of one deployment is not enough", []string{"eu"}, "both", false},
		{"upstream glob grants a group deployed only there", []string{"bedrock/*"}, "claude-opus-4-7", true},
		{"upstream glob covering only one deployment", []string{"openai/*"}, "balanced", false},
		{"upstream globs covering every deployment", []string{"openai/*", "azure/*"}, "balanced", true},
		{"group name grants whatever deploys it", []string{"balanced"}, "balanced", true},
		{"access group name is not a model name glob", []string{"common-*"}, "cheap", false},
		{"access group does not grant an unconfigured model", []string{"common-models"}, "gpt-x", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := p.Check(polKeyOnly(tc.allow...), tc.model)
			assert.Equal(t, tc.want, d.Allowed)
			if !tc.want {
				require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
			}
		})
	}
}

func TestExactShadowsWildcardAndGrantGroup(t *testing.T) {
	p := polCompile(t,
		polDep("*", "openai/*", "everything"),
		polDep("claude-*", "anthropic/claude-*", "claude"),
		polDep("claude-fixed", "anthropic/claude-3-haiku"),
	)
	cases := []struct {
		name      string
		allow     []string
		model     string
		want      bool
		wantGroup string
	}{
		{"catch-all wildcard serves via its access group", []string{"everything"}, "gpt-4o", true, "*"},
		{"two wildcards match: both must allow", []string{"claude"}, "claude-3-5", false, ""},
		{"two wildcards match and both allow: the most specific is reported", []string{"claude", "everything"}, "claude-3-5", true, "claude-*"},
		{"exact group shadows both wildcards", []string{"claude", "everything"}, "claude-fixed", false, ""},
		{"upstream of a wildcard is its filled pattern", []string{"anthropic/claude-3-5", "openai/claude-3-5"}, "claude-3-5", true, "claude-*"},
		{"filled upstream must match for every wildcard", []string{"anthropic/claude-3-5"}, "claude-3-5", false, ""},
		{"requested name allows a wildcard-served model", []string{"claude-3-5"}, "claude-3-5", true, "claude-*"},
		{"unserved and unlisted", []string{"everything"}, "", false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := p.Check(polKeyOnly(tc.allow...), tc.model)
			assert.Equal(t, tc.want, d.Allowed)
			if tc.want {
				require.NoError(t, err)
				require.Len(t, d.Grants(), 1)
				assert.Equal(t, tc.wantGroup, d.Grants()[0].Group)
				return
			}
			require.Error(t, err)
		})
	}
}

func TestGlobsAreLiteralExceptStar(t *testing.T) {
	p := polNoRouter(t)
	cases := []struct {
		pattern, model string
		want           bool
	}{
		{"gpt-4.1*", "gpt-4.1", true},
		{"gpt-4.1*", "gpt-4x1", false},
		{"gpt-?", "gpt-4", false},
		{"gpt-?", "gpt-?", true},
		{"gpt-[34]", "gpt-3", false},
		{"gpt-[34]", "gpt-[34]", true},
		{`gpt\-4`, "gpt-4", false},
		{"^gpt", "gpt", false},
		{"gpt-4$", "gpt-4", false},
		{"gpt-4|claude*", "claude-3", false},
		{".*", "anything", false},
		{".*", ".x", true},
		{"*mini", "gpt-4o-mini", true},
		{"*mini", "gpt-4o-mini-2", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "acb", false},
		{"a**c", "abc", true},
		{"ab*ba", "aba", false},
		{"a*", "A1", false},
		{"bedrock/*", "bedrock/", true},
		{"bedrock/*", "bedrock", false},
	}
	for _, tc := range cases {
		t.Run(tc.pattern+" vs "+tc.model, func(t *testing.T) {
			d, _ := p.Check(polKeyOnly(tc.pattern), tc.model)
			assert.Equal(t, tc.want, d.Allowed)
		})
	}
}

func TestNamesAreCaseSensitiveEverywhere(t *testing.T) {
	p := polCompile(t,
		polDep("GPT-4o", "openai/gpt-4o", "Common"),
		polDep("claude", "bedrock/anthropic.claude-3-haiku-20240307-v1:0"),
	)
	cases := []struct {
		name  string
		pr    modelacl.Principal
		model string
	}{
		{"group name in another case", modelacl.Principal{Key: modelacl.Allow("GPT-4o")}, "gpt-4o"},
		{"entry in another case than the group", modelacl.Principal{Key: modelacl.Allow("gpt-4o")}, "GPT-4o"},
		{"access group in another case", modelacl.Principal{Key: modelacl.Allow("common")}, "GPT-4o"},
		{"upstream name in another case", modelacl.Principal{Key: modelacl.Allow("Bedrock/*")}, "claude"},
		{"glob literal part in another case", modelacl.Principal{Key: modelacl.Allow("gpt-*")}, "GPT-4o"},
		{"alias key in another case is not the alias", modelacl.Principal{Key: modelacl.Allow("claude"), Aliases: map[string]string{"fast": "claude"}}, "FAST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Check(&tc.pr, tc.model)
			require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
		})
	}
}

func TestCompatibilitySwitchOnlyChangesEmptyLists(t *testing.T) {
	cfg := modelacl.Config{LiteLLMCompat: true, ModelList: []modelacl.Deployment{
		polDep("a", "openai/a"), polDep("b", "openai/b"),
	}}
	p, err := modelacl.Compile(cfg)
	require.NoError(t, err)

	// LiteLLM: a key with models [] may call everything its team may.
	pr := &modelacl.Principal{Key: modelacl.Allow(), TeamID: "t", Team: modelacl.Allow("a")}
	assert.Equal(t, []string{"a"}, p.Models(pr))
	_, err = p.Check(pr, "b")
	require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)

	// Non-empty lists mean the same in both modes.
	_, err = p.Check(polKeyOnly("a"), "b")
	require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
	// DenyAll is not an empty list.
	assert.Empty(t, p.Models(&modelacl.Principal{Key: modelacl.DenyAll()}))
	// Empty everywhere: everything.
	assert.Equal(t, []string{"a", "b"}, p.Models(polKeyOnly()))
}

func TestWildcardUpstreamIsFilledFromTheRequest(t *testing.T) {
	p := polCompile(t,
		polDep("geo/*", "bedrock/*"),
		polDep("fixed-*", "openai/gpt-4o-mini", "cheap"),
	)
	cases := []struct {
		name  string
		allow []string
		model string
		want  bool
	}{
		{"the star carries its run", []string{"bedrock/us.nova"}, "geo/us.nova", true},
		{"upstream glob on the filled name", []string{"bedrock/us.*"}, "geo/us.anything", true},
		{"upstream glob on the filled name, other geo", []string{"bedrock/us.*"}, "geo/eu.anything", false},
		{"fixed upstream behind a pattern", []string{"openai/gpt-4o-mini"}, "fixed-whatever", true},
		{"access group of a fixed-upstream wildcard", []string{"cheap"}, "fixed-1", true},
		{"the pattern's literal part is not carried over", []string{"bedrock/geo/us.nova"}, "geo/us.nova", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := p.Check(polKeyOnly(tc.allow...), tc.model)
			assert.Equal(t, tc.want, d.Allowed)
		})
	}
}

func TestAllowlistVocabularyIsNotAModelName(t *testing.T) {
	p := polCompile(t,
		polDep("cheap", "openai/gpt-4o-mini", "common-models"),
		polDep("*", "openai/*"),
	)
	cases := []struct {
		name  string
		allow []string
		model string
	}{
		{"access group sent as the model", []string{"common-models"}, "common-models"},
		{"access group sent as the model, matched by a glob", []string{"common-*"}, "common-models"},
		{"access group sent as the model, served by a catch-all", []string{"common-models", "openai/*"}, "common-models"},
		{"star sent as the model", []string{"common-models", "openai/*"}, "*"},
		{"all-proxy-models sent as the model", []string{"all-*"}, "all-proxy-models"},
		{"all-team-models sent as the model", []string{"all-team-*"}, "all-team-models"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Check(polKeyOnly(tc.allow...), tc.model)
			require.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
		})
	}
	t.Run("an all-models list still allows anything", func(t *testing.T) {
		_, err := p.Check(polKeyOnly("*"), "common-models")
		require.NoError(t, err)
	})
}
