package modelacl_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// nothingResolver is a host's Resolver that knows no ID.
type nothingResolver struct{ err error }

func (r nothingResolver) Resolve(routeparse.Provider, string) ([]string, error) { return nil, r.err }

// Every refusal the middleware makes matches an exported sentinel and has
// a reason code other than "internal", except the host's own failures.
func TestEveryRefusalHasASentinelAndAReason(t *testing.T) {
	errKeyStore := errors.New("key store unavailable: db-7 timed out")
	tests := []struct {
		name     string
		o        modelacl.Options
		method   string
		target   string
		body     string
		key      string
		sentinel error
		reason   modelacl.Reason
		status   int
	}{
		{name: "model outside the key's list", target: "/v1/chat/completions", body: `{"model":"gpt-4o"}`, key: restrictedKey,
			sentinel: modelacl.ErrModelNotAllowed, reason: modelacl.ReasonModelNotAllowed, status: 403},
		{name: "custom resolver knows nothing of a bedrock ID", o: modelacl.Options{Resolver: nothingResolver{}},
			target: "/bedrock/model/global.anthropic.claude-haiku-4-5/converse", body: `{}`, key: allowedKey,
			sentinel: modelacl.ErrUnknownModel, reason: modelacl.ReasonUnknownModel, status: 403},
		{name: "custom resolver fails", o: modelacl.Options{Resolver: nothingResolver{errors.New("lookup: secret-table down")}},
			target: "/bedrock/model/global.anthropic.claude-haiku-4-5/converse", body: `{}`, key: allowedKey,
			sentinel: modelacl.ErrUnknownModel, reason: modelacl.ReasonUnknownModel, status: 403},
		{name: "no credential, and the host knows no keyless scheme", target: "/v1/chat/completions", body: `{"model":"gpt-4o-mini"}`,
			sentinel: modelacl.ErrNoCredential, reason: modelacl.ReasonNoCredential, status: 401},
		{name: "unknown key", target: "/v1/chat/completions", body: `{"model":"gpt-4o-mini"}`, key: "sk-nobody",
			sentinel: modelacl.ErrUnknownKey, reason: modelacl.ReasonUnknownKey, status: 401},
		{name: "key store down", o: modelacl.Options{Authenticate: func(*http.Request, modelacl.Credential) (*modelacl.Principal, error) {
			return nil, errKeyStore
		}}, target: "/v1/chat/completions", body: `{"model":"gpt-4o-mini"}`, key: allowedKey,
			sentinel: modelacl.ErrAuthenticateFailed, reason: modelacl.ReasonInternal, status: 500},
		{name: "route nobody knows", target: "/v9/teleport", body: `{}`, key: allowedKey,
			sentinel: routeparse.ErrUnknownRoute, reason: modelacl.ReasonUnknownRoute, status: 404},
		{name: "dot segment in the path", target: "/v1/chat/../completions", body: `{}`, key: allowedKey,
			sentinel: routeparse.ErrMalformedPath, reason: modelacl.ReasonMalformed, status: 400},
		{name: "body without a model", target: "/v1/chat/completions", body: `{"messages":[]}`, key: allowedKey,
			sentinel: modelacl.ErrNoModel, reason: modelacl.ReasonNoModel, status: 400},
		{name: "model named twice", target: "/v1/chat/completions", body: `{"model":"gpt-4o-mini","model":"gpt-4o"}`, key: allowedKey,
			sentinel: routeparse.ErrAmbiguousModel, reason: modelacl.ReasonAmbiguousModel, status: 400},
		{name: "body over the limit", o: modelacl.Options{MaxBodyBytes: 64}, target: "/v1/chat/completions",
			body: `{"model":"gpt-4o-mini","pad":"` + strings.Repeat("x", 100) + `"}`, key: allowedKey,
			sentinel: routeparse.ErrBodyTooLarge, reason: modelacl.ReasonBodyTooLarge, status: 413},
		{name: "no policy loaded", o: modelacl.Options{Policy: modelacl.NewStore(nil)}, target: "/v1/chat/completions",
			body: `{"model":"gpt-4o-mini"}`, key: allowedKey,
			sentinel: modelacl.ErrNoPolicy, reason: modelacl.ReasonNoPolicy, status: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			if o.Policy == nil {
				o.Policy = fixturePolicy(t)
			}
			if o.Authenticate == nil {
				o.Authenticate = fixtureKeys().authenticate
			}
			mw := modelacl.MustNew(o)
			r := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader(tt.body))
			if tt.key != "" {
				bearer(r, tt.key)
			}
			_, d, err := mw.Check(r)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.sentinel)
			assert.ErrorIs(t, d.Err, tt.sentinel)
			assert.Equal(t, tt.reason, d.Reason())
			assert.Equal(t, tt.reason, modelacl.ReasonOf(err))
			w := httptest.NewRecorder()
			mw.WriteRefusal(w, r, d)
			assert.Equal(t, tt.status, w.Code)
			assert.NotContains(t, w.Body.String(), "secret-table", "a resolver's error is not shown")
			assert.NotContains(t, w.Body.String(), "db-7", "a key store's error is not shown")
		})
	}
}

// A custom Resolver that returns nothing denies through the exported
// sentinel, on the pure path too.
func TestResolverReturningNothingIsUnknownModel(t *testing.T) {
	pr := &modelacl.Principal{KeyID: "k", Key: modelacl.AllowAll()}
	d, err := modelacl.Checker{Policy: fixturePolicy(t), Resolver: nothingResolver{}}.
		CheckNative(pr, routeparse.Bedrock, "global.anthropic.claude-haiku-4-5")
	require.ErrorIs(t, err, modelacl.ErrUnknownModel)
	assert.False(t, d.Allowed)
	assert.Equal(t, modelacl.ReasonUnknownModel, d.Reason())
	assert.Equal(t, "global.anthropic.claude-haiku-4-5", d.Denied)
}

