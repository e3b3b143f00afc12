package conformance_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/azure"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/stretchr/testify/require"
)

func requireOpenAIDenied(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	var oe *openai.Error
	require.True(t, errors.As(err, &oe), "want *openai.Error, got %T: %v", err, err)
	require.Equal(t, http.StatusForbidden, oe.StatusCode)
	require.Equal(t, "key_model_access_denied", oe.Type)
	require.Equal(t, "model", oe.Param)
}

// openAIClients are the OpenAI SDK pointed at the gateway in each way a
// client can reach the openai upstream: the unified /v1 routes, the
// /openai prefix, the Azure option through the /azure prefix (azure
// upstream), and the Azure option against the gateway root, which sends
// LiteLLM's unified /openai/deployments/{d}/... routes (openai upstream).
func openAIClients(e *env, key string) []struct {
	name, upstream string
	azure          bool
	client         openai.Client
} {
	common := []option.RequestOption{option.WithHTTPClient(e.client), option.WithMaxRetries(0)}
	mk := func(opts ...option.RequestOption) openai.Client {
		return openai.NewClient(append(append([]option.RequestOption{}, common...), opts...)...)
	}
	return []struct {
		name, upstream string
		azure          bool
		client         openai.Client
	}{
		{"unified /v1", "openai", false, mk(option.WithBaseURL(e.url+"/v1"), option.WithAPIKey(key))},
		{"/openai prefix", "openai", false, mk(option.WithBaseURL(e.url+"/openai/v1"), option.WithAPIKey(key))},
		{"azure option /azure", "azure", true, mk(azure.WithEndpoint(e.url+"/azure", "2024-10-21"), azure.WithAPIKey(key))},
		{"azure option /openai/deployments", "openai", true, mk(azure.WithEndpoint(e.url, "2024-10-21"), azure.WithAPIKey(key))},
	}
}

func TestOpenAISDK(t *testing.T) {
	ctx := context.Background()
	type call struct {
		name  string
		model string // for Azure clients: the deployment
		azure bool   // the Azure option supports this call
		run   func(t *testing.T, c openai.Client, model string) error
	}
	calls := []call{
		{"Chat.Completions.New", "gpt-4o", true, func(t *testing.T, c openai.Client, model string) error {
			res, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
				Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
			})
			if err == nil {
				require.Equal(t, "hello from "+model, res.Choices[0].Message.Content)
			}
			return err
		}},
		{"Chat.Completions.NewStreaming", "gpt-4o", true, func(t *testing.T, c openai.Client, model string) error {
			stream := c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
				Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
			})
			defer func() { _ = stream.Close() }()
			var text strings.Builder
			n := 0
			for stream.Next() {
				n++
				if ch := stream.Current().Choices; len(ch) > 0 {
					text.WriteString(ch[0].Delta.Content)
				}
			}
			if err := stream.Err(); err != nil {
				return err
			}
			require.Equal(t, 3, n, "chunks")
			require.Equal(t, "hello from "+model, text.String())
			return nil
		}},
		{"Responses.New", "gpt-4o", false, func(t *testing.T, c openai.Client, model string) error {
			res, err := c.Responses.New(ctx, responses.ResponseNewParams{
				Model: model, Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")},
			})
			if err == nil {
				require.Equal(t, "hello from "+model, res.OutputText())
			}
			return err
		}},
		{"Responses.NewStreaming", "gpt-4o", false, func(t *testing.T, c openai.Client, model string) error {
			stream := c.Responses.NewStreaming(ctx, responses.ResponseNewParams{
				Model: model, Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")},
			})
			defer func() { _ = stream.Close() }()
			var types []string
			var text strings.Builder
			for stream.Next() {
				ev := stream.Current()
				types = append(types, ev.Type)
				if ev.Type == "response.output_text.delta" {
					text.WriteString(ev.Delta)
				}
			}
			if err := stream.Err(); err != nil {
				return err
			}
			require.Equal(t, []string{"response.created", "response.output_text.delta", "response.output_text.delta", "response.completed"}, types)
			require.Equal(t, "hello from "+model, text.String())
			return nil
		}},
		{"Embeddings.New", "text-embedding-3-large", true, func(t *testing.T, c openai.Client, model string) error {
			res, err := c.Embeddings.New(ctx, openai.EmbeddingNewParams{
				Model: model, Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("hi")},
				EncodingFormat: openai.EmbeddingNewParamsEncodingFormatFloat,
			})
			if err == nil {
				require.Equal(t, []float64{0.25, 0.5}, res.Data[0].Embedding)
			}
			return err
		}},
		{"Audio.Transcriptions.New (multipart)", "whisper-1", true, func(t *testing.T, c openai.Client, model string) error {
			res, err := c.Audio.Transcriptions.New(ctx, openai.AudioTranscriptionNewParams{
				Model: model,
				File:  openai.File(bytes.NewReader([]byte("RIFF....WAVEfmt fake audio")), "hello.wav", "audio/wav"),
			})
			if err == nil {
				require.Equal(t, "hello from "+model, res.Text)
			}
			return err
		}},
	}
	for _, k := range keys {
		for _, c := range openAIClients(shared, k.key) {
			for _, call := range calls {
				if c.azure && !call.azure {
					continue
				}
				model := call.model
				if c.azure {
					// Azure routes name a deployment, not a model.
					model = strings.ReplaceAll(model, ".", "") + "-deployment"
				}
				t.Run(k.name+"/"+c.name+"/"+call.name, func(t *testing.T) {
					e := start(t)
					err := call.run(t, c.client, model)
					if !k.allowed {
						requireOpenAIDenied(t, err)
						e.expect(t, false, "", "")
						return
					}
					require.NoError(t, err)
					e.expect(t, true, c.upstream, model)
					if c.azure {
						got := e.upstream(c.upstream)[0]
						require.Contains(t, got.RawQuery, "api-version=2024-10-21")
					}
				})
			}
		}
	}
}
