package routeparse_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// Gemini and Vertex routes name the model in the path; a body naming
// another model must be refused, since a dispatcher (or a compatible
// server) may serve the body's.
func TestAttackGooglePathBodyDisagree(t *testing.T) {
	const (
		vertexAnthropic = "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-haiku-4-5:rawPredict"
		vertexGoogle    = "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:generateContent"
		vertexMeta      = "/v1/projects/p/locations/l/publishers/meta/models/llama-4:rawPredict"
	)
	tests := []struct {
		name, path, body string
		want             error
	}{
		{"vertex-rawpredict-path-haiku-body-opus", vertexAnthropic, `{"anthropic_version":"vertex-2023-10-16","model":"claude-opus-4-7","messages":[]}`, routeparse.ErrAmbiguousModel},
		{"vertex-rawpredict-body-opus-publisher-spelling", vertexAnthropic, `{"model":"publishers/anthropic/models/claude-opus-4-7"}`, routeparse.ErrAmbiguousModel},
		{"vertex-stream-rawpredict-body-opus", "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-haiku-4-5:streamRawPredict", `{"model":"claude-opus-4-7"}`, routeparse.ErrAmbiguousModel},
		{"gemini-generate-flash-body-models-pro", "/v1beta/models/gemini-2.5-flash:generateContent", `{"model":"models/gemini-2.5-pro","contents":[]}`, routeparse.ErrAmbiguousModel},
		{"gemini-generate-flash-body-bare-pro", "/v1beta/models/gemini-2.5-flash:generateContent", `{"contents":[],"model":"gemini-2.5-pro"}`, routeparse.ErrAmbiguousModel},
		{"gemini-generate-prefixed-body-pro", "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent", `{"model":"models/gemini-2.5-pro"}`, routeparse.ErrAmbiguousModel},
		{"gemini-batch-embed-flash-requests-pro", "/v1beta/models/gemini-2.5-flash:batchEmbedContents", `{"requests":[{"model":"models/gemini-2.5-flash","content":{"parts":[{"text":"x"}]}},{"model":"models/gemini-2.5-pro","content":{"parts":[{"text":"x"}]}}]}`, routeparse.ErrAmbiguousModel},
		{"gemini-batch-embed-nested-request-model", "/v1beta/models/gemini-2.5-flash:batchEmbedContents", `{"requests":[{"request":{"model":"models/gemini-2.5-pro"}}]}`, routeparse.ErrAmbiguousModel},
		{"gemini-batch-generate-inlined-pro", "/v1beta/models/gemini-2.5-flash:batchGenerateContent", `{"batch":{"displayName":"d","inputConfig":{"requests":{"requests":[{"request":{"model":"models/gemini-2.5-pro","contents":[]},"metadata":{"key":"1"}}]}}}}`, routeparse.ErrAmbiguousModel},
		{"gemini-batch-generate-proto-names", "/v1beta/models/gemini-2.5-flash:batchGenerateContent", `{"batch":{"input_config":{"requests":{"requests":[{"request":{"model":"models/gemini-2.5-pro"}}]}}}}`, routeparse.ErrAmbiguousModel},
		{"gemini-batch-model", "/v1beta/models/gemini-2.5-flash:batchGenerateContent", `{"batch":{"model":"models/gemini-2.5-pro"}}`, routeparse.ErrAmbiguousModel},
		{"gemini-count-tokens-generate-request-pro", "/v1beta/models/gemini-2.5-flash:countTokens", `{"generateContentRequest":{"model":"models/gemini-2.5-pro","contents":[]}}`, routeparse.ErrAmbiguousModel},
		{"gemini-count-tokens-proto-name-pro", "/v1beta/models/gemini-2.5-flash:countTokens", `{"generate_content_request":{"model":"models/gemini-2.5-pro"}}`, routeparse.ErrAmbiguousModel},
		{"gemini-count-tokens-both-spellings", "/v1beta/models/gemini-2.5-flash:countTokens", `{"generateContentRequest":{"model":"models/gemini-2.5-flash"},"generate_content_request":{"model":"models/gemini-2.5-pro"}}`, routeparse.ErrAmbiguousModel},
		{"gemini-embed-content-model-pro", "/v1beta/models/gemini-embedding-001:embedContent", `{"model":"models/gemini-embedding-exp","content":{"parts":[]}}`, routeparse.ErrAmbiguousModel},
		{"gemini-body-model-case-variant", "/v1beta/models/gemini-2.5-flash:generateContent", `{"Model":"models/gemini-2.5-flash"}`, routeparse.ErrAmbiguousModel},
		{"gemini-body-model-duplicate", "/v1beta/models/gemini-2.5-flash:generateContent", `{"model":"models/gemini-2.5-flash","model":"models/gemini-2.5-pro"}`, routeparse.ErrAmbiguousModel},
		{"gemini-tuned-path-base-body", "/v1beta/tunedModels/my-tune:generateContent", `{"model":"models/my-tune"}`, routeparse.ErrAmbiguousModel},
		{"gemini-base-path-tuned-body", "/v1beta/models/my-tune:generateContent", `{"model":"tunedModels/my-tune"}`, routeparse.ErrAmbiguousModel},
		{"vertex-google-body-models-spelling", vertexGoogle, `{"model":"models/gemini-2.5-flash"}`, routeparse.ErrAmbiguousModel},
		{"vertex-google-body-other-publisher", vertexGoogle, `{"model":"publishers/meta/models/gemini-2.5-flash"}`, routeparse.ErrAmbiguousModel},
		{"vertex-google-body-full-resource", vertexGoogle, `{"model":"projects/q/locations/l/publishers/google/models/gemini-2.5-flash"}`, routeparse.ErrAmbiguousModel},
		{"vertex-meta-body-google-model", vertexMeta, `{"model":"google/llama-4"}`, routeparse.ErrAmbiguousModel},
		{"vertex-meta-body-other-llama", vertexMeta, `{"model":"meta/llama-4-maverick"}`, routeparse.ErrAmbiguousModel},
		{"gemini-body-model-null", "/v1beta/models/gemini-2.5-flash:generateContent", `{"model":null}`, routeparse.ErrMalformedBody},
		{"gemini-body-model-list", "/v1beta/models/gemini-2.5-flash:generateContent", `{"model":["models/gemini-2.5-flash"]}`, routeparse.ErrMalformedBody},
		{"gemini-body-model-traversal", "/v1beta/models/gemini-2.5-flash:generateContent", `{"model":"models/x/../gemini-2.5-flash"}`, routeparse.ErrMalformedBody},
		{"gemini-requests-not-a-list", "/v1beta/models/gemini-2.5-flash:batchEmbedContents", `{"requests":{"model":"models/gemini-2.5-pro"}}`, routeparse.ErrMalformedBody},
		{"gemini-requests-string-element", "/v1beta/models/gemini-2.5-flash:batchEmbedContents", `{"requests":["models/gemini-2.5-pro"]}`, routeparse.ErrMalformedBody},
		{"gemini-generate-request-string", "/v1beta/models/gemini-2.5-flash:countTokens", `{"generateContentRequest":"models/gemini-2.5-pro"}`, routeparse.ErrMalformedBody},
		{"gemini-invalid-json", "/v1beta/models/gemini-2.5-flash:generateContent", `{"contents":[],}`, routeparse.ErrMalformedBody},
		{"gemini-empty-body", "/v1beta/models/gemini-2.5-flash:generateContent", ``, routeparse.ErrMalformedBody},
		{"gemini-trailing-second-object", "/v1beta/models/gemini-2.5-flash:generateContent", `{}{"model":"models/gemini-2.5-pro"}`, routeparse.ErrMalformedBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseBody(t, bodyReq{path: tc.path, body: []byte(tc.body)})
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			assert.False(t, r.BodyParsed())
			for _, m := range r.Models() {
				assert.Equal(t, routeparse.SourcePath, m.Source)
			}
		})
	}
}

