package modelacl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// The discovery fixture. Every expected listing below is written out by
// hand from this deployment list and the keys' allowlists, not computed by
// the code under test.
const (
	discRestricted = "sk-disc-restricted" // access group "common"
	discAllowed    = "sk-disc-allowed"    // "*"
	discOpusOnly   = "sk-disc-opus"       // the model group claude-opus-4-7
	discNone       = "sk-disc-none"       // an explicit empty allowlist: nothing

	opusAppARN  = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/opusapp00001"
	haikuAppARN = "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/haikuapp0001"
)

func discoveryConfig() modelacl.Config {
	dep := func(name, model, modelID string, groups ...string) modelacl.Deployment {
		return modelacl.Deployment{
			ModelName:     name,
			LiteLLMParams: modelacl.LiteLLMParams{Model: model, ModelID: modelID},
			ModelInfo:     modelacl.ModelInfo{AccessGroups: groups},
		}
	}
	return modelacl.Config{ModelList: []modelacl.Deployment{
		dep("claude-opus-4-7", "bedrock/global.anthropic.claude-opus-4-7", ""),
		dep("claude-opus-4-7", "bedrock/global.anthropic.claude-opus-4-7", opusAppARN),
		dep("claude-haiku-4-5", "bedrock/us.anthropic.claude-haiku-4-5", "", "common"),
		dep("claude-haiku-4-5", "bedrock/us.anthropic.claude-haiku-4-5", haikuAppARN, "common"),
		dep("claude-sonnet-4-5", "anthropic/claude-sonnet-4-5", "", "common"),
		dep("claude-opus-direct", "anthropic/claude-opus-4-1", ""),
		dep("gpt-4o-mini", "openai/gpt-4o-mini", "", "common"),
		dep("gpt-4o", "openai/gpt-4o", ""),
		dep("gemini-2.5-flash", "gemini/gemini-2.5-flash", "", "common"),
		dep("gemini-2.5-pro", "gemini/gemini-2.5-pro", ""),
		dep("nova-micro", "bedrock/amazon.nova-micro-v1:0", "", "common"),
		dep("titan", "bedrock/amazon.titan-text-express-v1", ""),
		dep("team-*", "openai/*", "", "common"), // a pattern: never listed
	}}
}

func discoveryPrincipal(key string) *modelacl.Principal {
	switch key {
	case discRestricted:
		return &modelacl.Principal{KeyID: "restricted", Key: modelacl.Allow("common"),
			Aliases: map[string]string{"fast": "gpt-4o-mini", "sneaky": "gpt-4o"}}
	case discAllowed:
		return &modelacl.Principal{KeyID: "allowed", Key: modelacl.AllowAll()}
	case discOpusOnly:
		return &modelacl.Principal{KeyID: "opus", Key: modelacl.Allow("claude-opus-4-7")}
	case discNone:
		return &modelacl.Principal{KeyID: "none", Key: modelacl.Allow()}
	}
	return nil
}

func discoveryHandler(t *testing.T, o modelacl.Options) (http.Handler, *int) {
	t.Helper()
	policy, err := modelacl.Compile(discoveryConfig())
	require.NoError(t, err)
	o.Policy = policy
	o.Authenticate = func(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
		if pr := discoveryPrincipal(c.Secret); pr != nil {
			return pr, nil
		}
		return nil, modelacl.ErrUnknownKey
	}
	if o.Discovery == nil {
		o.Discovery = &modelacl.DiscoveryOptions{BedrockRegion: "us-west-2", BedrockAccount: "111122223333"}
	}
	forwarded := new(int)
	mw, err := modelacl.New(o)
	require.NoError(t, err)
	return mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*forwarded++
		w.WriteHeader(http.StatusTeapot)
	})), forwarded
}

func discoveryGet(t *testing.T, h http.Handler, key, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Authorization", "Bearer "+key)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &v), w.Body.String())
	return v
}

func openAIIDs(t *testing.T, w *httptest.ResponseRecorder) []string {
	t.Helper()
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	v := decode[struct {
		Object string `json:"object"`
		Data   []struct {
			ID, Object string
		} `json:"data"`
	}](t, w)
	assert.Equal(t, "list", v.Object)
	ids := []string{}
	for _, m := range v.Data {
		assert.Equal(t, "model", m.Object)
		ids = append(ids, m.ID)
	}
	return ids
}

