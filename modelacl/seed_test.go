package modelacl_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// The seed scenario: a virtual key limited to the access group
// "common-models", which does not cover claude-opus-4-7, must not reach
// claude-opus-4-7 on any route: not through the unified routes (model in
// the body) and, above all, not through the Bedrock passthrough routes,
// which carry the model in the path where a body-only check never looks.

const (
	seedProfileID  = "seedprof42"
	seedProfileARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/" + seedProfileID
)

func seedConfigs() map[string]modelacl.Config {
	opus := modelacl.Deployment{
		ModelName:     "claude-opus-4-7",
		LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/global.anthropic.claude-opus-4-7"},
	}
	haiku := modelacl.Deployment{
		ModelName:     "claude-haiku-4-5",
		LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/global.anthropic.claude-haiku-4-5"},
		ModelInfo:     modelacl.ModelInfo{AccessGroups: []string{"common-models"}},
	}
	// The application inference profile as a deployment of its own in the
	// claude-opus-4-7 group, and as the model_id of the opus deployment.
	profileDeployment := modelacl.Deployment{
		ModelName:     "claude-opus-4-7",
		LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/" + seedProfileARN},
	}
	opusWithModelID := opus
	opusWithModelID.LiteLLMParams.ModelID = seedProfileARN
	return map[string]modelacl.Config{
		"profile as deployment model": {ModelList: []modelacl.Deployment{opus, profileDeployment, haiku}},
		"profile as model_id":         {ModelList: []modelacl.Deployment{opusWithModelID, haiku}},
	}
}

func seedKeys() keyStore {
	return keyStore{
		restrictedKey: {KeyID: "seed-restricted", Key: modelacl.Allow("common-models")},
		allowedKey:    {KeyID: "seed-allowed", Key: modelacl.Allow("common-models", "claude-opus-4-7")},
	}
}

type seedRequest struct {
	name, target, body string
	cred               func(*http.Request, string)
	// passthrough: the route forwards the name unchanged to the provider
	// (Anthropic here), which serves its own model of that name; the
	// group of that name is then only one of its meanings.
	passthrough bool
}

// seedRequests names model in every place a client can: the unified routes'
// body, and the Bedrock path in each encoding.
func seedRequests(model, bedrockID string) []seedRequest {
	chat := `{"model":"` + model + `","messages":[{"role":"user","content":"hi"}]}`
	msgs := `{"model":"` + model + `","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`
	invoke := `{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`
	converse := `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`
	reqs := []seedRequest{
		{"POST /chat/completions", "/chat/completions", chat, bearer, false},
		{"POST /v1/messages", "/v1/messages", msgs, xAPIKey, false},
		{"POST /anthropic/v1/messages", "/anthropic/v1/messages", msgs, xAPIKey, true},
	}
	for _, action := range []string{"invoke", "invoke-with-response-stream", "converse", "converse-stream"} {
		body := invoke
		if strings.HasPrefix(action, "converse") {
			body = converse
		}
		reqs = append(reqs, seedRequest{"bedrock " + action, "/bedrock/model/" + bedrockID + "/" + action, body, bearer, false})
	}
	return reqs
}

func TestSeedScenario(t *testing.T) {
	for cfgName, cfg := range seedConfigs() {
		t.Run(cfgName, func(t *testing.T) {
			p, err := modelacl.Compile(cfg)
			require.NoError(t, err)
			h, rec := newHandler(t, modelacl.Options{Policy: p, Authenticate: seedKeys().authenticate})

			opusReqs := seedRequests("claude-opus-4-7", "global.anthropic.claude-opus-4-7")
			for _, action := range []string{"invoke", "invoke-with-response-stream", "converse", "converse-stream"} {
				opusReqs = append(opusReqs,
					seedRequest{"app profile short form " + action, "/bedrock/model/application-inference-profile/" + seedProfileID + "/" + action, `{}`, bearer, false},
					seedRequest{"app profile ARN escaped " + action, "/bedrock/model/" + strings.NewReplacer(":", "%3A", "/", "%2F").Replace(seedProfileARN) + "/" + action, `{}`, bearer, false},
				)
			}
			for _, rq := range opusReqs {
				t.Run("restricted key denied on "+rq.name, func(t *testing.T) {
					rec.last = seen{}
					res, out := send(h, http.MethodPost, rq.target, "application/json", []byte(rq.body), rq.cred, restrictedKey)
					assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s", out)
					assert.False(t, rec.last.called, "claude-opus-4-7 reached the handler")
					assert.Contains(t, string(out), "claude-opus-4-7", "the message names the model")
				})
				if rq.passthrough {
					continue // see the passthrough subtest below
				}
				t.Run("allowed key passes on "+rq.name, func(t *testing.T) {
					rec.last = seen{}
					res, out := send(h, http.MethodPost, rq.target, "application/json", []byte(rq.body), rq.cred, allowedKey)
					require.Equal(t, http.StatusOK, res.StatusCode, "%s", out)
					require.True(t, rec.last.called)
					assert.Equal(t, rq.body, string(rec.last.body))
					require.True(t, rec.last.hasDecision)
					groups := make([]string, 0, 2)
					for _, g := range rec.last.decision.Grants() {
						groups = append(groups, g.Group)
					}
					assert.Contains(t, groups, "claude-opus-4-7", "authorized as the opus group")
				})
			}
			// Control: the same routes with the cheap model pass for the
			// restricted key, so the denials above are about the model.
			for _, rq := range seedRequests("claude-haiku-4-5", "global.anthropic.claude-haiku-4-5") {
				if rq.passthrough {
					continue
				}
				t.Run("restricted key passes with the common model on "+rq.name, func(t *testing.T) {
					rec.last = seen{}
					res, out := send(h, http.MethodPost, rq.target, "application/json", []byte(rq.body), rq.cred, restrictedKey)
					assert.Equal(t, http.StatusOK, res.StatusCode, "%s", out)
					assert.True(t, rec.last.called)
				})
			}
			// The Anthropic passthrough forwards "claude-haiku-4-5" to
			// Anthropic, which serves its own model of that name, not the
			// Bedrock deployment the group stands for: the key must be
			// allowed that model too.
			t.Run("group name on the Anthropic passthrough needs Anthropic's model too", func(t *testing.T) {
				msgs := `{"model":"claude-haiku-4-5","max_tokens":16,"messages":[]}`
				rec.last = seen{}
				res, out := send(h, http.MethodPost, "/anthropic/v1/messages", "application/json", []byte(msgs), xAPIKey, restrictedKey)
				assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s", out)
				assert.False(t, rec.last.called)
				assert.Contains(t, string(out), "anthropic/claude-haiku-4-5")

				direct := keyStore{"sk-seed-direct": {KeyID: "seed-direct", Key: modelacl.Allow("common-models", "anthropic/claude-haiku-4-5")}}
				hd, recd := newHandler(t, modelacl.Options{Policy: p, Authenticate: direct.authenticate})
				res, out = send(hd, http.MethodPost, "/anthropic/v1/messages", "application/json", []byte(msgs), xAPIKey, "sk-seed-direct")
				require.Equal(t, http.StatusOK, res.StatusCode, "%s", out)
				require.True(t, recd.last.called)
				assert.Equal(t, msgs, string(recd.last.body))
			})
		})
	}
}
