package routeparse

import (
	"errors"
	"fmt"
	"slices"
)

// A realtime session (GET /v1/realtime?model=..., upgraded to a websocket)
// names its model in the query when it opens, and its client may name
// models again in the JSON events it sends afterwards. Every such event is
// a request the upstream acts on, so each one is classified like a body.
//
// The client events and the members that name a model, from openai-go/v3
// v3.98.0 realtime/realtime.go (RealtimeClientEventUnionParam and the types
// it holds), plus the beta protocol's transcription session event:
//
//	session.update                 session.model
//	                               session.audio.input.transcription.model
//	                               session.input_audio_transcription.model (beta)
//	transcription_session.update   the same three (beta)
//	response.create                response.model (not in the API; read so
//	                               that an upstream that honours it is checked)
//	conversation.item.create, conversation.item.delete,
//	conversation.item.retrieve, conversation.item.truncate,
//	input_audio_buffer.append, input_audio_buffer.clear,
//	input_audio_buffer.commit, output_audio_buffer.clear,
//	response.cancel                no model
//
// An event of any other type is refused: a new event might name a model in
// a place this parser does not read.
var realtimeEvents = map[string]realtimeEvent{
	"session.update":               evSession,
	"transcription_session.update": evSession,
	"response.create":              evResponse,
	"conversation.item.create":     evPlain,
	"conversation.item.delete":     evPlain,
	"conversation.item.retrieve":   evPlain,
	"conversation.item.truncate":   evPlain,
	"input_audio_buffer.append":    evPlain,
	"input_audio_buffer.clear":     evPlain,
	"input_audio_buffer.commit":    evPlain,
	"output_audio_buffer.clear":    evPlain,
	"response.cancel":              evPlain,
}

type realtimeEvent uint8

const (
	evPlain    realtimeEvent = iota + 1 // names no model
	evSession                           // "session" may name models
	evResponse                          // "response" may name one
)

const shapeRealtime = "realtime-frame"

// Field names of realtime frame models, beside the client-secret body's
// (body_session.go), whose session shape session.update shares.
const (
	fieldResponseModel = "response.model"
)

// Member names, each read with the body's strict key rules (exact, once,
// no case variant or disguised spelling).
var realtimeTopKeys = [...]string{"type", "session", "response"}

// ParseRealtimeFrame classifies one client event (the text of one
// websocket message) of the realtime session opened by rt, a route
// [Parser.ParseRequest] classified as [OpRealtime]. It returns a copy of
// rt that also names every model the event names ([SourceBody], Field as
// in the table above: the session and response models are primary
// models, the transcription models are recorded with Fallback set), sealed
// like a parsed route, for the same authorizer: every model of the
// returned route, the session's query model included, must be allowed for
// the event to go on.
//
// The frame must be one JSON object under the rules ParseBody applies to
// JSON bodies (valid as encoding/json reads it, members compared after
// unescaping, no second copy, case variant or disguised spelling of a
// member it reads, model names held to the same rules), with a "type"
// string naming a known client event; anything else is an error wrapping
// [ErrMalformedBody] or [ErrAmbiguousModel], and the event must not be
// forwarded. rt is not modified.
func (p *Parser) ParseRealtimeFrame(rt *Route, frame []byte) (Route, error) {
	if !rt.Sealed() {
		return Route{}, &Error{Shape: shapeRealtime, Detail: "route was not made by ParseRequest or was changed after", Err: ErrUnsealedRoute}
	}
	if rt.Operation != OpRealtime {
		return Route{}, &Error{Shape: shapeRealtime, Detail: fmt.Sprintf("%s route has no realtime frames", rt.Operation), Err: ErrMalformedBody}
	}
	limit := p.maxModels()
	var x extractor // field by field: see parseJSONBody
	x.s.b, x.stream, x.maxModels, x.room = frame, -1, limit, limit-len(rt.Models())
	if err := x.realtimeFrame(); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Shape == shapeJSONBody {
			e2 := *e
			e2.Shape = shapeRealtime
			return Route{}, &e2
		}
		return Route{}, err
	}
	out := *rt
	out.extra = slices.Clone(rt.extra) // never append into rt's array
	for k := range min(x.n, len(x.buf)) {
		out.addModel(x.buf[k])
	}
	for _, m := range x.more {
		out.addModel(m)
	}
	out.sealNow()
	return out, nil
}

// realtimeFrame walks the frame's top-level object.
func (x *extractor) realtimeFrame() error {
	s := &x.s
	i, err := x.objectStart("frame")
	if err != nil {
		return err
	}
	var (
		seen              uint32
		typ               string
		hasType           bool
		session, response = -1, -1
	)
	it := s.object(i)
	for it.next() {
		idx, exact := x.lookup(it.key(), it.keyEsc, realtimeTopKeys[:])
		if idx < 0 {
			it.pos = s.value(it.pos, 1)
			continue
		}
		if !x.member(idx, exact, &seen, realtimeTopKeys[idx], it.key(), true) {
			return x.failed()
		}
		switch idx {
		case 0:
			if typ, it.pos, err = x.eventType(it.pos); err != nil {
				return err
			}
			hasType = true
		case 1:
			session, it.pos = it.pos, s.value(it.pos, 1)
		case 2:
			response, it.pos = it.pos, s.value(it.pos, 1)
		}
	}
	if it.pos < 0 {
		return x.syntaxErr()
	}
	if j := s.ws(it.pos); j != len(s.b) {
		return x.malformed(fmt.Sprintf("data after the JSON object at offset %d", j))
	}
	if !hasType {
		return x.malformed(`the frame has no "type"`)
	}
	ev, ok := realtimeEvents[typ]
	if !ok {
		return x.malformed(fmt.Sprintf("unknown realtime client event type %q", clip(typ)))
	}
	// The whole frame is valid JSON now; walk the members that name models.
	end := 0
	switch {
	case ev == evSession && session >= 0:
		end = x.objectMember(session, 1, sessionModelKeys[:], "session", x.sessionMember)
	case ev == evResponse && response >= 0:
		end = x.objectMember(response, 1, modelKeys[:], "response", func(_, j int) int {
			return x.optionalString(j, 2, fieldResponseModel, false)
		})
	}
	if end < 0 || x.err != nil {
		return x.failed()
	}
	return nil
}

// eventType reads the frame's "type" string at b[i], unescaped, and
// returns it with the index past it.
func (x *extractor) eventType(i int) (string, int, error) {
	s := &x.s
	if s.at(i) != '"' {
		x.notString(i, 1, `"type"`)
		return "", -1, x.failed()
	}
	end, esc := s.str(i)
	if end < 0 {
		return "", -1, x.syntaxErr()
	}
	typ := string(s.b[i+1 : end-1])
	if esc {
		dec, err := unescapeJSON(nil, typ, true)
		if err != nil {
			return "", -1, x.malformed(fmt.Sprintf("\"type\" contains %v", err))
		}
		typ = string(dec)
	}
	return typ, end, nil
}

// failed returns the error recorded, or the scanner's syntax error when
// only the scanner recorded one.
func (x *extractor) failed() error {
	if x.err != nil {
		return x.err
	}
	return x.syntaxErr()
}