func TestDiscoveryListsWhatTheKeyMayCallThroughTheRoute(t *testing.T) {
	h, forwarded := discoveryHandler(t, modelacl.Options{})
	tests := []struct {
		name, key, target string
		want              []string
	}{
		// Unified: groups in configuration order, then aliases whose
		// target is allowed ("sneaky" stands for gpt-4o, which is not).
		{"unified-restricted", discRestricted, "/v1/models", []string{"claude-haiku-4-5", "claude-sonnet-4-5", "gpt-4o-mini", "gemini-2.5-flash", "nova-micro", "fast"}},
		{"unified-allowed", discAllowed, "/v1/models", []string{"claude-opus-4-7", "claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-direct", "gpt-4o-mini", "gpt-4o", "gemini-2.5-flash", "gemini-2.5-pro", "nova-micro", "titan"}},
		{"unified-no-v1", discRestricted, "/models", []string{"claude-haiku-4-5", "claude-sonnet-4-5", "gpt-4o-mini", "gemini-2.5-flash", "nova-micro", "fast"}},
		{"empty-allowlist-lists-nothing", discNone, "/v1/models", []string{}},
		// Passthrough: the provider's own IDs, no aliases, no groups.
		{"openai-passthrough-restricted", discRestricted, "/openai/v1/models", []string{"gpt-4o-mini"}},
		{"openai-passthrough-allowed", discAllowed, "/openai/v1/models", []string{"gpt-4o-mini", "gpt-4o"}},
		// Gemini's OpenAI-compatible surface: OpenAI's shape, Gemini IDs.
		{"gemini-openai-compatible-restricted", discRestricted, "/gemini/v1beta/openai/models", []string{"gemini-2.5-flash"}},
		{"gemini-openai-compatible-unprefixed", discAllowed, "/v1beta/openai/models", []string{"gemini-2.5-flash", "gemini-2.5-pro"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := discoveryGet(t, h, tt.key, tt.target)
			assert.Equal(t, tt.want, openAIIDs(t, w))
			assert.Equal(t, "private, no-store", w.Header().Get("Cache-Control"))
		})
	}
	assert.Zero(t, *forwarded, "a listing must never be handed on")
}

type anthropicPage struct {
	Data []struct {
		Type, ID, DisplayName, CreatedAt string
	} `json:"data"`
	HasMore bool    `json:"has_more"`
	FirstID *string `json:"first_id"`
	LastID  *string `json:"last_id"`
}

func anthropicIDs(p anthropicPage) []string {
	ids := []string{}
	for _, m := range p.Data {
		ids = append(ids, m.ID)
	}
	return ids
}

