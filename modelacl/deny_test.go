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

// claudeCodeStops reports whether Claude Code 2.1.332 ends its retries on
// this 403 (its rules, read in the CLI's bundled source; see deny.go): in
// Bedrock mode AWS's sentence, compared in lower case; in every mode a
// permission_error whose text has "model:" (which also selects
// --fallback-model).
func claudeCodeStops(status int, body []byte) (bedrockMode, anyMode bool) {
	if status != http.StatusForbidden {
		return false, false
	}
	lower := strings.ToLower(string(body))
	bedrockMode = strings.Contains(lower, "you don't have access to the model with the specified model id")
	anyMode = strings.Contains(string(body), `"type":"permission_error"`) && strings.Contains(string(body), "model:")
	return bedrockMode, anyMode
}

// Every dialect's denial carries what its clients key on to stop
// retrying, then the reason (scope and model) and nothing else.
func TestDenyWordingClientsTreatAsFinal(t *testing.T) {
	keys := keyStore{
		"sk-key-scope":     {KeyID: "k1", Key: modelacl.Allow("common-models")},
		"sk-team-scope":    {KeyID: "k2", Key: modelacl.AllowAll(), TeamID: "t", Team: modelacl.Allow("common-models")},
		"sk-user-scope":    {KeyID: "k3", Key: modelacl.AllowAll(), UserID: "u", User: modelacl.Allow("common-models")},
		"sk-org-scope":     {KeyID: "k4", Key: modelacl.AllowAll(), OrgID: "o", Org: modelacl.Allow("common-models")},
		"sk-member-scope":  {KeyID: "k5", Key: modelacl.AllowAll(), TeamID: "t", Team: modelacl.AllowAll(), TeamMember: modelacl.Allow("common-models")},
		"sk-enduser-scope": {KeyID: "k6", Key: modelacl.AllowAll(), EndUserID: "e", EndUser: modelacl.Allow("common-models")},
	}
	h, rec := newHandler(t, modelacl.Options{Authenticate: keys.authenticate})
	const (
		aws       = "You don't have access to the model with the specified model ID. "
		anthropic = "Your API key does not have permission to use this model: "
	)
	tests := []struct {
		name, target, body string
		cred               func(*http.Request, string)
		key                string
		dialect            dialectName
		kind               string // error type, or status name
		message            string
		awsErrorType       bool // X-Amzn-ErrorType: AccessDeniedException
		stopsBedrockMode   bool // Claude Code's Bedrock rule
		stopsAnyMode       bool // Claude Code's permission_error + "model:" rule
	}{
		{"bedrock invoke of the opus profile by a cheap key", "/bedrock/model/global.anthropic.claude-opus-4-7/invoke-with-response-stream", `{}`, bearer, "sk-key-scope",
			dBedrock, "AccessDeniedException", aws + `key may not call model "claude-opus-4-7" (requested as "global.anthropic.claude-opus-4-7")`, true, true, false},
		{"anthropic messages on bedrock, the team says no", "/bedrock/v1/messages", `{"model":"global.anthropic.claude-opus-4-7"}`, xAPIKey, "sk-team-scope",
			dAnthropic, "permission_error", aws + `team may not call model "claude-opus-4-7" (requested as "global.anthropic.claude-opus-4-7")`, true, true, false},
		{"anthropic passthrough, the user says no", "/anthropic/v1/messages", `{"model":"claude-opus-4-7"}`, xAPIKey, "sk-user-scope",
			dAnthropic, "permission_error", anthropic + `user may not call model "claude-opus-4-7"`, false, false, true},
		{"vertex anthropic publisher, the org says no", "/vertex_ai/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-opus-4-7:streamRawPredict", `{}`, bearer, "sk-org-scope",
			dAnthropic, "permission_error", anthropic + `organization may not call model "vertex-claude-opus-4-7" (requested as "claude-opus-4-7")`, false, false, true},
		{"openai chat, the team member says no", "/v1/chat/completions", `{"model":"gpt-4o"}`, bearer, "sk-member-scope",
			dOpenAI, "team_member_model_access_denied", `team member may not call model "gpt-4o"`, false, false, false},
		{"gemini generateContent, the end user says no", "/v1beta/models/gemini-2.5-pro:generateContent", `{}`, googKey, "sk-enduser-scope",
			dGoogle, "PERMISSION_DENIED", `end user may not call model "gemini-2.5-pro"`, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.last = seen{}
			res, out := send(h, http.MethodPost, tt.target, "application/json", []byte(tt.body), tt.cred, tt.key)
			require.Equal(t, http.StatusForbidden, res.StatusCode, "%s", out)
			assert.False(t, rec.last.called, "a denial is never forwarded")
			assertDialect(t, tt.dialect, http.StatusForbidden, tt.kind, res, out)
			assert.Equal(t, tt.message, messageOf(t, tt.dialect, out))
			assert.Equal(t, "false", res.Header.Get("X-Should-Retry"), "the Anthropic and OpenAI SDKs (and Claude Code) obey it")
			if tt.awsErrorType {
				assert.Equal(t, "AccessDeniedException", res.Header.Get("X-Amzn-ErrorType"))
			} else {
				assert.Empty(t, res.Header.Values("X-Amzn-ErrorType"))
			}
			bedrockMode, anyMode := claudeCodeStops(res.StatusCode, out)
			assert.Equal(t, tt.stopsBedrockMode, bedrockMode, "Claude Code's Bedrock-mode rule")
			assert.Equal(t, tt.stopsAnyMode, anyMode, "Claude Code's permission_error rule")
			for _, secret := range []string{tt.key, "common-models", "k1", "k2", "k3", "k4", "k5", "k6"} {
				assert.NotContains(t, string(out), secret, "never echo a key, key ID or allowlist")
			}
		})
	}
}

