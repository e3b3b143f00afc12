package gateway_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
)

// A LiteLLM file loads, and every setting the gateway does not act on is
// named once at start, so nobody believes a fallback or a master key is in
// force.
func TestIgnoredLiteLLMSettingsAreReported(t *testing.T) {
	const doc = `
model_list:
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o, api_base: "https://example.invalid", api_key: os.environ/OPENAI_API_KEY, rpm: 10}
    model_info: {access_groups: [premium], mode: chat}
  - model_name: gpt-4o-mini
    litellm_params: {model: openai/gpt-4o-mini, api_base: "https://example.invalid"}
router_settings:
  routing_strategy: simple-shuffle
  fallbacks: [{gpt-4o: [gpt-4o-mini]}]
  model_group_alias: {gpt-4: gpt-4o}
general_settings:
  master_key: sk-1234
litellm_settings:
  drop_params: true
environment_variables: {}
keys:
  - key: sk-a
    models: [premium]
`
	cfg, err := gateway.ParseConfig([]byte(doc))
	require.NoError(t, err)
	want := []string{
		"environment_variables",
		"general_settings.master_key",
		"litellm_settings.drop_params",
		"model_list[].litellm_params.api_base",
		"model_list[].litellm_params.api_key",
		"model_list[].litellm_params.rpm",
		"model_list[].model_info.mode",
		"router_settings.fallbacks",
		"router_settings.routing_strategy",
	}
	assert.Equal(t, want, cfg.Ignored())

	var log bytes.Buffer
	_, err = gateway.New(cfg, gateway.Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	require.NoError(t, err)
	for _, s := range want {
		assert.Equal(t, 1, strings.Count(log.String(), "setting="+s+"\n"), "%s reported once", s)
	}
	assert.NotContains(t, log.String(), "sk-1234", "a setting's value is never logged")
	assert.NotContains(t, log.String(), "model_group_alias", "model_group_alias is understood")
}