func TestDiscoveryAnthropic(t *testing.T) {
	h, forwarded := discoveryHandler(t, modelacl.Options{})
	av := []string{"Anthropic-Version", "2023-06-01"}

	t.Run("passthrough-lists-only-anthropic-deployments", func(t *testing.T) {
		// claude-opus-4-7 is served only on Bedrock: an Anthropic
		// passthrough call cannot reach it, so it is not listed.
		w := discoveryGet(t, h, discAllowed, "/anthropic/v1/models")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		p := decode[anthropicPage](t, w)
		assert.Equal(t, []string{"claude-sonnet-4-5", "claude-opus-4-1"}, anthropicIDs(p))
		assert.Equal(t, "model", p.Data[0].Type)
		assert.False(t, p.HasMore)
		w = discoveryGet(t, h, discRestricted, "/anthropic/v1/models", av...)
		assert.Equal(t, []string{"claude-sonnet-4-5"}, anthropicIDs(decode[anthropicPage](t, w)))
	})
	t.Run("unprefixed-with-anthropic-version-is-anthropic-shaped", func(t *testing.T) {
		w := discoveryGet(t, h, discRestricted, "/v1/models?limit=1000", av...)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		p := decode[anthropicPage](t, w)
		assert.Equal(t, []string{"claude-haiku-4-5", "claude-sonnet-4-5", "gpt-4o-mini", "gemini-2.5-flash", "nova-micro", "fast"}, anthropicIDs(p))
		require.NotNil(t, p.FirstID)
		assert.Equal(t, "claude-haiku-4-5", *p.FirstID)
		assert.Equal(t, "fast", *p.LastID)
	})
	t.Run("paging-forward-and-back", func(t *testing.T) {
		w := discoveryGet(t, h, discRestricted, "/v1/models?limit=4", av...)
		p := decode[anthropicPage](t, w)
		assert.Equal(t, []string{"claude-haiku-4-5", "claude-sonnet-4-5", "gpt-4o-mini", "gemini-2.5-flash"}, anthropicIDs(p))
		assert.True(t, p.HasMore)
		w = discoveryGet(t, h, discRestricted, "/v1/models?limit=4&after_id=gemini-2.5-flash", av...)
		p = decode[anthropicPage](t, w)
		assert.Equal(t, []string{"nova-micro", "fast"}, anthropicIDs(p))
		assert.False(t, p.HasMore)
		w = discoveryGet(t, h, discRestricted, "/v1/models?limit=2&before_id=gemini-2.5-flash", av...)
		p = decode[anthropicPage](t, w)
		assert.Equal(t, []string{"claude-sonnet-4-5", "gpt-4o-mini"}, anthropicIDs(p))
		assert.True(t, p.HasMore)
	})
	t.Run("empty-page-has-null-ids", func(t *testing.T) {
		w := discoveryGet(t, h, discNone, "/anthropic/v1/models")
		require.Equal(t, http.StatusOK, w.Code)
		assert.JSONEq(t, `{"data":[],"has_more":false,"first_id":null,"last_id":null}`, w.Body.String())
	})
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "limit=1&limit=2", "after_id=a&before_id=b", "after_id=gpt-4o"} {
		t.Run("bad-query/"+q, func(t *testing.T) {
			// gpt-4o is a model the key may not call: a cursor naming it
			// must not page past it as if it were listed.
			w := discoveryGet(t, h, discRestricted, "/v1/models?"+q, av...)
			assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			assert.Equal(t, "invalid_request_error", decode[struct{ Error struct{ Type string } }](t, w).Error.Type)
		})
	}
	assert.Zero(t, *forwarded)
}

