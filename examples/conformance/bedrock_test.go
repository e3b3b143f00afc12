package conformance_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go/auth/bearer"
	"github.com/stretchr/testify/require"
)

const (
	opusBedrock = "global.anthropic.claude-opus-4-7"
	profileARN  = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/opus47prof01"
	invokeBody  = `{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`
)

// bedrockClient returns a bedrockruntime client pointed at the gateway's
// /bedrock prefix, authenticating with a Bedrock API key (bearer, as
// AWS_BEARER_TOKEN_BEDROCK does) or with SigV4 under an access key ID.
func bedrockClient(e *env, auth string, key, akid string) *bedrockruntime.Client {
	return bedrockruntime.New(bedrockruntime.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(e.url + "/bedrock"),
		HTTPClient:       e.client,
		RetryMaxAttempts: 1,
	}, func(o *bedrockruntime.Options) {
		switch auth {
		case "bearer":
			o.BearerAuthTokenProvider = bearer.StaticTokenProvider{Token: bearer.Token{Value: key}}
			o.AuthSchemePreference = []string{"httpBearerAuth"}
		case "sigv4":
			o.Credentials = credentials.NewStaticCredentialsProvider(akid, awsSecret[akid], "")
		}
	})
}

// requireAccessDenied checks that the SDK surfaced Bedrock's own typed
// permission error.
func requireAccessDenied(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	var ade *types.AccessDeniedException
	require.True(t, errors.As(err, &ade), "want *types.AccessDeniedException, got %T: %v", err, err)
	require.NotEmpty(t, ade.ErrorMessage())
	require.NotContains(t, ade.ErrorMessage(), "sk-", "deny message must not echo a key")
}

func TestBedrockRuntime(t *testing.T) {
	ctx := context.Background()
	type call func(t *testing.T, c *bedrockruntime.Client, model string) error
	calls := []struct {
		name  string
		model string
		call  call
	}{
		{"InvokeModel", opusBedrock, func(t *testing.T, c *bedrockruntime.Client, model string) error {
			out, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
				ModelId: aws.String(model), Body: []byte(invokeBody),
				ContentType: aws.String("application/json"), Accept: aws.String("application/json"),
			})
			if err == nil {
				require.Contains(t, string(out.Body), "hello from")
			}
			return err
		}},
		{"InvokeModel application inference profile ARN", profileARN, func(t *testing.T, c *bedrockruntime.Client, model string) error {
			_, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
				ModelId: aws.String(model), Body: []byte(invokeBody), ContentType: aws.String("application/json"),
			})
			return err
		}},
		{"InvokeModel base model ID", "anthropic.claude-opus-4-7", func(t *testing.T, c *bedrockruntime.Client, model string) error {
			_, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
				ModelId: aws.String(model), Body: []byte(invokeBody), ContentType: aws.String("application/json"),
			})
			return err
		}},
		{"Converse inference profile ARN", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/" + opusBedrock, func(t *testing.T, c *bedrockruntime.Client, model string) error {
			_, err := c.Converse(ctx, &bedrockruntime.ConverseInput{
				ModelId:  aws.String(model),
				Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}},
			})
			return err
		}},
		{"InvokeModelWithResponseStream", opusBedrock, func(t *testing.T, c *bedrockruntime.Client, model string) error {
			out, err := c.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{
				ModelId: aws.String(model), Body: []byte(invokeBody), ContentType: aws.String("application/json"),
			})
			if err != nil {
				return err
			}
			stream := out.GetStream()
			defer func() { _ = stream.Close() }()
			var chunks []string
			for ev := range stream.Events() {
				chunk, ok := ev.(*types.ResponseStreamMemberChunk)
				require.True(t, ok, "unexpected event %T", ev)
				chunks = append(chunks, string(chunk.Value.Bytes))
			}
			require.NoError(t, stream.Err())
			require.Len(t, chunks, 7, "every Anthropic event of the stream arrives as its own chunk")
			require.Contains(t, chunks[0], "message_start")
			require.Contains(t, chunks[6], "message_stop")
			return nil
		}},
		{"Converse", opusBedrock, func(t *testing.T, c *bedrockruntime.Client, model string) error {
			out, err := c.Converse(ctx, &bedrockruntime.ConverseInput{
				ModelId:  aws.String(model),
				Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}},
			})
			if err != nil {
				return err
			}
			msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
			require.True(t, ok)
			require.Equal(t, "hello from "+model, msg.Value.Content[0].(*types.ContentBlockMemberText).Value)
			return nil
		}},
		{"ConverseStream", opusBedrock, func(t *testing.T, c *bedrockruntime.Client, model string) error {
			out, err := c.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{
				ModelId:  aws.String(model),
				Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}},
			})
			if err != nil {
				return err
			}
			stream := out.GetStream()
			defer func() { _ = stream.Close() }()
			var text strings.Builder
			var n int
			for ev := range stream.Events() {
				n++
				if d, ok := ev.(*types.ConverseStreamOutputMemberContentBlockDelta); ok {
					text.WriteString(d.Value.Delta.(*types.ContentBlockDeltaMemberText).Value)
				}
			}
			require.NoError(t, stream.Err())
			require.Equal(t, 6, n, "events of the stream")
			require.Equal(t, "hello from "+model, text.String())
			return nil
		}},
		{"CountTokens", opusBedrock, func(t *testing.T, c *bedrockruntime.Client, model string) error {
			out, err := c.CountTokens(ctx, &bedrockruntime.CountTokensInput{
				ModelId: aws.String(model),
				Input:   &types.CountTokensInputMemberInvokeModel{Value: types.InvokeModelTokensRequest{Body: []byte(invokeBody)}},
			})
			if err == nil {
				require.Equal(t, int32(3), aws.ToInt32(out.InputTokens))
			}
			return err
		}},
	}
	for _, auth := range []string{"bearer", "sigv4"} {
		for _, k := range keys {
			for _, c := range calls {
				t.Run(auth+"/"+k.name+"/"+c.name, func(t *testing.T) {
					e := start(t)
					err := c.call(t, bedrockClient(e, auth, k.key, k.akid), c.model)
					if !k.allowed {
						requireAccessDenied(t, err)
						e.expect(t, false, "", "")
						return
					}
					require.NoError(t, err)
					e.expect(t, true, "bedrock", c.model)
					// The client's own credentials never reach the upstream.
					got := e.upstream("bedrock")[0]
					require.Empty(t, got.Header.Get("Authorization"))
					require.Empty(t, got.Header.Get("X-Amz-Date"))
				})
			}
		}
	}
}
