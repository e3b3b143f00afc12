package conformance_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/realtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
	"github.com/modelgate/modelgate/examples/internal/gatewaytest"
)

const realtimeConfig = `
model_list:
  - {model_name: gpt-realtime, litellm_params: {model: openai/gpt-realtime}}
  - {model_name: whisper-1, litellm_params: {model: openai/whisper-1}}
keys:
  - {key: sk-allowed, models: [gpt-realtime, whisper-1]}
  - {key: sk-restricted, models: [gpt-realtime]}
`

// openai-go's realtime websocket client through the gateway: the session
// opens for an allowed ?model=, a session.update naming models the key may
// call reaches the upstream, and one naming a transcription model it may
// not call is answered with an error event the SDK decodes as its own
// typed error, and never reaches the upstream.
func TestOpenAIRealtimeSDK(t *testing.T) {
	gw, mocks := gatewaytest.New(t, gatewaytest.Parse(t, realtimeConfig), gateway.Options{})
	ts := httptest.NewTLSServer(gw)
	t.Cleanup(ts.Close)

	connect := func(t *testing.T, key, model string) (*realtime.RealtimeConnection, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c := openai.NewClient(option.WithBaseURL(ts.URL+"/v1"), option.WithAPIKey(key),
			option.WithHTTPClient(ts.Client()), option.WithMaxRetries(0))
		conn, err := c.Realtime.Connect(ctx, realtime.RealtimeConnectionOptions{}, option.WithQuery("model", model))
		if conn != nil {
			t.Cleanup(conn.Abort)
		}
		return conn, err
	}
	recv := func(t *testing.T, conn *realtime.RealtimeConnection) realtime.RealtimeServerEventUnion {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ev, err := conn.Recv(ctx)
		require.NoError(t, err)
		return ev
	}
	update := realtime.RealtimeClientEventParamOfSessionUpdate(realtime.RealtimeSessionCreateRequestParam{
		Model: "gpt-realtime",
		Audio: realtime.RealtimeAudioConfigParam{Input: realtime.RealtimeAudioConfigInputParam{
			Transcription: realtime.AudioTranscriptionParam{Model: "whisper-1"},
		}},
	})
	frames := func() []string {
		var out []string
		for _, r := range mocks["openai"].Requests() {
			if r.Method == "WS" {
				out = append(out, string(r.Body))
			}
		}
		return out
	}

	t.Run("allowed key", func(t *testing.T) {
		mocks.Reset()
		conn, err := connect(t, "sk-allowed", "gpt-realtime")
		require.NoError(t, err)
		assert.Equal(t, "session.created", recv(t, conn).Type)
		require.NoError(t, conn.Send(context.Background(), update))
		assert.Equal(t, "session.updated", recv(t, conn).Type)
		require.Len(t, frames(), 1)
		assert.Contains(t, frames()[0], `"whisper-1"`)
		_ = conn.Close()
	})

	t.Run("restricted key, transcription model not allowed", func(t *testing.T) {
		mocks.Reset()
		conn, err := connect(t, "sk-restricted", "gpt-realtime")
		require.NoError(t, err)
		assert.Equal(t, "session.created", recv(t, conn).Type)
		require.NoError(t, conn.Send(context.Background(), update))
		ev := recv(t, conn)
		require.Equal(t, "error", ev.Type)
		e := ev.AsRealtimeErrorEvent().Error
		assert.Equal(t, "model_not_allowed", e.Code)
		assert.Equal(t, "invalid_request_error", e.Type)
		assert.Equal(t, "session.audio.input.transcription.model", e.Param)
		assert.Contains(t, e.Message, "whisper-1")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = conn.Recv(ctx)
		require.Error(t, err, "the session goes on after a refused event")
		assert.Empty(t, frames(), "the upstream saw the refused event")
	})

	t.Run("restricted key, session model not allowed", func(t *testing.T) {
		mocks.Reset()
		_, err := connect(t, "sk-restricted", "whisper-1")
		require.Error(t, err)
		assert.True(t, strings.Contains(err.Error(), "403"), "want the gateway's 403, got %v", err)
		assert.Empty(t, mocks["openai"].Requests(), "the upstream was dialed")
	})
}