func TestDiscoveryGetModel(t *testing.T) {
	h, forwarded := discoveryHandler(t, modelacl.Options{})
	tests := []struct {
		name, key, target string
		hdr               []string
		status            int
		body              string
	}{
		{"openai-allowed", discRestricted, "/v1/models/gpt-4o-mini", nil, 200,
			`{"id":"gpt-4o-mini","object":"model","created":0,"owned_by":"modelgate"}`},
		{"openai-alias", discRestricted, "/v1/models/fast", nil, 200,
			`{"id":"fast","object":"model","created":0,"owned_by":"modelgate"}`},
		{"openai-forbidden-is-unknown", discRestricted, "/v1/models/gpt-4o", nil, 404,
			`{"error":{"message":"The model \"gpt-4o\" does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}`},
		{"openai-alias-to-forbidden", discRestricted, "/v1/models/sneaky", nil, 404,
			`{"error":{"message":"The model \"sneaky\" does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}`},
		{"openai-allowed-key-unknown-model", discAllowed, "/v1/models/gpt-9", nil, 404,
			`{"error":{"message":"The model \"gpt-9\" does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}`},
		{"openai-passthrough-group-name-is-not-an-openai-id", discAllowed, "/openai/v1/models/gpt-4o-mini", nil, 200,
			`{"id":"gpt-4o-mini","object":"model","created":0,"owned_by":"openai"}`},
		{"anthropic-allowed", discRestricted, "/anthropic/v1/models/claude-sonnet-4-5", nil, 200,
			`{"type":"model","id":"claude-sonnet-4-5","display_name":"claude-sonnet-4-5","created_at":"1970-01-01T00:00:00Z"}`},
		{"anthropic-bedrock-only-model-through-passthrough", discAllowed, "/anthropic/v1/models/claude-opus-4-7", nil, 404,
			`{"type":"error","error":{"type":"not_found_error","message":"model: \"claude-opus-4-7\""}}`},
		{"anthropic-unprefixed-forbidden", discRestricted, "/v1/models/claude-opus-4-7", []string{"Anthropic-Version", "2023-06-01"}, 404,
			`{"type":"error","error":{"type":"not_found_error","message":"model: \"claude-opus-4-7\""}}`},
		{"gemini-allowed", discRestricted, "/v1beta/models/gemini-2.5-flash", nil, 200,
			`{"name":"models/gemini-2.5-flash","displayName":"gemini-2.5-flash","supportedGenerationMethods":["generateContent","streamGenerateContent","countTokens"]}`},
		{"gemini-forbidden", discRestricted, "/gemini/v1beta/models/gemini-2.5-pro", nil, 404,
			`{"error":{"code":404,"message":"model \"models/gemini-2.5-pro\" is not found","status":"NOT_FOUND"}}`},
		{"gemini-openai-compatible-allowed", discRestricted, "/gemini/v1beta/openai/models/gemini-2.5-flash", nil, 200,
			`{"id":"gemini-2.5-flash","object":"model","created":0,"owned_by":"gemini"}`},
		{"gemini-openai-compatible-forbidden", discRestricted, "/gemini/v1beta/openai/models/gemini-2.5-pro", nil, 404,
			`{"error":{"message":"The model \"gemini-2.5-pro\" does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := discoveryGet(t, h, tt.key, tt.target, tt.hdr...)
			assert.Equal(t, tt.status, w.Code)
			assert.JSONEq(t, tt.body, w.Body.String())
			if tt.status != http.StatusOK {
				assert.Equal(t, "false", w.Header().Get("X-Should-Retry"), "a retry cannot change the answer")
			}
		})
	}
	assert.Zero(t, *forwarded)
}

func TestDiscoveryGemini(t *testing.T) {
	h, _ := discoveryHandler(t, modelacl.Options{})
	type page struct {
		Models []struct {
			Name, DisplayName string
		} `json:"models"`
		NextPageToken string `json:"nextPageToken"`
	}
	names := func(p page) []string {
		out := []string{}
		for _, m := range p.Models {
			out = append(out, m.Name)
		}
		return out
	}
	w := discoveryGet(t, h, discAllowed, "/v1beta/models")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, []string{"models/gemini-2.5-flash", "models/gemini-2.5-pro"}, names(decode[page](t, w)))
	w = discoveryGet(t, h, discRestricted, "/gemini/v1/models")
	assert.Equal(t, []string{"models/gemini-2.5-flash"}, names(decode[page](t, w)))

	w = discoveryGet(t, h, discAllowed, "/v1beta/models?pageSize=1")
	p := decode[page](t, w)
	assert.Equal(t, []string{"models/gemini-2.5-flash"}, names(p))
	require.NotEmpty(t, p.NextPageToken)
	w = discoveryGet(t, h, discAllowed, "/v1beta/models?pageSize=1&pageToken="+url.QueryEscape(p.NextPageToken))
	p = decode[page](t, w)
	assert.Equal(t, []string{"models/gemini-2.5-pro"}, names(p))
	assert.Empty(t, p.NextPageToken)

	// The unprefixed /v1/models asked by the Gemini API's clients (an
	// X-Goog-Api-Key header) lists Gemini IDs, in Gemini's shape.
	w = discoveryGet(t, h, discRestricted, "/v1/models", "X-Goog-Api-Key", discRestricted)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, []string{"models/gemini-2.5-flash"}, names(decode[page](t, w)))
	w = discoveryGet(t, h, discRestricted, "/v1/models/gemini-2.5-pro", "X-Goog-Api-Client", "google-genai-sdk/1.77.0")
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "NOT_FOUND", decode[struct{ Error struct{ Status string } }](t, w).Error.Status)
	// A group name is not a Gemini ID: nothing deploys gemini/nova-micro.
	w = discoveryGet(t, h, discRestricted, "/v1/models/nova-micro", "X-Goog-Api-Client", "google-genai-sdk/1.77.0")
	assert.Equal(t, http.StatusNotFound, w.Code)

	w = discoveryGet(t, h, discRestricted, "/v1beta/models?pageToken=models%2Fgemini-2.5-pro")
	assert.Equal(t, http.StatusBadRequest, w.Code, "a token naming a model the key may not call is not a cursor")
	assert.Equal(t, "INVALID_ARGUMENT", decode[struct{ Error struct{ Status string } }](t, w).Error.Status)
}

type profileJSON struct {
	InferenceProfileName, InferenceProfileArn, InferenceProfileID, Status, Type string
	Models                                                                      []struct{ ModelArn string }
}

func TestDiscoveryBedrockControlPlane(t *testing.T) {
	h, forwarded := discoveryHandler(t, modelacl.Options{})
	type profiles struct {
		Summaries []profileJSON `json:"inferenceProfileSummaries"`
		NextToken string        `json:"nextToken"`
	}
	ids := func(p profiles) []string {
		out := []string{}
		for _, s := range p.Summaries {
			out = append(out, s.Type+" "+s.InferenceProfileID)
		}
		return out
	}
	list := func(key, target string) profiles {
		t.Helper()
		w := discoveryGet(t, h, key, target)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		return decode[profiles](t, w)
	}
	assert.Equal(t, []string{"SYSTEM_DEFINED global.anthropic.claude-opus-4-7", "APPLICATION opusapp00001", "SYSTEM_DEFINED us.anthropic.claude-haiku-4-5", "APPLICATION haikuapp0001"},
		ids(list(discAllowed, "/bedrock/inference-profiles")))
	assert.Equal(t, []string{"SYSTEM_DEFINED us.anthropic.claude-haiku-4-5"}, ids(list(discRestricted, "/inference-profiles?type=SYSTEM_DEFINED")))
	assert.Equal(t, []string{"APPLICATION haikuapp0001"}, ids(list(discRestricted, "/bedrock/inference-profiles?type=APPLICATION")))
	assert.Equal(t, []string{"SYSTEM_DEFINED global.anthropic.claude-opus-4-7", "APPLICATION opusapp00001"}, ids(list(discOpusOnly, "/bedrock/inference-profiles")))

	p := list(discAllowed, "/bedrock/inference-profiles?maxResults=3")
	assert.Len(t, p.Summaries, 3)
	require.NotEmpty(t, p.NextToken)
	p = list(discAllowed, "/bedrock/inference-profiles?maxResults=3&nextToken="+url.QueryEscape(p.NextToken))
	assert.Equal(t, []string{"APPLICATION haikuapp0001"}, ids(p))
	assert.Empty(t, p.NextToken)

	t.Run("application-profile-names-its-model", func(t *testing.T) {
		for _, ident := range []string{"haikuapp0001", url.PathEscape(haikuAppARN)} {
			w := discoveryGet(t, h, discRestricted, "/bedrock/inference-profiles/"+ident)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			got := decode[profileJSON](t, w)
			assert.Equal(t, "APPLICATION", got.Type)
			assert.Equal(t, haikuAppARN, got.InferenceProfileArn)
			require.Len(t, got.Models, 1)
			// The profile's Region, the base model of the deployment's
			// model beside the ARN.
			assert.Equal(t, "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-haiku-4-5", got.Models[0].ModelArn)
		}
	})
	t.Run("system-profile", func(t *testing.T) {
		w := discoveryGet(t, h, discRestricted, "/bedrock/inference-profiles/us.anthropic.claude-haiku-4-5")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		got := decode[profileJSON](t, w)
		assert.Equal(t, "SYSTEM_DEFINED", got.Type)
		assert.Equal(t, "arn:aws:bedrock:us-west-2:111122223333:inference-profile/us.anthropic.claude-haiku-4-5", got.InferenceProfileArn)
		require.Len(t, got.Models, 1)
		assert.Equal(t, "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-haiku-4-5", got.Models[0].ModelArn)
	})
	for _, tt := range []struct{ name, key, path string }{
		{"system-profile-id", discRestricted, "/bedrock/inference-profiles/global.anthropic.claude-opus-4-7"},
		{"profile-arn-other-account", discRestricted, "/bedrock/inference-profiles/" + url.PathEscape("arn:aws:bedrock:us-east-1:999999999999:inference-profile/global.anthropic.claude-opus-4-7")},
		{"application-profile-arn", discRestricted, "/bedrock/inference-profiles/" + url.PathEscape(opusAppARN)},
		{"application-profile-bare-id", discRestricted, "/bedrock/inference-profiles/opusapp00001"},
		{"foundation-model", discRestricted, "/bedrock/foundation-models/amazon.titan-text-express-v1"},
		{"foundation-model-arn", discRestricted, "/foundation-models/" + url.PathEscape("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1")},
		{"empty-allowlist", discNone, "/bedrock/foundation-models/amazon.nova-micro-v1:0"},
	} {
		t.Run("forbidden/"+tt.name, func(t *testing.T) {
			w := discoveryGet(t, h, tt.key, tt.path)
			assert.Equal(t, http.StatusForbidden, w.Code, w.Body.String())
			assert.Equal(t, "AccessDeniedException", w.Header().Get("X-Amzn-ErrorType"))
			assert.Contains(t, w.Body.String(), `"message":"You don't have access to the model with the specified model ID.`)
		})
	}

	type fms struct {
		ModelSummaries []struct {
			ModelArn, ModelID, ProviderName string
		} `json:"modelSummaries"`
	}
	fmIDs := func(key, target string) []string {
		w := discoveryGet(t, h, key, target)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		out := []string{}
		for _, m := range decode[fms](t, w).ModelSummaries {
			out = append(out, m.ModelID+" "+m.ModelArn)
		}
		return out
	}
	assert.Equal(t, []string{"amazon.nova-micro-v1:0 arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-micro-v1:0"}, fmIDs(discRestricted, "/bedrock/foundation-models"))
	assert.Equal(t, []string{"amazon.nova-micro-v1:0 arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-micro-v1:0", "amazon.titan-text-express-v1 arn:aws:bedrock:us-west-2::foundation-model/amazon.titan-text-express-v1"}, fmIDs(discAllowed, "/foundation-models"))
	assert.Equal(t, []string{}, fmIDs(discAllowed, "/foundation-models?byProvider=meta"))

	w := discoveryGet(t, h, discRestricted, "/bedrock/foundation-models/amazon.nova-micro-v1:0")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.JSONEq(t, `{"modelDetails":{"modelArn":"arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-micro-v1:0","modelId":"amazon.nova-micro-v1:0","modelName":"amazon.nova-micro-v1:0","providerName":"amazon","inferenceTypesSupported":["ON_DEMAND"],"modelLifecycle":{"status":"ACTIVE"}}}`, w.Body.String())

	for _, q := range []string{"type=ALL", "maxResults=0", "maxResults=1001", "nextToken=us.anthropic.claude-sonnet-4-5"} {
		t.Run("bad-query/"+q, func(t *testing.T) {
			w := discoveryGet(t, h, discRestricted, "/bedrock/inference-profiles?"+q)
			assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			assert.Equal(t, "ValidationException", w.Header().Get("X-Amzn-ErrorType"))
		})
	}
	assert.Zero(t, *forwarded)
}

