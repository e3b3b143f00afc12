package conformance_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	anthropicoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	bedrocktypes "github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	runtimetypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go/auth/bearer"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genai"

	"github.com/modelgate/modelgate/examples/internal/gateway"
	"github.com/modelgate/modelgate/examples/internal/gatewaytest"
)

// Discovery equals enforcement, judged by the official SDKs: through every
// route, a key lists exactly the models it may call through that route
// (each expected list below is written by hand from testdata/discovery.yaml,
// and each candidate is then called through the same API: listed ones
// succeed, the others are refused), an unrestricted key lists every
// deployed model, a Get of a forbidden model is the SDK's typed error for
// that dialect, and no listing or Get reaches an upstream.

// startDiscovery runs a gateway on testdata/discovery.yaml.
func startDiscovery(t *testing.T) *env {
	t.Helper()
	cfg, err := gateway.LoadConfig("testdata/discovery.yaml")
	require.NoError(t, err)
	gw, mocks := gatewaytest.New(t, cfg, gateway.Options{})
	ts := httptest.NewTLSServer(gw)
	t.Cleanup(ts.Close)
	return &env{url: ts.URL, client: ts.Client(), mocks: mocks}
}

// listed runs list with nothing recorded upstream before or after.
func listed(t *testing.T, e *env, list func() []string) []string {
	t.Helper()
	e.mocks.Reset()
	got := list()
	require.Zero(t, e.mocks.Total(), "a listing reached an upstream")
	return got
}

// callable checks that the key may call exactly the listed candidates:
// call returns nil for an allowed call and the SDK's error otherwise.
func callable(t *testing.T, e *env, candidates, listed []string, call func(model string) error, denied func(t *testing.T, err error)) {
	t.Helper()
	for _, m := range candidates {
		err := call(m)
		if slices.Contains(listed, m) {
			assert.NoError(t, err, "listed %q but the call is refused", m)
		} else {
			denied(t, err)
		}
	}
}

func TestDiscoveryOpenAI(t *testing.T) {
	ctx := context.Background()
	e := startDiscovery(t)
	client := func(base, key string) openai.Client {
		return openai.NewClient(option.WithBaseURL(e.url+base), option.WithAPIKey(key),
			option.WithHTTPClient(e.client), option.WithMaxRetries(0))
	}
	groups := []string{"claude-opus-4-7", "claude-haiku-4-5", "claude-sonnet-4-5", "claude-3-5-haiku", "claude-3-7-sonnet",
		"claude-opus-4-1", "gpt-4o-mini", "gpt-4o", "gemini-2.5-flash", "gemini-2.0-flash", "gemini-2.5-pro", "nova-micro", "titan-text"}
	for _, tc := range []struct {
		name, base, key string
		candidates      []string
		want            []string
	}{
		{"unified restricted", "/v1", restrictedKey, groups,
			[]string{"claude-haiku-4-5", "claude-sonnet-4-5", "claude-3-5-haiku", "claude-3-7-sonnet", "gpt-4o-mini", "gemini-2.5-flash", "gemini-2.0-flash", "nova-micro"}},
		{"unified allowed", "/v1", allowedKey, groups, groups},
		// The passthrough forwards the ID to OpenAI: only OpenAI IDs.
		{"/openai restricted", "/openai/v1", restrictedKey, []string{"gpt-4o-mini", "gpt-4o"}, []string{"gpt-4o-mini"}},
		{"/openai allowed", "/openai/v1", allowedKey, []string{"gpt-4o-mini", "gpt-4o"}, []string{"gpt-4o-mini", "gpt-4o"}},
		// Gemini's OpenAI-compatible surface: OpenAI's shape, Gemini IDs.
		{"/gemini openai-compatible restricted", "/gemini/v1beta/openai", restrictedKey,
			[]string{"gemini-2.5-flash", "gemini-2.0-flash", "gemini-2.5-pro"}, []string{"gemini-2.5-flash", "gemini-2.0-flash"}},
		{"/gemini openai-compatible allowed", "/gemini/v1beta/openai", allowedKey,
			[]string{"gemini-2.5-flash", "gemini-2.0-flash", "gemini-2.5-pro"}, []string{"gemini-2.5-flash", "gemini-2.0-flash", "gemini-2.5-pro"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client(tc.base, tc.key)
			got := listed(t, e, func() []string {
				ids := []string{}
				iter := c.Models.ListAutoPaging(ctx)
				for iter.Next() {
					assert.Equal(t, "model", string(iter.Current().Object))
					ids = append(ids, iter.Current().ID)
				}
				require.NoError(t, iter.Err())
				return ids
			})
			assert.Equal(t, tc.want, got)
			callable(t, e, tc.candidates, got, func(model string) error {
				_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
					Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
				})
				return err
			}, requireOpenAIDenied)
		})
	}

	t.Run("Get", func(t *testing.T) {
		c := client("/v1", restrictedKey)
		e.mocks.Reset()
		m, err := c.Models.Get(ctx, "gpt-4o-mini")
		require.NoError(t, err)
		assert.Equal(t, "gpt-4o-mini", m.ID)
		for _, forbidden := range []string{"gpt-4o", "claude-opus-4-7"} {
			_, err = c.Models.Get(ctx, forbidden)
			var oe *openai.Error
			require.True(t, errors.As(err, &oe), "want *openai.Error, got %T: %v", err, err)
			assert.Equal(t, http.StatusNotFound, oe.StatusCode)
			assert.Equal(t, "model_not_found", oe.Code)
			assert.Equal(t, "invalid_request_error", oe.Type)
		}
		require.Zero(t, e.mocks.Total())
	})
}

