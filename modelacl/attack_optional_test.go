package modelacl_test

import (
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// TestAttackOptionalModelRoutes: OpenAI routes whose model is optional
// upstream (realtime client secrets, Assistants runs, videos, moderations)
// and the realtime call offer. A denied model anywhere the request names
// one is refused; a request naming none is refused unless the host said
// which model the upstream's default is, and then that default is decided.
func TestAttackOptionalModelRoutes(t *testing.T) {
	video := func(model string) ([]byte, string) {
		return atkMultipart(t, func(w *multipart.Writer) {
			_ = w.WriteField("prompt", "a cat")
			if model != "" {
				_ = w.WriteField("model", model)
			}
		})
	}
	videoNoModel, videoNoModelCT := video("")
	videoDenied, videoDeniedCT := video("gpt-4o")
	call, callCT := atkMultipart(t, func(w *multipart.Writer) {
		_ = w.WriteField("sdp", "v=0")
		_ = w.WriteField("session", `{"type":"realtime","model":"gpt-4o"}`)
	})
	callTwo, callTwoCT := atkMultipart(t, func(w *multipart.Writer) {
		_ = w.WriteField("session", `{"model":"gpt-4o-mini"}`)
		_ = w.WriteField("Session", `{"model":"gpt-4o"}`)
	})
	callTr, callTrCT := atkMultipart(t, func(w *multipart.Writer) {
		_ = w.WriteField("sdp", "v=0")
		_ = w.WriteField("session", `{"model":"gpt-4o-mini","audio":{"input":{"transcription":{"model":"gpt-4o-transcribe"}}}}`)
	})
	js := "application/json"
	atkRun(t, []atkReq{
		{name: "client secret session model denied", target: "/v1/realtime/client_secrets", ctype: js, body: []byte(`{"session":{"type":"realtime","model":"gpt-4o"}}`)},
		{name: "client secret allowed session model, denied transcription model", target: "/v1/realtime/client_secrets", ctype: js,
			body: []byte(`{"session":{"model":"gpt-4o-mini","audio":{"input":{"transcription":{"model":"gpt-4o-transcribe"}}}}}`)},
		{name: "client secret transcription session denied", target: "/v1/realtime/client_secrets", ctype: js,
			body: []byte(`{"session":{"type":"transcription","audio":{"input":{"transcription":{"model":"gpt-4o-transcribe"}}}}}`)},
		{name: "client secret without model (upstream default)", target: "/v1/realtime/client_secrets", ctype: js, body: []byte(`{"session":{"type":"realtime"}}`)},
		{name: "client secret session model case variant", target: "/v1/realtime/client_secrets", ctype: js, body: []byte(`{"session":{"model":"gpt-4o-mini","Model":"gpt-4o"}}`)},
		{name: "client secret second session", target: "/v1/realtime/client_secrets", ctype: js, body: []byte(`{"session":{"model":"gpt-4o-mini"},"session":{"model":"gpt-4o"}}`)},
		{name: "client secret query model beside allowed session", target: "/v1/realtime/client_secrets?model=gpt-4o", ctype: js, body: []byte(`{"session":{"model":"gpt-4o-mini"}}`)},
		{name: "realtime call offer naming a denied model in its session part", target: "/v1/realtime/calls", ctype: callCT, body: call},
		{name: "realtime call offer, bare SDP (the model is the client secret's)", target: "/v1/realtime/calls", ctype: "application/sdp", body: []byte("v=0\r\n")},
		{name: "realtime call offer with a Session part beside the session", target: "/v1/realtime/calls", ctype: callTwoCT, body: callTwo},
		{name: "realtime call offer session with a denied transcription model", target: "/v1/realtime/calls", ctype: callTrCT, body: callTr},
		{name: "thread run denied model", target: "/v1/threads/thread_1/runs", ctype: js, body: []byte(`{"assistant_id":"asst_1","model":"gpt-4o"}`)},
		{name: "thread run without model (assistant's model)", target: "/v1/threads/thread_1/runs", ctype: js, body: []byte(`{"assistant_id":"asst_1"}`)},
		{name: "create thread and run without model", target: "/v1/threads/runs", ctype: js, body: []byte(`{"assistant_id":"asst_1","thread":{}}`)},
		{name: "video denied model", target: "/v1/videos", ctype: videoDeniedCT, body: videoDenied},
		{name: "video without model (upstream default)", target: "/v1/videos", ctype: videoNoModelCT, body: videoNoModel},
		{name: "video as JSON denied model", target: "/v1/videos", ctype: js, body: []byte(`{"prompt":"a cat","model":"gpt-4o"}`)},
		{name: "video as JSON without model", target: "/v1/videos", ctype: js, body: []byte(`{"prompt":"a cat"}`)},
		{name: "video as JSON with a denied fallback", target: "/v1/videos", ctype: js, body: []byte(`{"prompt":"a cat","model":"gpt-4o-mini","fallbacks":["gpt-4o"]}`)},
		{name: "video form with JSON content type lie", target: "/v1/videos", ctype: js, body: videoDenied},
		{name: "moderation without model (upstream default)", target: "/v1/moderations", ctype: js, body: []byte(`{"input":"hi"}`)},
	})

	t.Run("the configured default is decided as if named", func(t *testing.T) {
		for _, c := range []struct {
			dflt    string
			allowed bool
		}{{"gpt-4o", false}, {"gpt-4o-mini", true}} {
			h, next := atkMiddleware(t, func(o *modelacl.Options) {
				o.Parser = &routeparse.Parser{DefaultModels: map[routeparse.Operation]string{routeparse.OpThreadRun: c.dflt}}
			})
			r := atkReq{target: "/v1/threads/thread_1/runs", ctype: js, body: []byte(`{"assistant_id":"asst_1"}`)}
			if !c.allowed {
				atkAssertRefused(t, h, next, r.build(t))
				continue
			}
			w := atkServe(h, r.build(t))
			require.Equal(t, http.StatusOK, w.Code, "%s", w.Body.String())
			require.True(t, next.last.called)
			assert.Equal(t, r.body, next.last.body, "the body is forwarded as sent")
			grants := next.last.decision.Grants()
			require.Len(t, grants, 1)
			assert.Equal(t, "gpt-4o-mini", grants[0].Group)
		}
	})
	t.Run("an invalid default is an error from New", func(t *testing.T) {
		_, err := modelacl.New(modelacl.Options{Policy: &modelacl.Policy{}, Authenticate: func(*http.Request, modelacl.Credential) (*modelacl.Principal, error) { return nil, nil },
			Parser: &routeparse.Parser{DefaultModels: map[routeparse.Operation]string{routeparse.OpChatCompletions: "gpt-4o"}}})
		require.Error(t, err)
	})
}

// TestAttackOptionalModelRoutesAllowed: the controls, so the refusals above
// are about the models, not the shapes.
func TestAttackOptionalModelRoutesAllowed(t *testing.T) {
	h, next := atkMiddleware(t, nil)
	js := "application/json"
	form, formCT := atkMultipart(t, func(w *multipart.Writer) {
		_ = w.WriteField("prompt", "a cat")
		_ = w.WriteField("model", "gpt-4o-mini")
	})
	call, callCT := atkMultipart(t, func(w *multipart.Writer) {
		_ = w.WriteField("sdp", "v=0")
		_ = w.WriteField("session", `{"type":"realtime","model":"gpt-4o-mini","audio":{"input":{"transcription":{"model":"whisper-1"}}}}`)
	})
	for _, c := range []atkReq{
		{name: "client secret allowed session and transcription", target: "/v1/realtime/client_secrets", ctype: js,
			body: []byte(`{"session":{"model":"gpt-4o-mini","audio":{"input":{"transcription":{"model":"whisper-1"}}}}}`)},
		{name: "thread run allowed model", target: "/v1/threads/thread_1/runs", ctype: js, body: []byte(`{"assistant_id":"asst_1","model":"gpt-4o-mini"}`)},
		{name: "video allowed model", target: "/v1/videos", ctype: formCT, body: form},
		{name: "realtime call offer allowed session", target: "/v1/realtime/calls", ctype: callCT, body: call},
		{name: "video as JSON allowed model", target: "/v1/videos", ctype: js, body: []byte(`{"prompt":"a cat","model":"gpt-4o-mini"}`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			next.last = atkSeen{}
			w := atkServe(h, c.build(t))
			require.Equal(t, http.StatusOK, w.Code, "%s", w.Body.String())
			require.True(t, next.last.called)
		})
	}
}
