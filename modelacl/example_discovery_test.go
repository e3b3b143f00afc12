package modelacl_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// With Options.Discovery set, the middleware answers the model listings
// of every dialect itself, from the decision code: a key lists what it may
// call through the route it asks on, and a Get of anything else is
// answered as the provider answers an unknown model.
func ExampleOptions_discovery() {
	policy, err := modelacl.Compile(modelacl.Config{ModelList: []modelacl.Deployment{
		{ModelName: "claude-opus-4-7", LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/global.anthropic.claude-opus-4-7"}},
		{
			ModelName:     "claude-haiku-4-5",
			LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/global.anthropic.claude-haiku-4-5"},
			ModelInfo:     modelacl.ModelInfo{AccessGroups: []string{"common-models"}},
		},
	}})
	if err != nil {
		panic(err)
	}
	protect := modelacl.MustNew(modelacl.Options{
		Policy: policy,
		Authenticate: func(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
			if c.Secret == "sk-team-a" {
				return &modelacl.Principal{KeyID: "key-team-a", Key: modelacl.Allow("common-models")}, nil
			}
			return nil, modelacl.ErrUnknownKey
		},
		Discovery: &modelacl.DiscoveryOptions{BedrockRegion: "us-east-1", BedrockAccount: "123456789012"},
	})
	h := protect.Handler(http.NotFoundHandler()) // listings never reach it

	for _, target := range []string{"/v1/models", "/v1/models/claude-opus-4-7", "/bedrock/inference-profiles?type=SYSTEM_DEFINED"} {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.Header.Set("Authorization", "Bearer sk-team-a")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 {"object":"list","data":[{"id":"claude-haiku-4-5","object":"model","created":0,"owned_by":"modelgate"}]}
	// 404 {"error":{"message":"The model \"claude-opus-4-7\" does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}
	// 200 {"inferenceProfileSummaries":[{"inferenceProfileName":"global.anthropic.claude-haiku-4-5","inferenceProfileArn":"arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-haiku-4-5","inferenceProfileId":"global.anthropic.claude-haiku-4-5","models":[{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5"}],"status":"ACTIVE","type":"SYSTEM_DEFINED"}]}
}

// ListModels is the data behind a listing, for hosts that render their
// own: each entry is allowed by the decision a request naming it through
// the same route gets.
func ExampleChecker_ListModels() {
	policy, err := modelacl.Compile(modelacl.Config{ModelList: []modelacl.Deployment{
		{ModelName: "claude-opus-4-7", LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/global.anthropic.claude-opus-4-7"}},
		{ModelName: "claude-sonnet-4-5", LiteLLMParams: modelacl.LiteLLMParams{Model: "anthropic/claude-sonnet-4-5"}},
	}})
	if err != nil {
		panic(err)
	}
	pr := &modelacl.Principal{KeyID: "k", Key: modelacl.AllowAll()}
	var p routeparse.Parser
	for _, path := range []string{"/v1/models", "/anthropic/v1/models", "/bedrock/inference-profiles"} {
		rt, err := p.ParseRequest(http.MethodGet, path, "", nil)
		if err != nil {
			panic(err)
		}
		list, err := modelacl.Checker{Policy: policy}.ListModels(pr, &rt, nil, modelacl.DiscoveryOptions{})
		if err != nil {
			panic(err)
		}
		for _, m := range list {
			fmt.Println(path, m.Kind, m.ID)
		}
	}
	// Output:
	// /v1/models name claude-opus-4-7
	// /v1/models name claude-sonnet-4-5
	// /anthropic/v1/models provider_model claude-sonnet-4-5
	// /bedrock/inference-profiles system_profile global.anthropic.claude-opus-4-7
}