// The spellings google.golang.org/genai@v1.77.0 itself sends, and the
// other spellings Google reads as the path's model, pass; the route's
// models stay the path's (the body ones name the same model).
func TestGooglePathBodyAgreeingSpellings(t *testing.T) {
	tests := []struct {
		name, path, body, want string
	}{
		// models.go embedContentParametersPrivateToMldev: EmbedContent on
		// the Gemini API posts {model}:batchEmbedContents with
		// requests[].model = tModel(model) = "models/{m}".
		{"genai-batch-embed-contents", "/v1beta/models/gemini-embedding-001:batchEmbedContents", `{"requests":[{"content":{"parts":[{"text":"a"}]},"model":"models/gemini-embedding-001","taskType":"RETRIEVAL_QUERY"},{"content":{"parts":[{"text":"b"}]},"model":"models/gemini-embedding-001"}]}`, "gemini-embedding-001"},
		{"genai-generate-content-no-model", "/v1beta/models/gemini-2.5-flash:generateContent", `{"contents":[{"parts":[{"text":"hi"}],"role":"user"}],"generationConfig":{"temperature":0.2}}`, "gemini-2.5-flash"},
		{"genai-count-tokens-no-model", "/v1beta/models/gemini-2.5-flash:countTokens", `{"contents":[{"parts":[{"text":"hi"}],"role":"user"}]}`, "gemini-2.5-flash"},
		// batches.go inlinedRequestToMldev: request.model = "models/{m}".
		{"genai-batch-generate-content", "/v1beta/models/gemini-2.5-flash:batchGenerateContent", `{"batch":{"displayName":"d","inputConfig":{"requests":{"requests":[{"request":{"contents":[],"model":"models/gemini-2.5-flash"},"metadata":{"key":"a"}}]}}}}`, "gemini-2.5-flash"},
		{"rest-count-tokens-generate-request", "/v1beta/models/gemini-2.5-flash:countTokens", `{"generateContentRequest":{"model":"models/gemini-2.5-flash","contents":[]}}`, "gemini-2.5-flash"},
		{"bare-id-in-body", "/v1beta/models/gemini-2.5-flash:generateContent", `{"model":"gemini-2.5-flash"}`, "gemini-2.5-flash"},
		{"escaped-body-model", "/v1beta/models/gemini-2.5-flash:generateContent", `{"model":"models\/gemini-2.5-fl\u0061sh"}`, "gemini-2.5-flash"},
		{"verb-separator-escaped", "/v1beta/models/gemini-2.5-flash%3AgenerateContent", `{"model":"models/gemini-2.5-flash"}`, "gemini-2.5-flash"},
		{"tuned-model", "/v1beta/tunedModels/my-tune:generateContent", `{"model":"tunedModels/my-tune"}`, "tunedModels/my-tune"},
		{"vertex-google-publisher-long-form", "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:generateContent", `{"model":"publishers/google/models/gemini-2.5-flash"}`, "gemini-2.5-flash"},
		{"vertex-google-publisher-short-form", "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:generateContent", `{"model":"google/gemini-2.5-flash"}`, "gemini-2.5-flash"},
		{"vertex-anthropic-same-model", "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-haiku-4-5:rawPredict", `{"anthropic_version":"vertex-2023-10-16","model":"claude-haiku-4-5","messages":[]}`, "claude-haiku-4-5"},
		{"vertex-anthropic-no-model", "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-haiku-4-5:streamRawPredict", `{"anthropic_version":"vertex-2023-10-16","messages":[],"stream":true}`, "claude-haiku-4-5"},
		{"vertex-meta-qualified", "/v1/projects/p/locations/l/publishers/meta/models/llama-4:rawPredict", `{"model":"meta/llama-4"}`, "meta/llama-4"},
		{"vertex-meta-long-form", "/v1/projects/p/locations/l/publishers/meta/models/llama-4:rawPredict", `{"model":"publishers/meta/models/llama-4"}`, "meta/llama-4"},
		{"vertex-meta-bare", "/v1/projects/p/locations/l/publishers/meta/models/llama-4:rawPredict", `{"model":"llama-4"}`, "meta/llama-4"},
		{"vertex-express-mode", "/v1/publishers/google/models/gemini-2.5-flash:generateContent", `{"model":"publishers/google/models/gemini-2.5-flash"}`, "gemini-2.5-flash"},
		{"nested-model-in-contents-is-data", "/v1beta/models/gemini-2.5-flash:generateContent", `{"contents":[{"model":"models/gemini-2.5-pro"}],"tools":[{"model":"x"}]}`, "gemini-2.5-flash"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseBody(t, bodyReq{path: tc.path, body: []byte(tc.body)})
			require.NoError(t, err)
			assert.True(t, r.BodyParsed())
			assert.Equal(t, []modelView{{"path", "model", tc.want, false}}, view(r.Models()))
		})
	}
}