func TestDiscoveryRefusals(t *testing.T) {
	h, forwarded := discoveryHandler(t, modelacl.Options{})
	t.Run("unknown-key", func(t *testing.T) {
		w := discoveryGet(t, h, "sk-nobody", "/v1/models")
		assert.Equal(t, http.StatusUnauthorized, w.Code)
	})
	t.Run("no-credential-bedrock", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/bedrock/inference-profiles", nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusUnauthorized, w.Code)
	})
	t.Run("listing-with-a-body", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/v1/models", http.NoBody)
		r.Body, r.ContentLength = http.NoBody, 0
		r.Header.Set("Authorization", "Bearer "+discRestricted)
		r.Header.Set("Transfer-Encoding", "chunked")
		r.TransferEncoding = []string{"chunked"}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusBadRequest, w.Code)
	})
	t.Run("listing-naming-a-model", func(t *testing.T) {
		// ?model= makes a listing name a model, allowed or not: refused
		// as a Get naming a second model is, never answered as if absent.
		for _, target := range []string{"/v1/models?model=gpt-4o", "/v1/models?model=gpt-4o-mini", "/gemini/v1beta/models?model=gemini-2.5-pro",
			"/bedrock/inference-profiles?model=global.anthropic.claude-opus-4-7", "/v1/models/gpt-4o-mini?model=gpt-4o"} {
			w := discoveryGet(t, h, discRestricted, target)
			assert.Equal(t, http.StatusBadRequest, w.Code, target)
			assert.NotContains(t, w.Body.String(), "gpt-4o-mini\",\"object", target)
		}
	})
	t.Run("unrendered-listing-is-not-forwarded", func(t *testing.T) {
		// Vertex publisher models and Ollama tags have no rendering: they
		// are refused, never forwarded unfiltered.
		for _, target := range []string{"/v1/publishers/google/models", "/api/tags", "/v1beta/tunedModels"} {
			w := discoveryGet(t, h, discAllowed, target)
			assert.Equal(t, http.StatusNotFound, w.Code, target)
		}
	})
	t.Run("no-policy-loaded", func(t *testing.T) {
		// An empty Store lists nothing and says why, in the dialect.
		mw := modelacl.MustNew(modelacl.Options{
			Policy: modelacl.NewStore(nil),
			Authenticate: func(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
				return discoveryPrincipal(c.Secret), nil
			},
			Discovery: &modelacl.DiscoveryOptions{},
		})
		h := mw.Handler(http.NotFoundHandler())
		w := discoveryGet(t, h, discAllowed, "/bedrock/foundation-models/amazon.nova-micro-v1:0")
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		assert.Equal(t, "ServiceUnavailableException", w.Header().Get("X-Amzn-ErrorType"))
		w = discoveryGet(t, h, discAllowed, "/v1/models")
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	})
	t.Run("get-naming-a-second-model-in-the-query", func(t *testing.T) {
		// Which of the two the answer should describe is guesswork.
		w := discoveryGet(t, h, discRestricted, "/v1/models/gpt-4o-mini?model=gpt-4o")
		assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	})
	t.Run("post-to-control-plane", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/bedrock/inference-profiles", nil)
		r.Header.Set("Authorization", "Bearer "+discAllowed)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusBadRequest, w.Code)
	})
	assert.Zero(t, *forwarded)
}