func TestDiscoveryAnthropic(t *testing.T) {
	ctx := context.Background()
	e := startDiscovery(t)
	client := func(base, key string) anthropic.Client {
		return anthropic.NewClient(anthropicoption.WithBaseURL(e.url+base), anthropicoption.WithAPIKey(key),
			anthropicoption.WithHTTPClient(e.client), anthropicoption.WithMaxRetries(0))
	}
	list := func(c anthropic.Client, limit int64) []string {
		ids := []string{}
		// A small limit makes the SDK follow has_more and last_id.
		iter := c.Models.ListAutoPaging(ctx, anthropic.ModelListParams{Limit: anthropic.Int(limit)})
		for iter.Next() {
			ids = append(ids, iter.Current().ID)
		}
		require.NoError(t, iter.Err())
		return ids
	}
	anthropicIDs := []string{"claude-sonnet-4-5", "claude-3-5-haiku-20241022", "claude-3-7-sonnet-20250219", "claude-opus-4-1"}
	for _, tc := range []struct {
		name, key string
		want      []string
		// A model served only on Bedrock, which the key may also not
		// name on the passthrough ("" when "*" lets it name anything:
		// a listing shows what the configuration deploys).
		bedrockOnly string
	}{
		// claude-opus-4-7 and claude-haiku-4-5 are served only on
		// Bedrock: an Anthropic passthrough call cannot reach them.
		{"passthrough restricted", restrictedKey, anthropicIDs[:3], "claude-haiku-4-5"},
		{"passthrough allowed", allowedKey, anthropicIDs, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client("/anthropic", tc.key)
			got := listed(t, e, func() []string { return list(c, 2) })
			assert.Equal(t, tc.want, got)
			candidates := slices.Clone(anthropicIDs)
			if tc.bedrockOnly != "" {
				candidates = append(candidates, tc.bedrockOnly)
			}
			callable(t, e, candidates, got, func(model string) error {
				_, err := c.Messages.New(ctx, anthropic.MessageNewParams{
					Model: anthropic.Model(model), MaxTokens: 16,
					Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
				})
				return err
			}, func(t *testing.T, err error) { requireAnthropicDenied(t, err, "permission_error") })
		})
	}

	t.Run("paging backwards", func(t *testing.T) {
		c := client("/anthropic", allowedKey)
		page, err := c.Models.List(ctx, anthropic.ModelListParams{Limit: anthropic.Int(2), BeforeID: anthropic.String("claude-opus-4-1")})
		require.NoError(t, err)
		ids := []string{}
		for _, m := range page.Data {
			ids = append(ids, m.ID)
		}
		assert.Equal(t, []string{"claude-3-5-haiku-20241022", "claude-3-7-sonnet-20250219"}, ids)
		assert.True(t, page.HasMore)
		assert.Equal(t, "claude-3-5-haiku-20241022", page.FirstID)
	})

	t.Run("unprefixed /v1/models is Anthropic-shaped for the Anthropic SDK", func(t *testing.T) {
		// As Claude Code's gateway model discovery asks it: the unified
		// names the key may call.
		c := client("", restrictedKey)
		got := listed(t, e, func() []string { return list(c, 1000) })
		assert.Equal(t, []string{"claude-haiku-4-5", "claude-sonnet-4-5", "claude-3-5-haiku", "claude-3-7-sonnet", "gpt-4o-mini", "gemini-2.5-flash", "gemini-2.0-flash", "nova-micro"}, got)
	})

	t.Run("Get", func(t *testing.T) {
		e.mocks.Reset()
		c := client("/anthropic", restrictedKey)
		m, err := c.Models.Get(ctx, "claude-sonnet-4-5", anthropic.ModelGetParams{})
		require.NoError(t, err)
		assert.Equal(t, "claude-sonnet-4-5", m.ID)
		assert.Equal(t, "claude-sonnet-4-5", m.DisplayName)
		for _, tc := range []struct{ base, model string }{
			{"/anthropic", "claude-opus-4-1"}, // not allowed
			{"/anthropic", "claude-opus-4-7"}, // not an Anthropic deployment
			{"", "gpt-4o"},                    // unified, not allowed
		} {
			c := client(tc.base, restrictedKey)
			_, err = c.Models.Get(ctx, tc.model, anthropic.ModelGetParams{})
			var ae *anthropic.Error
			require.True(t, errors.As(err, &ae), "want *anthropic.Error, got %T: %v", err, err)
			assert.Equal(t, http.StatusNotFound, ae.StatusCode, tc.model)
			assert.Equal(t, "not_found_error", string(ae.Type()), tc.model)
		}
		require.Zero(t, e.mocks.Total())
	})
}

