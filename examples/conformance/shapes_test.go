//lint:file-ignore SA1019 the Assistants and Videos APIs are deprecated upstream but clients still send them; these tests pin what the SDK sends and how the gateway decides it

package conformance_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/bedrock"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/realtime"
	"github.com/openai/openai-go/v3/responses"
	"github.com/stretchr/testify/require"
	"google.golang.org/genai"
)

// The request shapes added for real SDKs (issue 9 item 4), each driven by
// the official SDK that sends it: the allowed key reaches the right
// upstream with the path the SDK built, the restricted key gets the
// dialect's permission error and nothing is forwarded. An upstream answer
// the fake cannot give (404) is fine for the allowed key: what is checked
// is what reached it.

// TestGenaiVertexModelsName: genai in Vertex mode with a "models/..." name
// sends projects/{p}/locations/{l}/models/{m}:verb, without publishers/.
func TestGenaiVertexModelsName(t *testing.T) {
	ctx := context.Background()
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			var vertex *genai.Client
			for _, c := range genaiClients(t, shared, k.key) {
				if c.upstream == "vertex" {
					vertex = c.client
				}
			}
			require.NotNil(t, vertex)
			e := start(t)
			_, err := vertex.Models.GenerateContent(ctx, "models/gemini-2.5-pro", genai.Text("hi"), nil)
			if !k.allowed {
				requireGoogleDenied(t, err)
				e.expect(t, false, "", "")
				return
			}
			reqs := e.upstream("vertex")
			require.Len(t, reqs, 1, "err %v", err)
			require.Equal(t, "/v1beta1/projects/demo-project/locations/us-central1/models/gemini-2.5-pro:generateContent", reqs[0].RawPath)
		})
	}
}

// TestOpenAIBedrockRuntime: openai-go's bedrock option with the Runtime
// endpoint (bedrock/auth.go) sends /openai/v1/chat/completions and
// /openai/v1/responses; under the gateway's /bedrock prefix they are
// Bedrock routes whose body model is a Bedrock ID, refused in the OpenAI
// shape the SDK parses.
func TestOpenAIBedrockRuntime(t *testing.T) {
	ctx := context.Background()
	for _, k := range keys {
		client, err := bedrock.NewClient(ctx, bedrock.Config{
			Endpoint:  bedrock.EndpointRuntime,
			APIKey:    k.key,
			AWSRegion: "us-east-1",
			BaseURL:   shared.url + "/bedrock/openai/v1",
		}, option.WithHTTPClient(shared.client), option.WithMaxRetries(0))
		require.NoError(t, err)
		calls := map[string]func() error{
			"Chat.Completions.New": func() error {
				_, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
					Model: opusBedrock, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
				})
				return err
			},
			"Responses.New": func() error {
				_, err := client.Responses.New(ctx, responses.ResponseNewParams{
					Model: opusBedrock, Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")},
				})
				return err
			},
		}
		for name, call := range calls {
			t.Run(k.name+"/"+name, func(t *testing.T) {
				e := start(t)
				err := call()
				if !k.allowed {
					requireOpenAIDenied(t, err)
					e.expect(t, false, "", "")
					return
				}
				require.NoError(t, err)
				e.expect(t, true, "bedrock", opusBedrock)
				require.True(t, strings.HasPrefix(e.upstream("bedrock")[0].RawPath, "/openai/v1/"), e.upstream("bedrock")[0].RawPath)
			})
		}
	}
}

// TestOpenAIOptionalModelShapes: realtime client secrets (the model is
// session.model), Assistants runs and videos (multipart), as openai-go
// sends them.
func TestOpenAIOptionalModelShapes(t *testing.T) {
	ctx := context.Background()
	const model = "gpt-4o" // outside common-models
	calls := map[string]func(c openai.Client) error{
		"Realtime.ClientSecrets.New": func(c openai.Client) error {
			_, err := c.Realtime.ClientSecrets.New(ctx, realtime.ClientSecretNewParams{
				Session: realtime.ClientSecretNewParamsSessionUnion{OfRealtime: &realtime.RealtimeSessionCreateRequestParam{
					Model: realtime.RealtimeSessionCreateRequestModel(model),
				}},
			})
			return err
		},
		"Realtime.Calls.New (multipart offer)": func(c openai.Client) error {
			res, err := c.Realtime.Calls.New(ctx, realtime.CallNewParams{
				Sdp: "v=0\r\n",
				Session: realtime.RealtimeSessionCreateRequestParam{
					Model: realtime.RealtimeSessionCreateRequestModel(model),
				},
			})
			if res != nil {
				_ = res.Body.Close()
			}
			return err
		},
		"Beta.Threads.Runs.New": func(c openai.Client) error {
			_, err := c.Beta.Threads.Runs.New(ctx, "thread_abc", openai.BetaThreadRunNewParams{
				AssistantID: "asst_abc", Model: openai.ChatModel(model),
			})
			return err
		},
		"Beta.Threads.NewAndRun": func(c openai.Client) error {
			_, err := c.Beta.Threads.NewAndRun(ctx, openai.BetaThreadNewAndRunParams{
				AssistantID: "asst_abc", Model: openai.ChatModel(model),
			})
			return err
		},
		"Videos.New (multipart)": func(c openai.Client) error {
			_, err := c.Videos.New(ctx, openai.VideoNewParams{Prompt: "a cat", Model: openai.VideoModel(model)})
			return err
		},
	}
	for _, k := range keys {
		c := openai.NewClient(option.WithHTTPClient(shared.client), option.WithMaxRetries(0),
			option.WithBaseURL(shared.url+"/v1"), option.WithAPIKey(k.key))
		for name, call := range calls {
			t.Run(k.name+"/"+name, func(t *testing.T) {
				e := start(t)
				err := call(c)
				if !k.allowed {
					requireOpenAIDenied(t, err)
					e.expect(t, false, "", "")
					return
				}
				reqs := e.upstream("openai")
				require.Len(t, reqs, 1, "err %v", err)
				require.True(t, bytes.Contains(reqs[0].Body, []byte(model)), "the upstream received the authorized model: %s", reqs[0].Body)
			})
		}
	}
}

// TestOpenAIRunWithoutModel: a run that names no model would use the
// assistant's, which no policy can see: refused for every key (the gateway
// configures no default), with a message saying why, and never forwarded.
func TestOpenAIRunWithoutModel(t *testing.T) {
	ctx := context.Background()
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			e := start(t)
			c := openai.NewClient(option.WithHTTPClient(shared.client), option.WithMaxRetries(0),
				option.WithBaseURL(shared.url+"/v1"), option.WithAPIKey(k.key))
			_, err := c.Beta.Threads.Runs.New(ctx, "thread_abc", openai.BetaThreadRunNewParams{AssistantID: "asst_abc"})
			var oe *openai.Error
			require.ErrorAs(t, err, &oe)
			require.Equal(t, 400, oe.StatusCode)
			require.Contains(t, oe.Message, "name the model")
			require.Zero(t, e.mocks.Total(), "a run naming no model reached an upstream")
		})
	}
}
