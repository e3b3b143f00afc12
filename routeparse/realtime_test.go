package routeparse_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// realtimeRoute is the route of a realtime session opened on model.
func realtimeRoute(t testing.TB, model string) routeparse.Route {
	t.Helper()
	var p routeparse.Parser
	rt, err := p.ParseRequest("GET", "/v1/realtime", "model="+model, nil)
	require.NoError(t, err)
	require.Equal(t, routeparse.OpRealtime, rt.Operation)
	return rt
}

type frameModel struct {
	Name     string
	Field    string
	Fallback bool
}

func frameModels(rt routeparse.Route) []frameModel {
	var out []frameModel
	for _, m := range rt.Models() {
		if m.Source == routeparse.SourceBody {
			out = append(out, frameModel{m.Name(), m.Field, m.Fallback})
		}
	}
	return out
}

func TestParseRealtimeFrame(t *testing.T) {
	primary := func(name string) frameModel { return frameModel{name, "session.model", false} }
	transcription := func(name string) frameModel {
		return frameModel{name, "session.audio.input.transcription.model", true}
	}
	cases := []struct {
		name  string
		frame string
		want  []frameModel
		err   error
	}{
		{"session.update names the session model",
			`{"type":"session.update","session":{"type":"realtime","model":"gpt-realtime"}}`,
			[]frameModel{primary("gpt-realtime")}, nil},
		{"type after session is still read",
			`{"session":{"model":"gpt-realtime"},"event_id":"e1","type":"session.update"}`,
			[]frameModel{primary("gpt-realtime")}, nil},
		{"transcription model nested in audio.input",
			`{"type":"session.update","session":{"type":"transcription","audio":{"input":{"format":{"type":"audio/pcm"},"transcription":{"model":"whisper-1","language":"en"}}}}}`,
			[]frameModel{transcription("whisper-1")}, nil},
		{"both models of one update",
			`{"type":"session.update","session":{"audio":{"input":{"transcription":{"model":"gpt-4o-transcribe"}}},"model":"gpt-realtime"}}`,
			[]frameModel{transcription("gpt-4o-transcribe"), primary("gpt-realtime")}, nil},
		{"beta transcription session update",
			`{"type":"transcription_session.update","session":{"input_audio_transcription":{"model":"whisper-1"}}}`,
			[]frameModel{{"whisper-1", "session.input_audio_transcription.model", true}}, nil},
		{"response.create with a model the API does not define is still checked",
			`{"type":"response.create","response":{"model":"o3-pro","instructions":"x"}}`,
			[]frameModel{{"o3-pro", "response.model", false}}, nil},
		{"escaped type and model key are read decoded",
			`{"type":"session\u002eupdate","session":{"mod\u0065l":"gpt-realtime"}}`,
			[]frameModel{primary("gpt-realtime")}, nil},
		{"null model and null transcription name none",
			`{"type":"session.update","session":{"model":null,"audio":{"input":{"transcription":null}}}}`,
			nil, nil},
		{"audio append carries no model, whatever else it holds",
			`{"type":"input_audio_buffer.append","audio":"AAAA","session":{"model":"ignored-by-this-event"}}`,
			nil, nil},
		{"conversation item text that says model is data",
			`{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"{\"model\":\"o3\"}"}],"model":"x"}}`,
			nil, nil},

		{"case variant of model", `{"type":"session.update","session":{"Model":"gpt-realtime"}}`, nil, routeparse.ErrAmbiguousModel},
		{"second model member", `{"type":"session.update","session":{"model":"cheap","model":"expensive"}}`, nil, routeparse.ErrAmbiguousModel},
		{"model with a zero-width space", `{"type":"session.update","session":{"mo\u200bdel":"x"}}`, nil, routeparse.ErrAmbiguousModel},
		{"two types", `{"type":"input_audio_buffer.append","type":"session.update","session":{"model":"x"}}`, nil, routeparse.ErrAmbiguousModel},
		{"case variant of type", `{"Type":"session.update","session":{"model":"x"}}`, nil, routeparse.ErrAmbiguousModel},
		{"two sessions", `{"type":"session.update","session":{},"session":{"model":"x"}}`, nil, routeparse.ErrAmbiguousModel},
		{"case variant deep in the transcription path", `{"type":"session.update","session":{"audio":{"Input":{"transcription":{"model":"x"}}}}}`, nil, routeparse.ErrAmbiguousModel},
		{"second transcription model", `{"type":"session.update","session":{"audio":{"input":{"transcription":{"model":"a","model":"b"}}}}}`, nil, routeparse.ErrAmbiguousModel},
		{"unknown event type", `{"type":"session.create","session":{"model":"x"}}`, nil, routeparse.ErrMalformedBody},
		{"no type", `{"session":{"model":"x"}}`, nil, routeparse.ErrMalformedBody},
		{"type not a string", `{"type":["session.update"],"session":{"model":"x"}}`, nil, routeparse.ErrMalformedBody},
		{"model not a string", `{"type":"session.update","session":{"model":["a","b"]}}`, nil, routeparse.ErrMalformedBody},
		{"session not an object", `{"type":"session.update","session":"model=x"}`, nil, routeparse.ErrMalformedBody},
		{"empty model", `{"type":"session.update","session":{"model":""}}`, nil, routeparse.ErrMalformedBody},
		{"model with a control character", `{"type":"session.update","session":{"model":"gpt\u0000-realtime"}}`, nil, routeparse.ErrMalformedBody},
		{"trailing data after the object", `{"type":"session.update","session":{"model":"a"}} {"type":"session.update"}`, nil, routeparse.ErrMalformedBody},
		{"invalid JSON after the model", `{"type":"session.update","session":{"model":"a"},}`, nil, routeparse.ErrMalformedBody},
		{"not an object", `["session.update"]`, nil, routeparse.ErrMalformedBody},
		{"empty frame", ``, nil, routeparse.ErrMalformedBody},
		{"byte-order mark", "\uFEFF{\"type\":\"response.cancel\"}", nil, routeparse.ErrMalformedBody},
	}
	var p routeparse.Parser
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt := realtimeRoute(t, "gpt-realtime")
			got, err := p.ParseRealtimeFrame(&rt, []byte(c.frame))
			if c.err != nil {
				require.ErrorIs(t, err, c.err)
				var e *routeparse.Error
				require.True(t, errors.As(err, &e))
				assert.Equal(t, "realtime-frame", e.Shape)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, frameModels(got))
			assert.True(t, got.Sealed(), "the frame route is sealed for the authorizer")
			require.NotEmpty(t, got.Models())
			assert.Equal(t, routeparse.SourceQuery, got.Models()[0].Source, "the session's query model stays")
			assert.Len(t, frameModels(rt), 0, "the session route is not changed")
			assert.True(t, rt.Sealed())
		})
	}
}