func TestDiscoveryGenai(t *testing.T) {
	ctx := context.Background()
	e := startDiscovery(t)
	client := func(base, version, key string) *genai.Client {
		c, err := genai.NewClient(ctx, &genai.ClientConfig{
			Backend: genai.BackendGeminiAPI, APIKey: key, HTTPClient: e.client,
			HTTPOptions: genai.HTTPOptions{BaseURL: e.url + base, APIVersion: version},
		})
		require.NoError(t, err)
		return c
	}
	candidates := []string{"gemini-2.5-flash", "gemini-2.0-flash", "gemini-2.5-pro"}
	for _, tc := range []struct {
		name, base, version, key string
		want                     []string
	}{
		{"/gemini restricted", "/gemini/", "", restrictedKey, []string{"gemini-2.5-flash", "gemini-2.0-flash"}},
		{"unprefixed restricted", "/", "", restrictedKey, []string{"gemini-2.5-flash", "gemini-2.0-flash"}},
		// GET /v1/models, which OpenAI's and Anthropic's clients share:
		// genai's headers make it the Gemini API's listing.
		{"unprefixed v1 restricted", "/", "v1", restrictedKey, []string{"gemini-2.5-flash", "gemini-2.0-flash"}},
		{"/gemini allowed", "/gemini/", "", allowedKey, candidates},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client(tc.base, tc.version, tc.key)
			got := listed(t, e, func() []string {
				ids := []string{}
				// One model per page: the SDK follows nextPageToken.
				page, err := c.Models.List(ctx, &genai.ListModelsConfig{PageSize: 1})
				for ; err == nil; page, err = page.Next(ctx) {
					for _, m := range page.Items {
						ids = append(ids, strings.TrimPrefix(m.Name, "models/"))
					}
				}
				require.ErrorIs(t, err, genai.ErrPageDone)
				return ids
			})
			assert.Equal(t, tc.want, got)
			callable(t, e, candidates, got, func(model string) error {
				_, err := c.Models.GenerateContent(ctx, model, genai.Text("hi"), nil)
				return err
			}, func(t *testing.T, err error) { requireGenaiStatus(t, err, http.StatusForbidden, "PERMISSION_DENIED") })
		})
	}

	t.Run("Get", func(t *testing.T) {
		e.mocks.Reset()
		c := client("/gemini/", "", restrictedKey)
		m, err := c.Models.Get(ctx, "gemini-2.5-flash", nil)
		require.NoError(t, err)
		assert.Equal(t, "models/gemini-2.5-flash", m.Name)
		_, err = c.Models.Get(ctx, "gemini-2.5-pro", nil)
		requireGenaiStatus(t, err, http.StatusNotFound, "NOT_FOUND")
		require.Zero(t, e.mocks.Total())
	})
}