// One ErrNoModel: the parser's and the policy's are the same category.
func TestOneErrNoModel(t *testing.T) {
	assert.ErrorIs(t, routeparse.ErrNoModel, modelacl.ErrNoModel)
	assert.ErrorIs(t, modelacl.ErrNoModel, routeparse.ErrNoModel)
	pr := &modelacl.Principal{KeyID: "k", Key: modelacl.AllowAll()}
	_, err := fixturePolicy(t).Check(pr, strings.Repeat("m", modelacl.MaxModelNameLen+1))
	assert.ErrorIs(t, err, routeparse.ErrNoModel, "a name past the bound is no model, in the parser's terms too")
	_, err = fixturePolicy(t).Check(pr)
	assert.ErrorIs(t, err, routeparse.ErrNoModel)
}

func TestReasonOf(t *testing.T) {
	assert.Equal(t, modelacl.ReasonAllowed, modelacl.ReasonOf(nil))
	assert.Equal(t, modelacl.ReasonInternal, modelacl.ReasonOf(errors.New("anything else")))
	assert.Equal(t, modelacl.ReasonBadCredential, modelacl.ReasonOf(fmt.Errorf("wrapped: %w", modelacl.ErrAmbiguousCredential)))
	assert.Equal(t, modelacl.ReasonNoCredential, modelacl.ReasonOf(modelacl.ErrNoCredential))
	var zero modelacl.Decision
	assert.Equal(t, modelacl.ReasonInternal, zero.Reason(), "a Decision nobody filled in is not an allow")
}

// A Credential made by hand can carry any Source; its JSON stays valid and
// never holds the secret.
func TestCredentialJSONIsValidForAnySource(t *testing.T) {
	for _, src := range []string{`X-"Api"-Key`, "tab\there", "nul\x00", "\xff\xfe", `back\slash`} {
		c := modelacl.Credential{Kind: modelacl.CredentialToken, Source: src, Secret: "sk-secret"}
		b, err := json.Marshal(c)
		require.NoError(t, err)
		require.True(t, json.Valid(b), "%q gave %s", src, b)
		assert.NotContains(t, string(b), "sk-secret")
		var got map[string]any
		require.NoError(t, json.Unmarshal(b, &got))
		assert.Equal(t, "token", got["kind"])
		assert.Equal(t, false, got["verified"])
		assert.Equal(t, "[REDACTED]", got["secret"])
		if strings.ToValidUTF8(src, "\uFFFD") == src {
			assert.Equal(t, src, got["source"])
		}
	}
}

// Metrics count decisions by their reason code through OnDecision.
func ExampleDecision_Reason() {
	policy, err := modelacl.Compile(modelacl.Config{ModelList: []modelacl.Deployment{
		{ModelName: "gpt-4o-mini", LiteLLMParams: modelacl.LiteLLMParams{Model: "openai/gpt-4o-mini"}},
		{ModelName: "gpt-4o", LiteLLMParams: modelacl.LiteLLMParams{Model: "openai/gpt-4o"}},
	}})
	if err != nil {
		panic(err)
	}
	counts := map[modelacl.Reason]int{} // a metrics counter labelled by reason
	mw := modelacl.MustNew(modelacl.Options{
		Policy: policy,
		Authenticate: func(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
			if c.Secret == "sk-1" {
				return &modelacl.Principal{KeyID: "key-1", Key: modelacl.Allow("gpt-4o-mini")}, nil
			}
			return nil, modelacl.ErrUnknownKey
		},
		OnDecision: func(_ context.Context, d *modelacl.Decision) { counts[d.Reason()]++ },
	})
	h := mw.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, req := range []struct{ key, target, body string }{
		{"sk-1", "/v1/chat/completions", `{"model":"gpt-4o-mini"}`},
		{"sk-1", "/v1/chat/completions", `{"model":"gpt-4o-mini"}`},
		{"sk-1", "/v1/chat/completions", `{"model":"gpt-4o"}`},
		{"sk-2", "/v1/chat/completions", `{"model":"gpt-4o-mini"}`},
		{"sk-1", "/v1/chat/completions", `{"messages":[]}`},
		{"sk-1", "/v1/teleport", `{}`},
	} {
		r := httptest.NewRequest("POST", req.target, strings.NewReader(req.body))
		r.Header.Set("Authorization", "Bearer "+req.key)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	reasons := make([]string, 0, len(counts))
	for r := range counts {
		reasons = append(reasons, string(r))
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Println(r, counts[modelacl.Reason(r)])
	}
	// Output:
	// allowed 2
	// model_not_allowed 1
	// no_model 1
	// unknown_key 1
	// unknown_route 1
}

// A listing the middleware answers is not a refusal: its error and its
// Decision carry the same code, allowed for a listing and the denial's for
// a Get of a model the key may not call.
func TestListingReasons(t *testing.T) {
	mw := modelacl.MustNew(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate,
		Discovery: &modelacl.DiscoveryOptions{}})
	for target, want := range map[string]modelacl.Reason{
		"/v1/models":        modelacl.ReasonAllowed,
		"/v1/models/gpt-4o": modelacl.ReasonModelNotAllowed,
	} {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		bearer(r, restrictedKey)
		_, d, err := mw.Check(r)
		require.ErrorIs(t, err, modelacl.ErrListingAnswered, target)
		assert.Equal(t, want, modelacl.ReasonOf(err), target)
		assert.Equal(t, want, d.Reason(), target)
	}
}