// Only a sealed realtime route has frames.
func TestParseRealtimeFrameRefusesOtherRoutes(t *testing.T) {
	var p routeparse.Parser
	frame := []byte(`{"type":"session.update","session":{"model":"x"}}`)
	var forged routeparse.Route
	_, err := p.ParseRealtimeFrame(&forged, frame)
	require.ErrorIs(t, err, routeparse.ErrUnsealedRoute)

	rt := realtimeRoute(t, "gpt-realtime")
	rt.UpstreamPath = "/v1/chat/completions"
	_, err = p.ParseRealtimeFrame(&rt, frame)
	require.ErrorIs(t, err, routeparse.ErrUnsealedRoute, "an edited route")

	chat, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
	require.NoError(t, err)
	_, err = p.ParseRealtimeFrame(&chat, frame)
	require.ErrorIs(t, err, routeparse.ErrMalformedBody)
}

// A frame the parser accepts is valid JSON, and every model encoding/json
// reads from it where the upstream would is among the route's models.
func FuzzRealtimeFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"session.update","session":{"model":"gpt-realtime"}}`,
		`{"type":"session.update","session":{"audio":{"input":{"transcription":{"model":"whisper-1"}}}}}`,
		`{"type":"transcription_session.update","session":{"input_audio_transcription":{"model":"w"}}}`,
		`{"type":"response.create","response":{"model":"m"}}`,
		`{"type":"input_audio_buffer.append","audio":"AAAA"}`,
		`{"type":"session\u002eupdate","session":{"mod\u0065l":"a"}}`,
		`{"type":"session.update","session":{"Model":"a"}}`,
	} {
		f.Add([]byte(s))
	}
	rt := realtimeRoute(f, "gpt-realtime")
	var p routeparse.Parser
	f.Fuzz(func(t *testing.T, frame []byte) {
		got, err := p.ParseRealtimeFrame(&rt, frame)
		if err != nil {
			require.Zero(t, got.Operation, "a refused frame returns no route")
			return
		}
		require.True(t, json.Valid(frame), "accepted invalid JSON %q", frame)
		require.True(t, got.Sealed())
		names := map[string]bool{}
		for _, m := range got.Models() {
			require.NotEmpty(t, m.Name())
			names[m.Name()] = true
		}
		type transcription struct{ Model *string }
		var ref struct {
			Type    string
			Session *struct {
				Model                   *string
				InputAudioTranscription *transcription `json:"input_audio_transcription"`
				Audio                   *struct {
					Input *struct{ Transcription *transcription }
				}
			}
			Response *struct{ Model *string }
		}
		if json.Unmarshal(frame, &ref) != nil {
			return // a shape encoding/json cannot bind is not read by it either
		}
		var want []*string
		switch ref.Type {
		case "session.update", "transcription_session.update":
			if s := ref.Session; s != nil {
				want = append(want, s.Model)
				if s.InputAudioTranscription != nil {
					want = append(want, s.InputAudioTranscription.Model)
				}
				if s.Audio != nil && s.Audio.Input != nil && s.Audio.Input.Transcription != nil {
					want = append(want, s.Audio.Input.Transcription.Model)
				}
			}
		case "response.create":
			if ref.Response != nil {
				want = append(want, ref.Response.Model)
			}
		}
		for _, w := range want {
			if w != nil && *w != "" {
				require.True(t, names[*w] || names[strings.TrimSpace(*w)], "encoding/json reads model %q the parser did not record in %q", *w, frame)
			}
		}
	})
}

// A gateway relaying a realtime session classifies each client event
// against the session's route and authorizes the result like a request.
func ExampleParser_ParseRealtimeFrame() {
	var p routeparse.Parser
	session, err := p.ParseRequest("GET", "/v1/realtime", "model=gpt-realtime", nil)
	if err != nil {
		panic(err)
	}
	frame := []byte(`{"type":"session.update","session":{"model":"gpt-realtime","audio":{"input":{"transcription":{"model":"whisper-1"}}}}}`)
	rt, err := p.ParseRealtimeFrame(&session, frame)
	if err != nil {
		panic(err)
	}
	for _, m := range rt.Models() {
		fmt.Println(m.Source, m.Field, m.Name())
	}
	_, err = p.ParseRealtimeFrame(&session, []byte(`{"type":"session.update","session":{"MODEL":"o3"}}`))
	fmt.Println(errors.Is(err, routeparse.ErrAmbiguousModel))
	// Output:
	// query model gpt-realtime
	// body session.model gpt-realtime
	// body session.audio.input.transcription.model whisper-1
	// true
}
