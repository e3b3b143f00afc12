package modelacl_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/modelgate/modelgate/modelacl"
)

// A gateway wraps the handler that serves LLM routes. The handler reads
// the decision from the context and dispatches on it; it never parses the
// request again.
func ExampleMiddleware_Handler() {
	policy, err := modelacl.Compile(modelacl.Config{ModelList: []modelacl.Deployment{
		{
			ModelName:     "claude-opus-4-7",
			LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/global.anthropic.claude-opus-4-7"},
		},
		{
			ModelName:     "claude-haiku-4-5",
			LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/global.anthropic.claude-haiku-4-5"},
			ModelInfo:     modelacl.ModelInfo{AccessGroups: []string{"common-models"}},
		},
	}})
	if err != nil {
		panic(err)
	}

	// The host's key store: secret -> principal with its allowlists.
	keys := map[string]*modelacl.Principal{
		"sk-team-a": {KeyID: "key-team-a", Key: modelacl.Allow("common-models")},
	}
	protect := modelacl.MustNew(modelacl.Options{
		Policy: policy,
		Authenticate: func(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
			if pr, ok := keys[c.Secret]; ok {
				return pr, nil
			}
			return nil, modelacl.ErrUnknownKey
		},
	})

	gateway := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := modelacl.FromContext(r.Context())
		fmt.Fprintf(w, "%s %s as %s", d.Route.Provider, d.Route.Operation, d.Grants()[0].Group)
	})
	h := protect.Handler(gateway)

	for _, model := range []string{"global.anthropic.claude-haiku-4-5", "global.anthropic.claude-opus-4-7"} {
		r := httptest.NewRequest("POST", "/bedrock/model/"+model+"/converse", strings.NewReader(`{"messages":[]}`))
		r.Header.Set("Authorization", "Bearer sk-team-a")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("X-Amzn-ErrorType"), w.Body.String())
	}
	// Output:
	// 200  bedrock converse as claude-haiku-4-5
	// 403 AccessDeniedException {"message":"You don't have access to the model with the specified model ID. key may not call model \"claude-opus-4-7\" (requested as \"global.anthropic.claude-opus-4-7\")"}
}

// A host on another router, or one that writes its own responses, calls
// Check: the same pipeline as the handler, returning the Decision and the
// request to hand on instead of serving.
func ExampleMiddleware_Check() {
	policy, err := modelacl.Compile(modelacl.Config{ModelList: []modelacl.Deployment{
		{ModelName: "gpt-4o-mini", LiteLLMParams: modelacl.LiteLLMParams{Model: "openai/gpt-4o-mini"}},
		{ModelName: "gpt-4o", LiteLLMParams: modelacl.LiteLLMParams{Model: "openai/gpt-4o"}},
	}})
	if err != nil {
		panic(err)
	}
	mw := modelacl.MustNew(modelacl.Options{
		Policy: policy,
		Authenticate: func(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
			if c.Secret == "sk-1" {
				return &modelacl.Principal{KeyID: "key-1", Key: modelacl.Allow("gpt-4o-mini"), Host: "team-a"}, nil
			}
			return nil, modelacl.ErrUnknownKey
		},
	})

	for _, model := range []string{"gpt-4o-mini", "gpt-4o"} {
		r := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(`{"model":"`+model+`"}`))
		r.Header.Set("Authorization", "Bearer sk-1")
		next, d, err := mw.Check(r)
		if err != nil {
			w := httptest.NewRecorder()
			mw.WriteRefusal(w, r, d)
			fmt.Println(w.Code, d.KeyID, err)
			continue
		}
		g, _ := d.Primary()
		fmt.Println("forward", next.URL.Path, "to", d.Policy().Deployments(g), "for", d.Principal().Host)
	}
	// Output:
	// forward /v1/chat/completions to [openai/gpt-4o-mini] for team-a
	// 403 key-1 modelacl: key may not call model "gpt-4o"
}

// The pure check serves paths the middleware never sees, such as a
// realtime session that switches its model in a websocket frame.
func ExampleChecker() {
	policy, err := modelacl.Compile(modelacl.Config{ModelList: []modelacl.Deployment{
		{ModelName: "gpt-4o-realtime-preview", LiteLLMParams: modelacl.LiteLLMParams{Model: "openai/gpt-4o-realtime-preview"}},
		{ModelName: "gpt-4o-mini-realtime-preview", LiteLLMParams: modelacl.LiteLLMParams{Model: "openai/gpt-4o-mini-realtime-preview"}},
	}})
	if err != nil {
		panic(err)
	}
	checker := modelacl.Checker{Policy: policy}
	pr := &modelacl.Principal{KeyID: "k1", Key: modelacl.Allow("gpt-4o-mini-realtime-preview")}

	// {"type":"session.update","session":{"model":"gpt-4o-realtime-preview"}}
	for _, model := range []string{"gpt-4o-mini-realtime-preview", "gpt-4o-realtime-preview"} {
		d, err := checker.CheckModels(pr, model)
		fmt.Println(model, d.Allowed, err)
	}
	// Output:
	// gpt-4o-mini-realtime-preview true <nil>
	// gpt-4o-realtime-preview false modelacl: key may not call model "gpt-4o-realtime-preview"
}