// A client without a credential and one with a key the gateway does not
// know are told apart, in every dialect; neither is worth a retry. A 503
// (no policy yet) may be retried.
func TestDenyMissingAndUnknownKeyDiffer(t *testing.T) {
	h, _ := newHandler(t, modelacl.Options{})
	const bedrockPath = "/bedrock/model/global.anthropic.claude-haiku-4-5/invoke"
	tests := []struct {
		name, target, body string
		cred               func(*http.Request, string)
		dialect            dialectName
		kind               string
	}{
		{"bedrock", bedrockPath, `{}`, bearer, dBedrock, "UnrecognizedClientException"},
		{"anthropic", "/v1/messages", `{"model":"claude-haiku-4-5"}`, xAPIKey, dAnthropic, "authentication_error"},
		{"openai", "/v1/chat/completions", `{"model":"gpt-4o-mini"}`, bearer, dOpenAI, "auth_error"},
		{"google", "/v1beta/models/gemini-2.5-flash:generateContent", `{}`, googKey, dGoogle, "UNAUTHENTICATED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			missing, mout := send(h, http.MethodPost, tt.target, "application/json", []byte(tt.body), nil, "")
			unknown, uout := send(h, http.MethodPost, tt.target, "application/json", []byte(tt.body), tt.cred, "sk-nobody-knows")
			for _, res := range []*http.Response{missing, unknown} {
				require.Equal(t, http.StatusUnauthorized, res.StatusCode)
				assert.Equal(t, "false", res.Header.Get("X-Should-Retry"))
			}
			assertDialect(t, tt.dialect, http.StatusUnauthorized, tt.kind, missing, mout)
			assertDialect(t, tt.dialect, http.StatusUnauthorized, tt.kind, unknown, uout)
			assert.Equal(t, "missing credential: send an API key", messageOf(t, tt.dialect, mout))
			assert.Equal(t, "invalid API key", messageOf(t, tt.dialect, uout))
			assert.NotContains(t, string(uout), "sk-nobody-knows")
		})
	}

	noPolicy, _ := newHandler(t, modelacl.Options{Policy: modelacl.NewStore(nil)})
	res, _ := send(noPolicy, http.MethodPost, bedrockPath, "application/json", []byte(`{}`), bearer, restrictedKey)
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Empty(t, res.Header.Values("X-Should-Retry"), "a policy may be loaded by the next attempt")
}

// messageOf is the error message of a refusal body in dialect d.
func messageOf(t *testing.T, d dialectName, body []byte) string {
	t.Helper()
	var e struct {
		Message string
		Error   struct{ Message string }
	}
	require.NoError(t, json.Unmarshal(body, &e), "%s", body)
	if d == dBedrock {
		return e.Message
	}
	return e.Error.Message
}