// Routes whose bodies stay unread, and why: Bedrock invoke bodies are the
// provider's own payload (Anthropic-on-Bedrock bodies carry no model), and
// a Vertex endpoint serves whatever is deployed on it.
func TestGoogleAndBedrockPathOnlyRoutes(t *testing.T) {
	var p routeparse.Parser
	for _, path := range []string{
		"/model/anthropic.claude-v2/invoke",
		"/model/us.anthropic.claude-3-5-sonnet-20241022-v2:0/converse",
		"/v1/projects/p/locations/l/endpoints/1234:predict",
	} {
		r, err := p.ParseRequest(http.MethodPost, path, "", nil)
		require.NoError(t, err, path)
		assert.Equal(t, routeparse.BodyNone, r.Body, path)
		assert.True(t, r.BodyParsed(), path)
	}
	for _, path := range []string{
		"/v1beta/models/gemini-2.5-flash:generateContent",
		"/v1/projects/p/locations/l/publishers/anthropic/models/claude-haiku-4-5:rawPredict",
		"/v1/publishers/google/models/gemini-2.5-flash:predict",
	} {
		r, err := p.ParseRequest(http.MethodPost, path, "", nil)
		require.NoError(t, err, path)
		assert.Equal(t, routeparse.BodyJSON, r.Body, path)
	}
	for _, path := range []string{"/v1beta/models/gemini-2.5-flash", "/v1beta/models/veo-2.0-generate-001/operations/abc"} {
		r, err := p.ParseRequest(http.MethodGet, path, "", nil)
		require.NoError(t, err, path)
		assert.Equal(t, routeparse.BodyNone, r.Body, "GET %s has no body", path)
	}
}

