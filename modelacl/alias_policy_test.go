package modelacl_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// A LiteLLM config with router_settings.model_group_alias, in both of
// LiteLLM's forms.
const groupAliasConfig = `{
  "model_list": [
    {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o"}, "model_info": {"access_groups": ["premium"]}},
    {"model_name": "gpt-4o-mini", "litellm_params": {"model": "openai/gpt-4o-mini"}, "model_info": {"access_groups": ["common"]}},
    {"model_name": "claude-opus-4-7", "litellm_params": {"model": "bedrock/global.anthropic.claude-opus-4-7"}, "model_info": {"access_groups": ["premium"]}}
  ],
  "router_settings": {
    "routing_strategy": "simple-shuffle",
    "model_group_alias": {
      "gpt-4": "gpt-4o",
      "cheap": {"model": "gpt-4o-mini"},
      "opus-legacy": {"model": "claude-opus-4-7", "hidden": true}
    }
  }
}`

func groupAliasPolicy(t *testing.T) *modelacl.Policy {
	t.Helper()
	var cfg modelacl.Config
	require.NoError(t, json.Unmarshal([]byte(groupAliasConfig), &cfg))
	p, err := modelacl.Compile(cfg)
	require.NoError(t, err)
	return p
}

// A policy alias never widens: the target is what is authorized, and
// what the dispatcher is told to call.
func TestGroupAliasNeverWidens(t *testing.T) {
	p := groupAliasPolicy(t)
	common := &modelacl.Principal{KeyID: "common", Key: modelacl.Allow("common")}
	premium := &modelacl.Principal{KeyID: "premium", Key: modelacl.Allow("premium")}
	aliasOnly := &modelacl.Principal{KeyID: "alias-only", Key: modelacl.Allow("gpt-4")}

	d, err := p.Check(premium, "gpt-4")
	require.NoError(t, err)
	assert.Equal(t, modelacl.Grant{Requested: "gpt-4", Model: "gpt-4o", Group: "gpt-4o"}, d.Grants()[0])

	_, err = p.Check(common, "gpt-4")
	assert.ErrorIs(t, err, modelacl.ErrModelNotAllowed, "the alias of a premium model is premium")
	_, err = p.Check(aliasOnly, "gpt-4")
	assert.ErrorIs(t, err, modelacl.ErrModelNotAllowed, "listing the alias's name grants nothing: its target is checked")

	d, err = p.Check(common, "cheap")
	require.NoError(t, err)
	assert.Equal(t, "gpt-4o-mini", d.Grants()[0].Model)

	// A principal's alias is applied first; a policy alias it leads to is
	// applied once more, and the end of the chain is authorized.
	chained := &modelacl.Principal{KeyID: "c", Key: modelacl.Allow("premium"), Aliases: map[string]string{"my-model": "gpt-4"}}
	d, err = p.Check(chained, "my-model")
	require.NoError(t, err)
	assert.Equal(t, "gpt-4o", d.Grants()[0].Model, "the dispatcher calls the end of the chain")
	chained.Key = modelacl.Allow("common")
	_, err = p.Check(chained, "my-model")
	assert.ErrorIs(t, err, modelacl.ErrModelNotAllowed)

	// Hidden aliases are callable but not listed.
	assert.Equal(t, []string{"gpt-4o", "claude-opus-4-7", "gpt-4"}, p.Models(premium))
	assert.Equal(t, []string{"gpt-4o-mini", "cheap"}, p.Models(common))
	_, err = p.Check(premium, "opus-legacy")
	assert.NoError(t, err)
}

// On provider-native routes the ID is forwarded as sent, so no alias may
// change what it means.
func TestGroupAliasNotAppliedToNativeIDs(t *testing.T) {
	p := groupAliasPolicy(t)
	pr := &modelacl.Principal{KeyID: "k", Key: modelacl.AllowAll()}
	d, err := modelacl.Checker{Policy: p}.CheckNative(pr, routeparse.OpenAI, "gpt-4")
	require.NoError(t, err)
	for _, g := range d.Grants() {
		assert.NotEqual(t, "gpt-4o", g.Model, "a passthrough ID must not be authorized as the alias target")
	}
}

// Through the middleware, a unified request naming the alias is allowed
// for its target and says so in the grant the dispatcher rewrites to.
func TestGroupAliasThroughMiddleware(t *testing.T) {
	mw := modelacl.MustNew(modelacl.Options{Policy: groupAliasPolicy(t), Authenticate: func(*http.Request, modelacl.Credential) (*modelacl.Principal, error) {
		return &modelacl.Principal{KeyID: "common", Key: modelacl.Allow("common")}, nil
	}})
	for body, want := range map[string]error{
		`{"model":"cheap"}`: nil,
		`{"model":"gpt-4"}`: modelacl.ErrModelNotAllowed,
	} {
		r := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(body))
		bearer(r, "sk")
		_, d, err := mw.Check(r)
		if want != nil {
			assert.ErrorIs(t, err, want, body)
			continue
		}
		require.NoError(t, err, body)
		g, _ := d.Primary()
		assert.Equal(t, "gpt-4o-mini", g.Model)
	}
}

func TestGroupAliasConfigErrors(t *testing.T) {
	base := []modelacl.Deployment{
		{ModelName: "gpt-4o", LiteLLMParams: modelacl.LiteLLMParams{Model: "openai/gpt-4o"}, ModelInfo: modelacl.ModelInfo{AccessGroups: []string{"premium"}}},
		{ModelName: "openai/*", LiteLLMParams: modelacl.LiteLLMParams{Model: "openai/*"}},
	}
	tests := []struct {
		name  string
		alias string
		to    string
	}{
		{"alias shadowing a model group", "gpt-4o", "openai/gpt-4o-mini"},
		{"alias named like an access group", "premium", "gpt-4o"},
		{"alias that is the all-models sentinel", "*", "gpt-4o"},
		{"alias with a glob", "gpt-*", "gpt-4o"},
		{"empty alias", "", "gpt-4o"},
		{"alias with trailing space", "gpt-4 ", "gpt-4o"},
		{"target nothing serves", "gpt-4", "gpt-5"},
		{"empty target", "gpt-4", ""},
		{"target a wildcard serves but whose comma names two models", "gpt-4", "openai/cheap,openai/expensive"},
		{"alias with a comma", "fast,slow", "gpt-4o"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := modelacl.Compile(modelacl.Config{ModelList: base, RouterSettings: modelacl.RouterSettings{
				ModelGroupAlias: map[string]modelacl.GroupAlias{tt.alias: {Model: tt.to}},
			}})
			require.ErrorIs(t, err, modelacl.ErrInvalidConfig)
			var ce *modelacl.ConfigError
			require.True(t, errors.As(err, &ce))
			assert.Contains(t, ce.Field, "model_group_alias")
		})
	}
	// A target served by a wildcard group is a model group.
	_, err := modelacl.Compile(modelacl.Config{ModelList: base, RouterSettings: modelacl.RouterSettings{
		ModelGroupAlias: map[string]modelacl.GroupAlias{"gpt-4": {Model: "openai/gpt-4-turbo"}},
	}})
	assert.NoError(t, err)

	var cfg modelacl.Config
	err = json.Unmarshal([]byte(`{"router_settings":{"model_group_alias":{"gpt-4":{"modle":"gpt-4o"}}}}`), &cfg)
	assert.ErrorIs(t, err, modelacl.ErrInvalidConfig, "a misspelt field must not leave the target empty")
}
