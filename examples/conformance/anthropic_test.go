package conformance_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/bedrock"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/anthropics/anthropic-sdk-go/v2/vertex"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// anthropicClients builds the three ways the Anthropic SDK reaches a
// model, each pointed at the gateway, and says which upstream each must
// reach and which model it must name there.
func anthropicClients(e *env, key, akid string) []struct {
	name, upstream, model string
	client                anthropic.Client
} {
	ctx := context.Background()
	// The bedrock and vertex options rewrite /v1/messages to the
	// provider's path only when it is the whole path, so they talk to the
	// gateway's root, where the unprefixed Bedrock (/model/...) and Vertex
	// (/v1/projects/...) routes are served.
	bedrockCfg := aws.Config{
		Region:                  "us-east-1",
		BearerAuthTokenProvider: bedrock.NewStaticBearerTokenProvider(key),
		AuthSchemePreference:    []string{"httpBearerAuth"},
	}
	sigv4Cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(akid, awsSecret[akid], ""),
	}
	creds := &google.Credentials{
		ProjectID:   "demo-project",
		TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: key, TokenType: "Bearer"}),
	}
	return []struct {
		name, upstream, model string
		client                anthropic.Client
	}{
		{"direct", "anthropic", "claude-opus-4-7", anthropic.NewClient(
			option.WithBaseURL(e.url+"/anthropic"), option.WithAPIKey(key),
			option.WithHTTPClient(e.client), option.WithMaxRetries(0),
		)},
		{"bedrock option", "bedrock", opusBedrock, anthropic.NewClient(
			option.WithHTTPClient(e.client), option.WithMaxRetries(0),
			bedrock.WithConfig(bedrockCfg), option.WithBaseURL(e.url),
		)},
		{"bedrock option sigv4", "bedrock", opusBedrock, anthropic.NewClient(
			option.WithHTTPClient(e.client), option.WithMaxRetries(0),
			bedrock.WithConfig(sigv4Cfg), option.WithBaseURL(e.url),
		)},
		{"vertex option", "vertex", "claude-opus-4-7", anthropic.NewClient(
			option.WithHTTPClient(e.client), option.WithMaxRetries(0),
			vertex.WithCredentials(ctx, "us-east5", "demo-project", creds), option.WithBaseURL(e.url),
		)},
	}
}

func requireAnthropicDenied(t *testing.T, err error, wantType string) {
	t.Helper()
	require.Error(t, err)
	var ae *anthropic.Error
	require.True(t, errors.As(err, &ae), "want *anthropic.Error, got %T: %v", err, err)
	require.Equal(t, http.StatusForbidden, ae.StatusCode)
	if wantType != "" {
		require.Equal(t, wantType, string(ae.Type()))
	}
}

func TestAnthropicSDK(t *testing.T) {
	ctx := context.Background()
	params := func(model string) anthropic.MessageNewParams {
		return anthropic.MessageNewParams{
			Model:     anthropic.Model(model),
			MaxTokens: 16,
			Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
		}
	}
	for _, k := range keys {
		for _, c := range anthropicClients(shared, k.key, k.akid) {
			// Only the first-party API speaks Anthropic's error dialect;
			// Bedrock and Vertex deny in theirs, which the SDK still
			// surfaces as *anthropic.Error with the status.
			wantType := ""
			if c.upstream == "anthropic" {
				wantType = "permission_error"
			}
			t.Run(k.name+"/"+c.name+"/Messages.New", func(t *testing.T) {
				e := start(t)
				msg, err := c.client.Messages.New(ctx, params(c.model))
				if !k.allowed {
					requireAnthropicDenied(t, err, wantType)
					e.expect(t, false, "", "")
					return
				}
				require.NoError(t, err)
				require.Equal(t, "hello from "+c.model, msg.Content[0].Text)
				e.expect(t, true, c.upstream, c.model)
			})
			t.Run(k.name+"/"+c.name+"/Messages.NewStreaming", func(t *testing.T) {
				e := start(t)
				stream := c.client.Messages.NewStreaming(ctx, params(c.model))
				defer func() { _ = stream.Close() }()
				var text strings.Builder
				var events []string
				for stream.Next() {
					ev := stream.Current()
					events = append(events, ev.Type)
					if ev.Type == "content_block_delta" {
						text.WriteString(ev.Delta.Text)
					}
				}
				if !k.allowed {
					requireAnthropicDenied(t, stream.Err(), wantType)
					e.expect(t, false, "", "")
					return
				}
				require.NoError(t, stream.Err())
				require.Equal(t, []string{
					"message_start", "content_block_start", "content_block_delta", "content_block_delta",
					"content_block_stop", "message_delta", "message_stop",
				}, events)
				require.Equal(t, "hello from "+c.model, text.String())
				e.expect(t, true, c.upstream, c.model)
			})
		}
		// Count tokens: the first-party route names the model in the body;
		// the vertex option sends it to models/count-tokens:rawPredict,
		// where too the model is only in the body.
		for _, i := range []int{0, 3} {
			c := anthropicClients(shared, k.key, k.akid)[i]
			wantType := ""
			if c.upstream == "anthropic" {
				wantType = "permission_error"
			}
			t.Run(k.name+"/"+c.name+"/Messages.CountTokens", func(t *testing.T) {
				e := start(t)
				res, err := c.client.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{
					Model:    anthropic.Model(c.model),
					Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
				})
				if !k.allowed {
					requireAnthropicDenied(t, err, wantType)
					e.expect(t, false, "", "")
					return
				}
				require.NoError(t, err)
				require.Equal(t, int64(3), res.InputTokens)
				e.expect(t, true, c.upstream, c.model)
			})
		}
	}
}