// FuzzAttackGoogleBodyModel: whenever ParseBody accepts a body on a Gemini
// model-path route, every model a Go dispatcher binding the request with
// encoding/json reads from it is the path's model.
func FuzzAttackGoogleBodyModel(f *testing.F) {
	for _, b := range []string{
		`{"model":"models/gemini-2.5-flash"}`,
		`{"model":"models/gemini-2.5-pro"}`,
		`{"requests":[{"model":"models/gemini-2.5-flash"},{"model":"gemini-2.5-flash"}]}`,
		`{"requests":[{"request":{"model":"models/gemini-2.5-pro"}}]}`,
		`{"generateContentRequest":{"model":"models/gemini-2.5-flash"}}`,
		`{"batch":{"inputConfig":{"requests":{"requests":[{"request":{"model":"models/gemini-2.5-flash"}}]}}}}`,
		`{"MODEL":"models/gemini-2.5-pro"}`,
		`{"requests":[{"Model":"models/gemini-2.5-pro"}]}`,
		`{"model":"models\/gemini-2.5-flash"}`,
	} {
		f.Add([]byte(b))
	}
	var p routeparse.Parser
	base, err := p.ParseRequest(http.MethodPost, "/v1beta/models/gemini-2.5-flash:batchEmbedContents", "", nil)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte) {
		r := base
		if p.ParseBody(&r, "application/json", "", body, 1<<20) != nil {
			require.Len(t, r.Models(), 1)
			return
		}
		type inner struct{ Model string }
		var v struct {
			Model    string
			Requests []struct {
				Model   string
				Request inner
			}
			GenerateContentRequest inner
			Batch                  struct {
				Model       string
				InputConfig struct {
					Requests struct {
						Requests []struct{ Request inner }
					}
				}
			}
		}
		if err := json.Unmarshal(body, &v); err != nil {
			var syntax *json.SyntaxError
			require.NotErrorAs(t, err, &syntax, "accepted a body encoding/json cannot parse")
			return // a type the struct does not model (a list where it expects an object, ...)
		}
		names := []string{v.Model, v.GenerateContentRequest.Model, v.Batch.Model}
		for _, rq := range v.Requests {
			names = append(names, rq.Model, rq.Request.Model)
		}
		for _, rq := range v.Batch.InputConfig.Requests.Requests {
			names = append(names, rq.Request.Model)
		}
		for _, n := range names {
			if n != "" {
				require.Contains(t, []string{"gemini-2.5-flash", "models/gemini-2.5-flash"}, n, "a dispatcher reads another model")
			}
		}
		require.Equal(t, []modelView{{"path", "model", "gemini-2.5-flash", false}}, view(r.Models()))
	})
}
