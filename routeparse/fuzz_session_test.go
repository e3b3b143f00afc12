package routeparse_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// FuzzSessionBody: the realtime client-secret shape against
// encoding/json, which binds keys case-insensitively: whatever body the
// parser accepts, the session model and the transcription model a Go
// server would decode are exactly the ones recorded, so no model reaches
// the upstream unread.
func FuzzSessionBody(f *testing.F) {
	for _, seed := range []string{
		`{"session":{"type":"realtime","model":"gpt-realtime"}}`,
		`{"session":{"model":"a","audio":{"input":{"transcription":{"model":"b"}}}}}`,
		`{"session":{"type":"transcription","audio":{"input":{"transcription":{"model":"b"}}}}}`,
		`{"session":{"model":"a","Model":"b"}}`,
		`{"session":{"model":"a"},"SESSION":{"model":"b"}}`,
		`{"session":{"audio":{"input":{"transcription":{"model":"b"}},"Input":{}}}}`,
		`{"session":null}`,
		`{"session":{"model":null}}`,
		`{"sessio\u006e":{"mod\u0065l":"a"}}`,
		`{"session":{"model":["a"]}}`,
		`{"model":"a","session":{"model":"b"}}`,
		`{"session":{"model":"a","input_audio_transcription":{"model":"b"}}}`,
	} {
		f.Add([]byte(seed))
	}
	var p routeparse.Parser
	base, err := p.ParseRequest("POST", "/v1/realtime/client_secrets", "", nil)
	require.NoError(f, err)

	f.Fuzz(func(t *testing.T, data []byte) {
		r := base
		err := p.ParseBody(&r, "application/json", "", data, 0)
		if err != nil {
			require.Empty(t, r.Models(), "models returned with an error")
			return
		}
		require.True(t, r.Sealed())
		var v struct {
			Model   json.RawMessage // the beta body's: refused whatever it holds
			Session struct {
				Model                   json.RawMessage
				InputAudioTranscription struct {
					Model json.RawMessage
				} `json:"input_audio_transcription"`
				Audio struct {
					Input struct {
						Transcription struct {
							Model json.RawMessage
						}
					}
				}
			}
		}
		require.NoError(t, json.Unmarshal(data, &v), "accepted a body encoding/json rejects")
		got := map[string]string{}
		for _, m := range r.Models() {
			_, dup := got[m.Field]
			require.False(t, dup, "field %s recorded twice", m.Field)
			got[m.Field] = m.Name()
		}
		require.Empty(t, v.Model, "accepted a top-level model")
		for field, raw := range map[string]json.RawMessage{
			"session.model": v.Session.Model,
			"session.input_audio_transcription.model": v.Session.InputAudioTranscription.Model,
			"session.audio.input.transcription.model": v.Session.Audio.Input.Transcription.Model,
		} {
			var name *string
			if len(raw) > 0 {
				require.NoError(t, json.Unmarshal(raw, &name), "%s is not a string or null: %s", field, raw)
			}
			if name == nil {
				require.NotContains(t, got, field)
				continue
			}
			require.Equal(t, *name, got[field], "%s as encoding/json reads it", field)
		}
	})
}