func TestDiscoveryOffHandsListingsOn(t *testing.T) {
	policy, err := modelacl.Compile(discoveryConfig())
	require.NoError(t, err)
	var got []routeparse.Operation
	mw := modelacl.MustNew(modelacl.Options{
		Policy: policy,
		Authenticate: func(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
			return discoveryPrincipal(c.Secret), nil
		},
	})
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := modelacl.FromContext(r.Context())
		got = append(got, d.Route.Operation)
	}))
	discoveryGet(t, h, discRestricted, "/bedrock/inference-profiles")
	w := discoveryGet(t, h, discRestricted, "/bedrock/inference-profiles/global.anthropic.claude-opus-4-7")
	assert.Equal(t, http.StatusForbidden, w.Code, "without Discovery a Get of a forbidden model is a plain denial")
	assert.Equal(t, []routeparse.Operation{routeparse.OpListInferenceProfiles}, got)
}

func TestDiscoveryEqualsCheck(t *testing.T) {
	// Every entry of every listing is allowed by the same decision a
	// request naming it through that route gets, for every key.
	policy, err := modelacl.Compile(discoveryConfig())
	require.NoError(t, err)
	c := modelacl.Checker{Policy: policy}
	var p routeparse.Parser
	for _, key := range []string{discRestricted, discAllowed, discOpusOnly, discNone} {
		pr := discoveryPrincipal(key)
		for _, tc := range []struct {
			list string
			prov routeparse.Provider
			call func(id string) string // a request path naming id through the same API
		}{
			{"/openai/v1/models", routeparse.OpenAI, nil},
			{"/anthropic/v1/models", routeparse.Anthropic, nil},
			{"/v1beta/models", routeparse.Gemini, func(id string) string { return "/v1beta/models/" + id + ":generateContent" }},
			{"/bedrock/inference-profiles", routeparse.Bedrock, nil},
			{"/bedrock/foundation-models", routeparse.Bedrock, func(id string) string { return "/bedrock/model/" + id + "/converse" }},
		} {
			rt, err := p.ParseRequest(http.MethodGet, tc.list, "", nil)
			require.NoError(t, err)
			list, err := c.ListModels(pr, &rt, nil, modelacl.DiscoveryOptions{})
			require.NoError(t, err)
			for _, m := range list {
				id := m.ID
				if m.Kind == modelacl.ListedApplicationProfile {
					id = m.ARN
				}
				_, err := c.CheckNative(pr, tc.prov, id)
				assert.NoError(t, err, "%s lists %q for %s", tc.list, id, key)
				if tc.call != nil {
					rt, err := p.ParseRequest(http.MethodPost, tc.call(url.PathEscape(id)), "", nil)
					require.NoError(t, err)
					if rt.Body == routeparse.BodyNone {
						_, err = c.CheckRoute(pr, &rt)
						assert.NoError(t, err, "%s lists %q for %s", tc.list, id, key)
					}
				}
			}
		}
	}
}

