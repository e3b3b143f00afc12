package conformance_test

import (
	"context"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/openai/openai-go/v3"
	"github.com/stretchr/testify/require"
	"google.golang.org/genai"
)

// The fix must not over-block: the restricted key still reaches the
// models of its access group, through every SDK, and the upstream sees
// the model the SDK asked for.
func TestRestrictedKeyKeepsItsModels(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, upstream, model string
		call                  func(t *testing.T, e *env, model string) error
	}{
		{"bedrockruntime bearer InvokeModel", "bedrock", "global.anthropic.claude-haiku-4-5", func(t *testing.T, e *env, model string) error {
			_, err := bedrockClient(e, "bearer", restrictedKey, restrictAKID).InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
				ModelId: aws.String(model), Body: []byte(invokeBody), ContentType: aws.String("application/json"),
			})
			return err
		}},
		{"bedrockruntime sigv4 Converse", "bedrock", "global.anthropic.claude-haiku-4-5", func(t *testing.T, e *env, model string) error {
			_, err := bedrockClient(e, "sigv4", restrictedKey, restrictAKID).Converse(ctx, &bedrockruntime.ConverseInput{
				ModelId:  aws.String(model),
				Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}},
			})
			return err
		}},
		{"anthropic direct by group name", "anthropic", "claude-haiku-4-5", func(t *testing.T, e *env, model string) error {
			c := anthropicClients(e, restrictedKey, restrictAKID)[0].client
			_, err := c.Messages.New(ctx, anthropic.MessageNewParams{
				Model: anthropic.Model(model), MaxTokens: 16,
				Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
			})
			return err
		}},
		{"openai chat", "openai", "gpt-4o-mini", func(t *testing.T, e *env, model string) error {
			c := openAIClients(e, restrictedKey)[0].client
			_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
				Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
			})
			return err
		}},
		{"genai gemini generate", "gemini", "gemini-2.5-flash", func(t *testing.T, e *env, model string) error {
			c := genaiClients(t, e, restrictedKey)[0].client
			_, err := c.Models.GenerateContent(ctx, model, genai.Text("hi"), nil)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := start(t)
			require.NoError(t, c.call(t, e, c.model))
			e.expect(t, true, c.upstream, c.model)
		})
	}
}

// A passthrough route forwards the model ID to that provider unchanged, so
// an access group that deploys a model on Bedrock only does not grant the
// same name on Anthropic's first-party API: the upstream there would serve
// a deployment nobody granted. The Bedrock route still reaches it.
func TestGroupModelOnAnotherProviderIsNotGranted(t *testing.T) {
	ctx := context.Background()
	const model = "claude-sonnet-4-5"
	t.Run("anthropic direct names a model its group serves on Bedrock only", func(t *testing.T) {
		e := start(t)
		c := anthropicClients(e, restrictedKey, restrictAKID)[0].client
		_, err := c.Messages.New(ctx, anthropic.MessageNewParams{
			Model: anthropic.Model(model), MaxTokens: 16,
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
		})
		requireAnthropicDenied(t, err, "permission_error")
		e.expect(t, false, "", "")
	})
	t.Run("bedrockruntime reaches the Bedrock deployment", func(t *testing.T) {
		e := start(t)
		_, err := bedrockClient(e, "bearer", restrictedKey, restrictAKID).InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
			ModelId: aws.String("global.anthropic." + model), Body: []byte(invokeBody), ContentType: aws.String("application/json"),
		})
		require.NoError(t, err)
		e.expect(t, true, "bedrock", "global.anthropic."+model)
	})
}
