package routeparse

import "fmt"

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
// ("type": "transcription", no "model") it is the only model and stands as
// the primary one. Each level is read with the strict member rules of the
// other shapes: a duplicate or disguised "session", "model", "audio",
// "input" or "transcription" is refused. Anything else is skipped.
var (
	sessionKeys       = [...]string{"session"}
	sessionModelKeys  = [...]string{"model", "audio"}
	inputKeys         = [...]string{"input"}
	transcriptionKeys = [...]string{"transcription"}
)

const (
	fieldSessionModel       = "session.model"
	fieldTranscriptionModel = "session.audio.input.transcription.model"
)

// sessionBody walks the top-level object of a client-secret body at b[i].
func (x *extractor) sessionBody(i int) int {
	end := x.objectMember(i, 1, sessionKeys[:], "body", func(_, j int) int {
		return x.objectMember(j, 2, sessionModelKeys[:], "session", x.sessionMember)
	})
	if end >= 0 {
		x.promoteTranscription()
	}
	return end
}

// sessionMember reads session.model (idx 0) or session.audio (idx 1).
func (x *extractor) sessionMember(idx, j int) int {
	if idx == 0 {
		return x.optionalString(j, 3, fieldSessionModel, false)
	}
	return x.objectMember(j, 3, inputKeys[:], "session.audio", func(_, k int) int {
		return x.objectMember(k, 4, transcriptionKeys[:], "session.audio.input", func(_, l int) int {
			return x.objectMember(l, 5, modelKeys[:], "session.audio.input.transcription", func(_, m int) int {
				return x.optionalString(m, 6, fieldTranscriptionModel, true)
			})
		})
	})
}

// objectMember walks the object at b[i] (at nesting depth depth) and calls
// f(idx, pos) on the value of each member named names[idx], refusing
// duplicate and disguised keys. A null in place of the object names
// nothing; any other non-object is malformed. It returns the index past
// the value, or -1.
func (x *extractor) objectMember(i, depth int, names []string, what string, f func(idx, pos int) int) int {
	s := &x.s
	switch s.at(i) {
	case 'n':
		return s.literal(i)
	case '{':
	default:
		if s.value(i, depth) < 0 {
			return -1
		}
		x.malformed(fmt.Sprintf("%s is %s, not an object", what, typeName(s.at(i))))
		return -1
	}
	var seen uint32
	it := s.object(i)
	for it.next() {
		idx, exact := x.lookup(it.key(), it.keyEsc, names)
		if idx < 0 {
			it.pos = s.value(it.pos, depth+1)
			continue
		}
		if !x.member(idx, exact, &seen, names[idx], it.key(), true) {
			return -1
		}
		it.pos = f(idx, it.pos)
		if x.err != nil {
			return -1
		}
	}
	return it.pos
}

// optionalString records the model string at b[i]; null names none.
func (x *extractor) optionalString(i, depth int, field string, secondary bool) int {
	switch x.s.at(i) {
	case 'n':
		return x.s.literal(i)
	case '"':
		return x.str(i, field, secondary, false)
	}
	return x.notString(i, depth, field)
}

// promoteTranscription makes the transcription model primary when the
// session names no model of its own (a transcription session).
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