func TestDiscoveryCheckHandsNothingOn(t *testing.T) {
	policy, err := modelacl.Compile(discoveryConfig())
	require.NoError(t, err)
	var decisions []*modelacl.Decision
	m := modelacl.MustNew(modelacl.Options{
		Policy: policy,
		Authenticate: func(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
			return discoveryPrincipal(c.Secret), nil
		},
		// A dry run must not turn a listing into a forwarded,
		// unfiltered upstream listing.
		ReportOnly: true,
		Discovery:  &modelacl.DiscoveryOptions{},
		OnDecision: func(_ context.Context, d *modelacl.Decision) { decisions = append(decisions, d) },
	})
	req := func(target string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.Header.Set("Authorization", "Bearer "+discRestricted)
		return r
	}

	r := req("/v1/models/gpt-4o")
	r2, d, err := m.Check(r)
	require.ErrorIs(t, err, modelacl.ErrListingAnswered)
	assert.ErrorIs(t, err, modelacl.ErrModelNotAllowed)
	assert.Nil(t, r2)
	assert.False(t, d.Allowed)
	assert.Equal(t, "gpt-4o", d.Denied)
	w := httptest.NewRecorder()
	m.WriteRefusal(w, r, d)
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Contains(t, w.Body.String(), `"code":"model_not_found"`)

	r = req("/v1/models")
	r2, d, err = m.Check(r)
	require.ErrorIs(t, err, modelacl.ErrListingAnswered)
	assert.Nil(t, r2)
	assert.True(t, d.Allowed)
	assert.Equal(t, "restricted", d.KeyID)

	r = req("/bedrock/inference-profiles?maxResults=0")
	r2, _, err = m.Check(r)
	assert.ErrorIs(t, err, routeparse.ErrMalformedPath)
	assert.NotErrorIs(t, err, modelacl.ErrListingAnswered)
	assert.Nil(t, r2, "a refused listing is not let through by ReportOnly")
	assert.Len(t, decisions, 3, "each listing is reported once")
}

