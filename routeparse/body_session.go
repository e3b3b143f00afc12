package routeparse

import (
	"fmt"
	"io"
)

// The body of an OpenAI realtime client secret (POST
// /v1/realtime/client_secrets; openai-go/v3 realtime/clientsecret.go
// ClientSecretNewParams): the session it configures names the models
// every connection made with the secret uses.
//
//	{"session": {"type": "realtime", "model": M,
//	             "audio": {"input": {"transcription": {"model": T}}}}}
//
// M is the session's model. T, the model transcribing the input audio, is
// called too, so it is authorized as well; in a transcription session
// ("type": "transcription", exactly, no "model") it is the only model and
// stands as the primary one. In any other session T never stands in for
// M: the upstream would serve its default session model, so a session
// without M is the route's ErrNoModel (or its configured default). The
// beta protocol's "session.input_audio_transcription.model" is read too,
// as the realtime frame parser reads it, so that an upstream that still
// honours it is checked; it is never primary. A top-level "model" (the
// beta session body's) is refused as ambiguous: the beta API would serve
// it, the current one ignores it. Each level is read with the strict
// member rules of the other shapes: a duplicate or disguised "session",
// "model", "type", "audio", "input" or "transcription" is refused.
// Anything else is skipped.
var (
	sessionKeys       = [...]string{"session", "model"}
	sessionModelKeys  = [...]string{"model", "audio", "input_audio_transcription", "type"}
	inputKeys         = [...]string{"input"}
	transcriptionKeys = [...]string{"transcription"}
)

const (
	fieldSessionModel       = "session.model"
	fieldTranscriptionModel = "session.audio.input.transcription.model"
	fieldSessionBetaTranscr = "session.input_audio_transcription.model"
)

// sessionBody walks the top-level object of a client-secret body at b[i].
func (x *extractor) sessionBody(i int) int {
	return x.objectMember(i, 1, sessionKeys[:], "body", func(idx, j int) int {
		if idx == 1 {
			x.fail(ErrAmbiguousModel, `member "model" beside "session": the beta API serves it, the current one ignores it; name the model in "session.model"`)
			return -1
		}
		return x.sessionObject(j, 2)
	})
}

// sessionObject walks a session object at b[i], depth its nesting level:
// a client secret's "session", or the JSON "session" part of a realtime
// call offer (at the top level).
func (x *extractor) sessionObject(i, depth int) int {
	transcription := false
	end := x.objectMember(i, depth, sessionModelKeys[:], "session", func(idx, k int) int {
		if idx == 3 && x.s.at(k) == '"' {
			end, _ := x.s.str(k)
			// Compared raw: an escaped spelling is not recognised,
			// and the transcription model then stays secondary.
			transcription = end >= 0 && string(x.s.b[k+1:end-1]) == "transcription"
			return end
		}
		return x.sessionMember(idx, k)
	})
	if end >= 0 && transcription {
		x.promoteTranscription()
	}
	return end
}

// sessionMember reads session.model (idx 0), session.audio (idx 1), the
// beta session.input_audio_transcription (idx 2) or skips session.type
// (idx 3).
func (x *extractor) sessionMember(idx, j int) int {
	switch idx {
	case 0:
		return x.optionalString(j, 3, fieldSessionModel, false)
	case 2:
		return x.objectMember(j, 3, modelKeys[:], "session.input_audio_transcription", func(_, k int) int {
			return x.optionalString(k, 4, fieldSessionBetaTranscr, true)
		})
	case 3:
		return x.s.value(j, 3)
	}
	return x.objectMember(j, 3, inputKeys[:], "session.audio", func(_, k int) int {
		return x.objectMember(k, 4, transcriptionKeys[:], "session.audio.input", func(_, l int) int {
			return x.objectMember(l, 5, modelKeys[:], "session.audio.input.transcription", func(_, m int) int {
				return x.optionalString(m, 6, fieldTranscriptionModel, true)
			})
		})
	})
}

// promoteTranscription makes the transcription model primary in a
// transcription session, which names no session model.
func (x *extractor) promoteTranscription() {
	models := x.buf[:min(x.n, len(x.buf))]
	for i := range models {
		if models[i].Field == fieldSessionModel {
			return
		}
	}
	for i := range models {
		if models[i].Field == fieldTranscriptionModel {
			models[i].Fallback = false
		}
	}
}

// A realtime call (POST /v1/realtime/calls; openai-go/v3 realtime/call.go
// New, CallNewParams.MarshalMultipart) is a multipart offer: an "sdp" part
// and a "session" part holding the session object as JSON, read here like
// a client secret's session. A bare application/sdp offer carries no
// session: its model is bound to the client secret it authenticates with,
// which the request does not show, so it is refused.
var callSessionKeys = [...]string{"session"}

var errBareOffer = &Error{Shape: shapeMultipart, Err: ErrNoModel,
	Detail: "a bare SDP offer names no model (its session comes from a client secret); send the multipart offer with its session part"}

// callOfferPart handles the "session" part of a call offer (and refuses
// the spellings of its name other form parsers may read as "session");
// other parts are left to the caller.
func callOfferPart(r *Route, name string, file bool, part io.Reader, sessions *int) (bool, error) {
	switch {
	case name == "session":
	case foldEqual([]byte(name), "session"), disguised([]byte(name), false, callSessionKeys[:]) >= 0,
		formKeyIs(name, "session") >= keyBracket:
		return true, formErr(ErrAmbiguousModel, fmt.Sprintf("form field %q reads as \"session\" to some form parsers", clip(name)))
	default:
		return false, nil
	}
	if *sessions++; *sessions > 1 {
		return true, formErr(ErrAmbiguousModel, "two \"session\" form fields")
	}
	if file {
		return true, formErr(ErrMalformedBody, "form field \"session\" is a file")
	}
	value, err := io.ReadAll(part) // bounded: the body is
	if err != nil {
		return true, formErr(ErrMalformedBody, fmt.Sprintf("invalid multipart framing: %v", err))
	}
	mark := r.mark()
	shape := r.shape
	r.shape = shapeCallSession
	err = parseJSONBody(r, "application/json", value, DefaultMaxModels, nil)
	r.shape = shape
	if err != nil {
		return true, err
	}
	// Form models: their bytes are not a span of the body.
	added := r.modelsSince(mark)
	for i := range added {
		added[i].Source, added[i].spanOff, added[i].spanEnd = SourceForm, 0, 0
	}
	return true, nil
}
