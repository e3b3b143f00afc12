package modelacl_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// Each failure category, in each dialect, has the error kind the official
// SDKs map to their typed errors.
func TestDenyDialects(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{MaxBodyBytes: 256})
	big := `{"pad":"` + strings.Repeat("x", 300) + `"}`
	type req struct {
		target, body string
		cred         func(*http.Request, string)
		key          string
		extra        map[string]string
	}
	tests := []struct {
		name    string
		req     req
		status  int
		dialect dialectName
		kind    string
	}{
		{"openai unknown key", req{"/v1/chat/completions", `{"model":"gpt-4o-mini"}`, bearer, "sk-nobody", nil},
			401, dOpenAI, "auth_error"},
		{"openai too large", req{"/v1/chat/completions", big, bearer, allowedKey, nil},
			413, dOpenAI, "invalid_request_error"},
		{"anthropic denied", req{"/v1/messages", `{"model":"claude-opus-4-7"}`, xAPIKey, restrictedKey, nil},
			403, dAnthropic, "permission_error"},
		{"anthropic unknown key", req{"/v1/messages", `{"model":"claude-haiku-4-5"}`, xAPIKey, "sk-nobody", nil},
			401, dAnthropic, "authentication_error"},
		{"anthropic malformed body", req{"/v1/messages", `{"model":1}`, xAPIKey, allowedKey, nil},
			400, dAnthropic, "invalid_request_error"},
		{"anthropic too large", req{"/v1/messages", big, xAPIKey, allowedKey, nil},
			413, dAnthropic, "request_too_large"},
		{"bedrock denied", req{"/bedrock/model/global.anthropic.claude-opus-4-7/converse", `{}`, bearer, restrictedKey, nil},
			403, dBedrock, "AccessDeniedException"},
		{"bedrock unknown key", req{"/bedrock/model/global.anthropic.claude-opus-4-7/converse", `{}`, bearer, "sk-nobody", nil},
			401, dBedrock, "UnrecognizedClientException"},
		{"bedrock async invoke without modelId", req{"/bedrock/async-invoke", `{"modelInput":{}}`, bearer, allowedKey, nil},
			400, dBedrock, "ValidationException"},
		{"google denied", req{"/v1beta/models/gemini-2.5-pro:generateContent", `{}`, googKey, restrictedKey, nil},
			403, dGoogle, "PERMISSION_DENIED"},
		{"google unknown key", req{"/v1beta/models/gemini-2.5-pro:generateContent", `{}`, googKey, "sk-nobody", nil},
			401, dGoogle, "UNAUTHENTICATED"},
		{"azure denied speaks openai", req{"/openai/deployments/prod-gpt-4o/chat/completions?api-version=2024-10-21", `{}`, azureKey, restrictedKey, nil},
			403, dOpenAI, "key_model_access_denied"},

		// Requests that could not be classified have no provider: the
		// SDK's own headers choose the dialect.
		{"unclassified anthropic client", req{"/v1/messages/../messages", `{}`, xAPIKey, allowedKey, map[string]string{"Anthropic-Version": "2023-06-01"}},
			400, dAnthropic, "invalid_request_error"},
		{"unclassified aws sdk client", req{"/bedrock/model/a//converse", `{}`, bearer, allowedKey, map[string]string{"Amz-Sdk-Invocation-Id": "0f"}},
			400, dBedrock, "ValidationException"},
		{"unclassified genai client", req{"/v9/nothing-here", `{}`, googKey, allowedKey, map[string]string{"X-Goog-Api-Client": "google-genai-sdk/1.77.0 gl-go/1.26"}},
			404, dGoogle, "NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.last = seen{}
			r := httptest.NewRequest(http.MethodPost, tt.req.target, strings.NewReader(tt.req.body))
			r.Header.Set("Content-Type", "application/json")
			tt.req.cred(r, tt.req.key)
			for k, v := range tt.req.extra {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			res := w.Result()
			require.Equal(t, tt.status, res.StatusCode, w.Body.String())
			assert.False(t, rec.last.called)
			assertDialect(t, tt.dialect, tt.status, tt.kind, res, w.Body.Bytes())
			assert.NotContains(t, w.Body.String(), tt.req.key, "never echo the credential")
			if tt.status == http.StatusUnauthorized && tt.dialect != dBedrock {
				assert.NotEmpty(t, res.Header.Get("WWW-Authenticate"), "RFC 9110: a 401 names a scheme")
			}
		})
	}
}

func TestDenyMessageQuotesTheModelAndNothingElse(t *testing.T) {
	keys := keyStore{"sk-secret-team-key": {KeyID: "k-internal-7", Key: modelacl.Allow("common-models", "secret-group-name")}}
	h, _ := newHandler(t, modelacl.Options{Authenticate: keys.authenticate})
	// No white space: routeparse refuses a body model holding any (400)
	// before the policy sees it.
	const evil = `gpt-4o"}}{"type":"injected`
	body, err := json.Marshal(map[string]any{"model": evil})
	require.NoError(t, err)
	res, out := send(h, http.MethodPost, "/v1/chat/completions", "application/json", body, bearer, "sk-secret-team-key")
	require.Equal(t, http.StatusForbidden, res.StatusCode)

	var e struct {
		Error struct {
			Message, Type, Code string
			Param               *string
		}
	}
	require.NoError(t, json.Unmarshal(out, &e), "a hostile model name cannot break the JSON: %s", out)
	assert.Equal(t, "key_model_access_denied", e.Error.Type)
	assert.Equal(t, "403", e.Error.Code)
	require.NotNil(t, e.Error.Param)
	assert.Equal(t, "model", *e.Error.Param)
	quoted, _ := json.Marshal(evil) // %q and JSON quoting agree for this ASCII text
	assert.Contains(t, e.Error.Message, string(quoted), "the model is quoted")
	for _, secret := range []string{"sk-secret-team-key", "k-internal-7", "secret-group-name", "common-models"} {
		assert.False(t, bytes.Contains(out, []byte(secret)), "response leaks %q", secret)
	}
}