func TestDiscoveryPageBounds(t *testing.T) {
	// Past every page bound: Anthropic's default of 20, Gemini's cap of
	// 1000 whatever pageSize asks, Bedrock's maxResults of 1000.
	cfg := modelacl.Config{}
	for i := range 1001 {
		cfg.ModelList = append(cfg.ModelList, modelacl.Deployment{
			ModelName: fmt.Sprintf("g-%04d", i), LiteLLMParams: modelacl.LiteLLMParams{Model: fmt.Sprintf("gemini/gemini-x-%04d", i)},
		})
	}
	for i := range 21 {
		cfg.ModelList = append(cfg.ModelList, modelacl.Deployment{
			ModelName: fmt.Sprintf("a-%02d", i), LiteLLMParams: modelacl.LiteLLMParams{Model: fmt.Sprintf("anthropic/claude-x-%02d", i)},
		})
	}
	policy, err := modelacl.Compile(cfg)
	require.NoError(t, err)
	h := modelacl.MustNew(modelacl.Options{
		Policy: policy,
		Authenticate: func(*http.Request, modelacl.Credential) (*modelacl.Principal, error) {
			return &modelacl.Principal{KeyID: "k", Key: modelacl.AllowAll()}, nil
		},
		Discovery: &modelacl.DiscoveryOptions{},
	}).Handler(http.NotFoundHandler())

	w := discoveryGet(t, h, "any", "/anthropic/v1/models")
	p := decode[anthropicPage](t, w)
	assert.Len(t, p.Data, 20)
	assert.True(t, p.HasMore)
	assert.Equal(t, "claude-x-19", *p.LastID)

	w = discoveryGet(t, h, "any", "/v1beta/models?pageSize=5000")
	g := decode[struct {
		Models        []struct{ Name string } `json:"models"`
		NextPageToken string                  `json:"nextPageToken"`
	}](t, w)
	assert.Len(t, g.Models, 1000)
	assert.Equal(t, "models/gemini-x-0999", g.NextPageToken)

	w = discoveryGet(t, h, "any", "/v1beta/models?pageSize=-1")
	assert.Equal(t, http.StatusBadRequest, w.Code)
}