func requireGenaiStatus(t *testing.T, err error, code int, status string) {
	t.Helper()
	var ae genai.APIError
	require.True(t, errors.As(err, &ae), "want genai.APIError, got %T: %v", err, err)
	assert.Equal(t, code, ae.Code)
	assert.Equal(t, status, ae.Status)
}

func TestDiscoveryBedrockControlPlane(t *testing.T) {
	ctx := context.Background()
	e := startDiscovery(t)
	const (
		opusProfile  = "global.anthropic.claude-opus-4-7"
		opusApp      = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/opus47prof01"
		haikuProfile = "us.anthropic.claude-haiku-4-5"
		haikuApp     = "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/haikuprof001"
	)
	control := func(key string) *bedrock.Client {
		return bedrock.New(bedrock.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(e.url + "/bedrock"), HTTPClient: e.client, RetryMaxAttempts: 1,
			BearerAuthTokenProvider: bearer.StaticTokenProvider{Token: bearer.Token{Value: key}},
			AuthSchemePreference:    []string{"httpBearerAuth"},
		})
	}
	profiles := func(c *bedrock.Client, typ bedrocktypes.InferenceProfileType) []string {
		ids := []string{}
		// One profile per page: the paginator follows nextToken.
		p := bedrock.NewListInferenceProfilesPaginator(c, &bedrock.ListInferenceProfilesInput{TypeEquals: typ, MaxResults: aws.Int32(1)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			require.NoError(t, err)
			for _, s := range out.InferenceProfileSummaries {
				id := aws.ToString(s.InferenceProfileId)
				if s.Type == bedrocktypes.InferenceProfileTypeApplication {
					id = aws.ToString(s.InferenceProfileArn)
				}
				ids = append(ids, id)
			}
		}
		return ids
	}
	foundation := func(c *bedrock.Client) []string {
		out, err := c.ListFoundationModels(ctx, &bedrock.ListFoundationModelsInput{})
		require.NoError(t, err)
		ids := []string{}
		for _, m := range out.ModelSummaries {
			ids = append(ids, aws.ToString(m.ModelId))
		}
		return ids
	}
	runtime := func(key string) *bedrockruntime.Client {
		return bedrockClient(e, "bearer", key, "")
	}
	converse := func(c *bedrockruntime.Client) func(model string) error {
		return func(model string) error {
			_, err := c.Converse(ctx, &bedrockruntime.ConverseInput{
				ModelId:  aws.String(model),
				Messages: []runtimetypes.Message{{Role: runtimetypes.ConversationRoleUser, Content: []runtimetypes.ContentBlock{&runtimetypes.ContentBlockMemberText{Value: "hi"}}}},
			})
			return err
		}
	}
	allProfiles := []string{opusProfile, opusApp, haikuProfile, haikuApp}
	allFoundation := []string{"amazon.nova-micro-v1:0", "amazon.titan-text-express-v1"}
	for _, tc := range []struct {
		name, key               string
		system, app, foundation []string
	}{
		{"restricted", restrictedKey, []string{haikuProfile}, []string{haikuApp}, []string{"amazon.nova-micro-v1:0"}},
		{"allowed", allowedKey, []string{opusProfile, haikuProfile}, []string{opusApp, haikuApp}, allFoundation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := control(tc.key)
			assert.Equal(t, tc.system, listed(t, e, func() []string { return profiles(c, bedrocktypes.InferenceProfileTypeSystemDefined) }))
			assert.Equal(t, tc.app, listed(t, e, func() []string { return profiles(c, bedrocktypes.InferenceProfileTypeApplication) }))
			both := listed(t, e, func() []string { return profiles(c, "") })
			assert.ElementsMatch(t, append(slices.Clone(tc.system), tc.app...), both)
			fms := listed(t, e, func() []string { return foundation(c) })
			assert.Equal(t, tc.foundation, fms)

			callable(t, e, append(slices.Clone(allProfiles), allFoundation...), append(both, fms...), converse(runtime(tc.key)), requireAccessDenied)
		})
	}

	t.Run("GetInferenceProfile names the model behind an application profile", func(t *testing.T) {
		e.mocks.Reset()
		c := control(restrictedKey)
		for _, ident := range []string{"haikuprof001", haikuApp} {
			out, err := c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String(ident)})
			require.NoError(t, err, ident)
			assert.Equal(t, bedrocktypes.InferenceProfileTypeApplication, out.Type)
			assert.Equal(t, haikuApp, aws.ToString(out.InferenceProfileArn))
			require.Len(t, out.Models, 1)
			// The deployment's model beside the ARN, in the profile's Region.
			assert.Equal(t, "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-haiku-4-5", aws.ToString(out.Models[0].ModelArn))
		}
		out, err := c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String(haikuProfile)})
		require.NoError(t, err)
		assert.Equal(t, bedrocktypes.InferenceProfileTypeSystemDefined, out.Type)
		require.Len(t, out.Models, 1)
		assert.True(t, strings.HasSuffix(aws.ToString(out.Models[0].ModelArn), ":foundation-model/anthropic.claude-haiku-4-5"))

		fm, err := c.GetFoundationModel(ctx, &bedrock.GetFoundationModelInput{ModelIdentifier: aws.String("amazon.nova-micro-v1:0")})
		require.NoError(t, err)
		assert.Equal(t, "amazon.nova-micro-v1:0", aws.ToString(fm.ModelDetails.ModelId))
		require.Zero(t, e.mocks.Total())
	})

	t.Run("Get of what the key may not call is AccessDeniedException", func(t *testing.T) {
		e.mocks.Reset()
		c := control(restrictedKey)
		for _, ident := range []string{opusProfile, opusApp, "opus47prof01"} {
			_, err := c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String(ident)})
			requireControlAccessDenied(t, err)
		}
		_, err := c.GetFoundationModel(ctx, &bedrock.GetFoundationModelInput{ModelIdentifier: aws.String("amazon.titan-text-express-v1")})
		requireControlAccessDenied(t, err)
		require.Zero(t, e.mocks.Total())
	})
}

// requireControlAccessDenied checks for the control plane's typed error,
// worded as AWS words it, which clients such as Claude Code treat as final.
func requireControlAccessDenied(t *testing.T, err error) {
	t.Helper()
	var ade *bedrocktypes.AccessDeniedException
	require.True(t, errors.As(err, &ade), "want *types.AccessDeniedException, got %T: %v", err, err)
	assert.True(t, strings.HasPrefix(ade.ErrorMessage(), "You don't have access to the model with the specified model ID."), ade.ErrorMessage())
	assert.NotContains(t, ade.ErrorMessage(), "sk-")
}
