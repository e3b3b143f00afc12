package modelacl_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// A LiteLLM-style model list, compiled once; a key limited to an access
// group; one allowed and one denied request.
func ExampleCompile() {
	var cfg modelacl.Config
	err := json.Unmarshal([]byte(`{"model_list": [
	  {"model_name": "claude-opus-4-7",
	   "litellm_params": {"model": "bedrock/global.anthropic.claude-opus-4-7"}},
	  {"model_name": "gpt-4o-mini",
	   "litellm_params": {"model": "openai/gpt-4o-mini"},
	   "model_info": {"access_groups": ["common-models"]}}
	]}`), &cfg)
	if err != nil {
		panic(err)
	}
	policy, err := modelacl.Compile(cfg)
	if err != nil {
		panic(err)
	}

	key := &modelacl.Principal{KeyID: "key-1", Key: modelacl.Allow("common-models")}
	for _, model := range []string{"gpt-4o-mini", "claude-opus-4-7"} {
		d, err := policy.Check(key, model)
		fmt.Println(model, d.Allowed, err)
	}
	// Output:
	// gpt-4o-mini true <nil>
	// claude-opus-4-7 false modelacl: key may not call model "claude-opus-4-7"
}

// Check's error says which scope denied; errors.Is and errors.As see the
// category and the details.
func ExamplePolicy_Check() {
	policy, _ := modelacl.Compile(modelacl.Config{})
	pr := &modelacl.Principal{
		KeyID:  "key-1",
		Key:    modelacl.Allow("gpt-4o", "gpt-4o-mini"),
		TeamID: "team-1",
		Team:   modelacl.Allow("gpt-4o-mini"),
	}
	// A request with a fallback names two models: both must be allowed.
	_, err := policy.Check(pr, "gpt-4o-mini", "gpt-4o")
	var deny *modelacl.DenyError
	if errors.As(err, &deny) {
		fmt.Println(errors.Is(err, modelacl.ErrModelNotAllowed), deny.Scope, deny.Model)
	}
	// Output:
	// true team gpt-4o
}

// Allowlist entries: exact names, access groups, globs where only '*' is
// special, and the all-models sentinels.
func ExampleAllow() {
	policy, _ := modelacl.Compile(modelacl.Config{})
	key := &modelacl.Principal{Key: modelacl.Allow("gpt-4.1*", "bedrock/us.*")}
	for _, model := range []string{"gpt-4.1-mini", "gpt-4x1", "bedrock/us.amazon.nova-micro-v1:0", "bedrock/eu.amazon.nova-micro-v1:0"} {
		d, _ := policy.Check(key, model)
		fmt.Println(model, d.Allowed)
	}
	// Output:
	// gpt-4.1-mini true
	// gpt-4x1 false
	// bedrock/us.amazon.nova-micro-v1:0 true
	// bedrock/eu.amazon.nova-micro-v1:0 false
}

// Models lists what a principal may call, decided by the same code as
// Check, so a GET /v1/models never shows a model the key cannot use.
func ExamplePolicy_Models() {
	policy, _ := modelacl.Compile(modelacl.Config{ModelList: []modelacl.Deployment{
		{ModelName: "gpt-4o", LiteLLMParams: modelacl.LiteLLMParams{Model: "openai/gpt-4o"}},
		{ModelName: "gpt-4o-mini", LiteLLMParams: modelacl.LiteLLMParams{Model: "openai/gpt-4o-mini"}},
		{ModelName: "claude", LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/anthropic.claude-3-haiku-20240307-v1:0"}},
	}})
	pr := &modelacl.Principal{
		Key:     modelacl.Allow("openai/*"),
		Aliases: map[string]string{"fast": "gpt-4o-mini", "smart": "claude"},
	}
	fmt.Println(policy.Models(pr))
	// Output:
	// [gpt-4o gpt-4o-mini fast]
}

// A Bedrock request names its model in the path; Resolve maps the ID to the
// model groups that deploy it, in any of its equivalent spellings.
func ExamplePolicy_Resolve() {
	policy, _ := modelacl.Compile(modelacl.Config{ModelList: []modelacl.Deployment{
		{ModelName: "haiku", LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/anthropic.claude-3-haiku-20240307-v1:0"}},
	}})
	for _, id := range []string{
		"anthropic.claude-3-haiku-20240307-v1:0",
		"arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
		"us.anthropic.claude-3-haiku-20240307-v1:0",
	} {
		names, _ := policy.Resolve(routeparse.Bedrock, id)
		fmt.Println(names)
	}
	// Output:
	// [haiku]
	// [haiku]
	// [bedrock/us.anthropic.claude-3-haiku-20240307-v1:0]
}

// A Store swaps whole policies atomically on reload.
func ExampleStore() {
	v1, _ := modelacl.Compile(modelacl.Config{})
	store := modelacl.NewStore(v1)
	pr := &modelacl.Principal{Key: modelacl.Allow("gpt-4o")}

	v2, _ := modelacl.Compile(modelacl.Config{LiteLLMCompat: true})
	old := store.Swap(v2)
	_, err := store.Policy().Check(pr, "gpt-4o")
	fmt.Println(old == v1, err)
	// Output:
	// true <nil>
}
