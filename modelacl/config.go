package modelacl

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Config is the deployment side of a policy, in the vocabulary of LiteLLM's
// proxy configuration so that existing model lists can be read unchanged
// (JSON here; the struct tags also serve YAML decoders that honour them).
//
// Principals (keys, teams, users, ...) are not configuration: a host builds a
// [Principal] per request from its own key store.
type Config struct {
	// ModelList is the deployment list. Several deployments may share a
	// model_name: together they form one model group.
	ModelList []Deployment `json:"model_list" yaml:"model_list"`

	// LiteLLMCompat makes an empty allowlist ([] in JSON, [Allow] with no
	// entries) mean "all models", as LiteLLM reads it. Off by default: an
	// empty list denies everything. [DenyAll] denies in either mode.
	LiteLLMCompat bool `json:"litellm_compat" yaml:"litellm_compat"`

	// RouterSettings holds the router settings the policy understands.
	RouterSettings RouterSettings `json:"router_settings" yaml:"router_settings"`
}

// RouterSettings is the part of LiteLLM's router_settings that changes what
// a name means. Its other settings (routing strategy, retries, fallbacks,
// ...) are the host's and are ignored here.
type RouterSettings struct {
	// ModelGroupAlias maps a name clients may send to the model group it
	// stands for, for every principal (LiteLLM's model_group_alias). Like a
	// principal's aliases, it never widens access: the target is what is
	// authorized and what the dispatcher must call ([Grant.Model]), and it
	// applies only on the unified routes (never to a provider-native ID,
	// which is forwarded as sent). A principal's own alias is applied
	// first; its target may be a policy alias, which is applied once more.
	//
	// [Compile] refuses an alias that is empty, has surrounding white
	// space, contains '*', is a sentinel or an access group, or is also a
	// model group name (which one a request meant would depend on the
	// dispatcher), and a target that is no model group (exact, or matched
	// by a wildcard group). [Policy.Models] lists aliases that are not
	// Hidden.
	ModelGroupAlias map[string]GroupAlias `json:"model_group_alias,omitempty" yaml:"model_group_alias,omitempty"`
}

// GroupAlias is one model_group_alias entry. In JSON it is either the
// target's name, or LiteLLM's object form {"model": ..., "hidden": ...}.
type GroupAlias struct {
	Model  string `json:"model" yaml:"model"`
	Hidden bool   `json:"hidden,omitempty" yaml:"hidden,omitempty"` // not listed by Policy.Models; still callable
}

// UnmarshalJSON reads either form.
func (a *GroupAlias) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '"' {
		*a = GroupAlias{}
		return json.Unmarshal(b, &a.Model)
	}
	type plain GroupAlias
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt "modle" must not leave the target empty silently
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf("%w: model_group_alias entry: %w", ErrInvalidConfig, err)
	}
	*a = GroupAlias(p)
	return nil
}

// Deployment is one entry of the model list.
type Deployment struct {
	// ModelName is the model group the deployment serves: the name clients
	// send. A name containing '*' makes a wildcard deployment that serves
	// every name the glob matches and no exact group shadows
	// ("openai/*").
	ModelName string `json:"model_name" yaml:"model_name"`

	LiteLLMParams LiteLLMParams `json:"litellm_params" yaml:"litellm_params"`
	ModelInfo     ModelInfo     `json:"model_info" yaml:"model_info"`
}

// LiteLLMParams holds the fields of litellm_params that decide which
// upstream model a deployment calls. Other fields are ignored.
type LiteLLMParams struct {
	// Model is the provider-qualified upstream model, e.g.
	// "bedrock/global.anthropic.claude-opus-4-7", "azure/my-deployment",
	// "openai/gpt-4o". In a wildcard deployment whose ModelName has one
	// '*', it may contain one '*' too, which receives what the star of
	// ModelName matched ("team-a/*" -> "openai/*").
	Model string `json:"model" yaml:"model"`

	// ModelID is the provider's own ID for the call when it differs from
	// Model (LiteLLM uses it for Bedrock application inference profile and
	// provisioned throughput ARNs). Requests naming it resolve to this
	// deployment.
	ModelID string `json:"model_id,omitempty" yaml:"model_id,omitempty"`
}

// ModelInfo holds the fields of model_info the policy uses.
type ModelInfo struct {
	// ID is an operator-chosen deployment ID. Informational.
	ID string `json:"id,omitempty" yaml:"id,omitempty"`

	// AccessGroups names the access groups this deployment belongs to. An
	// allowlist entry equal to an access group allows the models this
	// deployment serves, subject to the shadowing and all-deployments rules
	// in the package documentation.
	AccessGroups []string `json:"access_groups,omitempty" yaml:"access_groups,omitempty"`
}
