package modelacl_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// The official SDKs' Azure clients send the deployment in the path and
// whatever "model" the caller wrote in the body; Azure serves the
// deployment. Both names are authorized, each resolved as an Azure
// deployment: a name that is not allowed gets the typed 403 a client
// reports as a permission error, never a 400, and an allowed deployment
// cannot carry a body model that is not (a gateway dispatching on the
// body's name would call it).
func TestAttackAzureDeploymentAndBodyModel(t *testing.T) {
	cfg := atkConfig()
	cfg.ModelList = append(cfg.ModelList, modelacl.Deployment{
		ModelName:     "azure-mini-2",
		LiteLLMParams: modelacl.LiteLLMParams{Model: "azure/mini-deploy-2"},
		ModelInfo:     modelacl.ModelInfo{AccessGroups: []string{"common-models"}},
	})
	h, next := atkMiddlewareFor(t, cfg, nil)
	const api = "?api-version=2024-10-21"
	denied := []struct{ name, target, body, deniedName string }{
		{"allowed deployment, denied body model", "/openai/deployments/mini-deploy/chat/completions" + api, `{"model":"prod-gpt-4o","messages":[]}`, "prod-gpt-4o"},
		{"denied deployment, allowed body model", "/openai/deployments/prod-gpt-4o/chat/completions" + api, `{"model":"mini-deploy","messages":[]}`, "prod-gpt-4o"},
		{"allowed deployment, denied body model, prefixed", "/azure/openai/deployments/mini-deploy/chat/completions" + api, `{"model":"prod-gpt-4o","messages":[]}`, "prod-gpt-4o"},
		{"allowed deployment, body names the denied group", "/openai/deployments/mini-deploy/embeddings" + api, `{"model":"azure-gpt-4o","input":"x"}`, "azure-gpt-4o"},
		{"allowed deployment, denied deployment_id", "/openai/deployments/mini-deploy/chat/completions" + api, `{"model":"mini-deploy","deployment_id":"prod-gpt-4o"}`, "prod-gpt-4o"},
	}
	for _, c := range denied {
		t.Run(c.name, func(t *testing.T) {
			next.last = atkSeen{}
			w := atkServe(h, atkReq{target: c.target, ctype: "application/json", body: []byte(c.body)}.build(t))
			require.Equal(t, http.StatusForbidden, w.Code, w.Body.String())
			assert.False(t, next.last.called, "forwarded")
			var e struct {
				Error struct {
					Message, Type, Param string
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), w.Body.String())
			assert.Equal(t, "key_model_access_denied", e.Error.Type)
			assert.Equal(t, "model", e.Error.Param)
			assert.Contains(t, e.Error.Message, c.deniedName)
		})
	}

	t.Run("both allowed", func(t *testing.T) {
		next.last = atkSeen{}
		body := []byte(`{"model":"mini-deploy-2","messages":[]}`)
		w := atkServe(h, atkReq{target: "/openai/deployments/mini-deploy/chat/completions" + api, ctype: "application/json", body: body}.build(t))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.True(t, next.last.called)
		assert.Equal(t, body, next.last.body)
		var got [][2]string
		for _, g := range next.last.decision.Grants() {
			got = append(got, [2]string{g.Requested, g.Group})
		}
		assert.Equal(t, [][2]string{{"mini-deploy", "azure-mini"}, {"mini-deploy-2", "azure-mini-2"}}, got)
	})
}
