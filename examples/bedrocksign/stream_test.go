package bedrocksign_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
)

func streamEvent(t *testing.T, w http.ResponseWriter, enc *eventstream.Encoder, kind, payload string) {
	require.NoError(t, enc.Encode(w, eventstream.Message{
		Headers: eventstream.Headers{
			{Name: ":message-type", Value: eventstream.StringValue("event")},
			{Name: ":event-type", Value: eventstream.StringValue(kind)},
			{Name: ":content-type", Value: eventstream.StringValue("application/json")},
		},
		Payload: []byte(payload),
	}))
	w.(http.Flusher).Flush()
}

// TestConverseStreamIsNotBuffered drives ConverseStream with the official
// client through the re-signing gateway. The upstream holds the rest of the
// stream back until the client has decoded the first event, so the test can
// only pass if the gateway forwards events as they arrive.
func TestConverseStreamIsNotBuffered(t *testing.T) {
	firstSeen := make(chan struct{})
	var got sigv4test.Request
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		got, err = sigv4test.Capture(r)
		assert.NoError(t, err)
		w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
		enc := eventstream.NewEncoder()
		streamEvent(t, w, enc, "messageStart", `{"role":"assistant"}`)
		select {
		case <-firstSeen:
		case <-time.After(10 * time.Second):
			t.Error("client never saw the first event: the gateway buffers the stream")
			return
		}
		streamEvent(t, w, enc, "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"hello"}}`)
		streamEvent(t, w, enc, "messageStop", `{"stopReason":"end_turn"}`)
	}))
	defer upstream.Close()
	gw := newGateway(t, upstream.URL)
	client := newClient(gw.URL+"/bedrock", gw.Client(), gatewayBearer)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := client.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{
		ModelId: aws.String("global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
		Messages: []types.Message{{
			Role:    types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}},
		}},
	})
	require.NoError(t, err)
	stream := out.GetStream()
	defer stream.Close()

	var kinds []string
	var text string
	for ev := range stream.Events() {
		switch e := ev.(type) {
		case *types.ConverseStreamOutputMemberMessageStart:
			kinds = append(kinds, "start")
			close(firstSeen)
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			kinds = append(kinds, "delta")
			if d, ok := e.Value.Delta.(*types.ContentBlockDeltaMemberText); ok {
				text += d.Value
			}
		case *types.ConverseStreamOutputMemberMessageStop:
			kinds = append(kinds, "stop")
		}
	}
	require.NoError(t, stream.Err())
	assert.Equal(t, []string{"start", "delta", "stop"}, kinds)
	assert.Equal(t, "hello", text)

	// The upstream saw a correctly signed request for the stream route.
	assert.Equal(t, "/model/global.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream", got.RequestURI)
	_, canon := verify(t, got)
	assert.Contains(t, canon, "/model/global.anthropic.claude-sonnet-4-5-20250929-v1%253A0/converse-stream\n")
}
