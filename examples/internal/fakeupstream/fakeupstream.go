// Package fakeupstream is a recording stand-in for the LLM providers the
// reference gateway forwards to. It answers each provider's request shapes
// just well enough for the official SDKs to decode a success (JSON bodies,
// server-sent events, the AWS event-stream framing Bedrock streams use, and
// OpenAI realtime websocket sessions), and it records every request it
// receives (and every realtime message), byte for byte, so tests can ask
// "did anything reach the upstream, and which model did it see?".
//
// It is a test double: it authenticates nothing and decides nothing. One
// [Server] answers every provider's shapes; the gateway runs one per provider
// so that what each upstream saw can be asserted separately.
package fakeupstream

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/coder/websocket"
)

// Request is one request as the upstream received it.
type Request struct {
	Method string
	// RawPath is the escaped path exactly as sent on the request line.
	RawPath string
	// Path is RawPath percent-decoded once.
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// Server records requests and answers them like the provider whose shape
// the path has. The zero value is not usable; call [New].
type Server struct {
	name string

	mu   sync.Mutex
	reqs []Request

	srv *http.Server
	url string
}

// New returns a server; name appears in the responses' "id" fields only.
func New(name string) *Server { return &Server{name: name} }

// Start serves on a fresh loopback port and returns the base URL
// ("http://127.0.0.1:PORT"). Call Close to stop.
func (s *Server) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s.srv = &http.Server{Handler: s}
	s.url = "http://" + ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	return s.url, nil
}

// URL returns the base URL after Start.
func (s *Server) URL() string { return s.url }

// Close stops a started server.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

// Requests returns a copy of what was received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Reset forgets the recorded requests.
func (s *Server) Reset() {
	s.mu.Lock()
	s.reqs = nil
	s.mu.Unlock()
}

// Last returns the most recent request, if any.
func (s *Server) Last() (Request, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) == 0 {
		return Request{}, false
	}
	return s.reqs[len(s.reqs)-1], true
}

// ServeHTTP records r and answers it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/realtime") && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		s.realtime(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	rawPath, rawQuery, _ := strings.Cut(r.RequestURI, "?")
	if strings.HasPrefix(rawPath, "http://") || strings.HasPrefix(rawPath, "https://") {
		rawPath = r.URL.EscapedPath()
	}
	path, err := url.PathUnescape(rawPath)
	if err != nil {
		path = rawPath
	}
	req := Request{
		Method:   r.Method,
		RawPath:  rawPath,
		Path:     path,
		RawQuery: rawQuery,
		Header:   r.Header.Clone(),
		Body:     body,
	}
	s.record(req)
	s.answer(w, r, req)
}

// realtime serves an OpenAI realtime websocket session: it records the
// handshake as a GET request and each message the client sends as a
// request with Method "WS" and the message as Body, greets the session
// with session.created and answers session.update with session.updated.
func (s *Server) realtime(w http.ResponseWriter, r *http.Request) {
	rawPath, rawQuery, _ := strings.Cut(r.RequestURI, "?")
	path, err := url.PathUnescape(rawPath)
	if err != nil {
		path = rawPath
	}
	base := Request{Method: r.Method, RawPath: rawPath, Path: path, RawQuery: rawQuery, Header: r.Header.Clone()}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer func() { _ = c.CloseNow() }()
	s.record(base)
	ctx := r.Context()
	model := r.URL.Query().Get("model")
	n := 0
	send := func(v map[string]any) error {
		n++
		v["event_id"] = fmt.Sprintf("event_%s_%d", s.name, n)
		b, _ := json.Marshal(v)
		return c.Write(ctx, websocket.MessageText, b)
	}
	session := map[string]any{"type": "realtime", "object": "realtime.session", "id": "sess_" + s.name, "model": model}
	if send(map[string]any{"type": "session.created", "session": session}) != nil {
		return
	}
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		frame := base
		frame.Method, frame.Header, frame.Body = "WS", nil, data
		s.record(frame)
		var ev struct {
			Type    string         `json:"type"`
			Session map[string]any `json:"session"`
		}
		if json.Unmarshal(data, &ev) != nil || ev.Type != "session.update" {
			continue
		}
		for k, v := range ev.Session {
			session[k] = v
		}
		if send(map[string]any{"type": "session.updated", "session": session}) != nil {
			return
		}
	}
}

func (s *Server) record(req Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, req Request) {
	model := req.Model()
	p := req.Path
	switch {
	case strings.HasPrefix(p, "/model/"):
		s.bedrock(w, req, model)
	case strings.Contains(lastSegment(p), ":"):
		s.google(w, r, req, model)
	case strings.HasSuffix(p, "/messages/count_tokens"):
		writeJSON(w, map[string]any{"input_tokens": 3})
	case strings.HasSuffix(p, "/messages"):
		if jsonBool(req.Body, "stream") {
			anthropicSSE(w, model)
			return
		}
		writeJSON(w, anthropicMessage(s.name, model))
	case strings.HasSuffix(p, "/chat/completions"):
		if jsonBool(req.Body, "stream") {
			openAIChatSSE(w, s.name, model)
			return
		}
		writeJSON(w, openAIChat(s.name, model))
	case strings.HasSuffix(p, "/responses"):
		if jsonBool(req.Body, "stream") {
			openAIResponsesSSE(w, s.name, model)
			return
		}
		writeJSON(w, openAIResponse(s.name, model))
	case strings.HasSuffix(p, "/embeddings"):
		writeJSON(w, map[string]any{
			"object": "list",
			"model":  model,
			"data":   []any{map[string]any{"object": "embedding", "index": 0, "embedding": []float64{0.25, 0.5}}},
			"usage":  map[string]any{"prompt_tokens": 1, "total_tokens": 1},
		})
	case strings.HasSuffix(p, "/audio/transcriptions"), strings.HasSuffix(p, "/audio/translations"):
		writeJSON(w, map[string]any{"text": "hello from " + model})
	case strings.HasSuffix(p, "/realtime"), strings.HasSuffix(p, "/realtime/sessions"):
		writeJSON(w, map[string]any{"object": "realtime.session", "model": model})
	case strings.HasSuffix(p, "/models"):
		writeJSON(w, map[string]any{"object": "list", "data": []any{}})
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = fmt.Fprintf(w, `{"error":{"message":"fake upstream: no handler for %q"}}`, p)
	}
}

// Model returns the model the request names, as the upstream would read it:
// the Bedrock modelId path segment, the Gemini/Vertex models/{m} segment,
// the Azure deployment, else the JSON body's or the multipart form's
// "model". It is an assertion helper for tests, not an authorization parser.
func (r Request) Model() string {
	p := r.Path
	if rest, ok := strings.CutPrefix(r.RawPath, "/model/"); ok {
		if i := strings.LastIndexByte(rest, '/'); i >= 0 {
			if id, err := url.PathUnescape(rest[:i]); err == nil {
				return id
			}
			return rest[:i]
		}
	}
	if i := strings.Index(p, "/models/"); i >= 0 {
		m := p[i+len("/models/"):]
		if j := strings.LastIndexByte(m, ':'); j >= 0 {
			m = m[:j]
		}
		if m != "" && m != "count-tokens" && strings.IndexByte(m, '/') < 0 {
			return m
		}
	}
	if _, rest, ok := strings.Cut(p, "/openai/deployments/"); ok {
		d, _, _ := strings.Cut(rest, "/")
		return d
	}
	if m := jsonString(r.Body, "model"); m != "" {
		return m
	}
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") {
		if _, params, err := mime.ParseMediaType(ct); err == nil {
			mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
			for {
				part, err := mr.NextPart()
				if err != nil {
					break
				}
				if part.FormName() == "model" {
					b, _ := io.ReadAll(part)
					return string(b)
				}
			}
		}
	}
	if q, err := url.ParseQuery(r.RawQuery); err == nil && q.Get("model") != "" {
		return q.Get("model")
	}
	return ""
}

func lastSegment(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

func (s *Server) bedrock(w http.ResponseWriter, req Request, model string) {
	action := lastSegment(req.RawPath)
	w.Header().Set("X-Amzn-Requestid", "fake-"+s.name)
	switch action {
	case "invoke":
		// The body's shape is the model's own; an Anthropic Messages body
		// satisfies both bedrockruntime (opaque bytes) and the Anthropic
		// SDK's Bedrock option.
		writeJSON(w, anthropicMessage(s.name, model))
	case "invoke-with-response-stream":
		es := newEventStream(w)
		for _, ev := range anthropicEvents(model) {
			b, _ := json.Marshal(ev.data)
			es.event("chunk", map[string]any{"bytes": base64.StdEncoding.EncodeToString(b)})
		}
	case "converse":
		writeJSON(w, map[string]any{
			"output":     map[string]any{"message": map[string]any{"role": "assistant", "content": []any{map[string]any{"text": "hello from " + model}}}},
			"stopReason": "end_turn",
			"usage":      map[string]any{"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
			"metrics":    map[string]any{"latencyMs": 1},
		})
	case "converse-stream":
		es := newEventStream(w)
		es.event("messageStart", map[string]any{"role": "assistant"})
		es.event("contentBlockDelta", map[string]any{"contentBlockIndex": 0, "delta": map[string]any{"text": "hello "}})
		es.event("contentBlockDelta", map[string]any{"contentBlockIndex": 0, "delta": map[string]any{"text": "from " + model}})
		es.event("contentBlockStop", map[string]any{"contentBlockIndex": 0})
		es.event("messageStop", map[string]any{"stopReason": "end_turn"})
		es.event("metadata", map[string]any{
			"usage":   map[string]any{"inputTokens": 1, "outputTokens": 2, "totalTokens": 3},
			"metrics": map[string]any{"latencyMs": 1},
		})
	case "count-tokens":
		writeJSON(w, map[string]any{"inputTokens": 3})
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", "UnknownOperationException")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"fake upstream: unknown Bedrock action"}`)
	}
}

func (s *Server) google(w http.ResponseWriter, r *http.Request, req Request, model string) {
	seg := lastSegment(req.Path)
	verb := seg[strings.LastIndexByte(seg, ':')+1:]
	switch verb {
	case "generateContent":
		writeJSON(w, geminiResponse(model, "hello from "+model))
	case "streamGenerateContent":
		if r.URL.Query().Get("alt") == "sse" {
			sse := newSSE(w)
			sse.send("", geminiResponse(model, "hello "))
			sse.send("", geminiResponse(model, "from "+model))
			return
		}
		// Without alt=sse the API streams one JSON array.
		writeJSON(w, []any{geminiResponse(model, "hello "), geminiResponse(model, "from "+model)})
	case "countTokens":
		writeJSON(w, map[string]any{"totalTokens": 3})
	case "embedContent":
		writeJSON(w, map[string]any{"embedding": embedding()})
	case "batchEmbedContents":
		writeJSON(w, map[string]any{"embeddings": []any{embedding()}})
	case "predict":
		writeJSON(w, map[string]any{"predictions": []any{map[string]any{"embeddings": embedding()}}})
	case "rawPredict":
		if strings.HasSuffix(seg, "count-tokens:rawPredict") {
			writeJSON(w, map[string]any{"input_tokens": 3})
			return
		}
		writeJSON(w, anthropicMessage(s.name, model))
	case "streamRawPredict":
		anthropicSSE(w, model)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = fmt.Fprintf(w, `{"error":{"code":404,"message":"fake upstream: unknown verb %q","status":"NOT_FOUND"}}`, verb)
	}
}

func embedding() map[string]any {
	return map[string]any{"values": []float64{0.25, 0.5}}
}

func geminiResponse(model, text string) map[string]any {
	return map[string]any{
		"candidates": []any{map[string]any{
			"content":      map[string]any{"role": "model", "parts": []any{map[string]any{"text": text}}},
			"finishReason": "STOP",
			"index":        0,
		}},
		"usageMetadata": map[string]any{"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
		"modelVersion":  model,
	}
}

func anthropicMessage(name, model string) map[string]any {
	return map[string]any{
		"id":            "msg_" + name,
		"type":          "message",
		"role":          "assistant",
		"model":         model,
		"content":       []any{map[string]any{"type": "text", "text": "hello from " + model}},
		"stop_reason":   "end_turn",
		"stop_sequence": nil,
		"usage":         map[string]any{"input_tokens": 1, "output_tokens": 1},
	}
}

type namedEvent struct {
	name string
	data any
}

func anthropicEvents(model string) []namedEvent {
	return []namedEvent{
		{"message_start", map[string]any{"type": "message_start", "message": map[string]any{
			"id": "msg_stream", "type": "message", "role": "assistant", "model": model, "content": []any{},
			"stop_reason": nil, "stop_sequence": nil, "usage": map[string]any{"input_tokens": 1, "output_tokens": 0},
		}}},
		{"content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}}},
		{"content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": "hello "}}},
		{"content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": "from " + model}}},
		{"content_block_stop", map[string]any{"type": "content_block_stop", "index": 0}},
		{"message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": "end_turn", "stop_sequence": nil}, "usage": map[string]any{"output_tokens": 2}}},
		{"message_stop", map[string]any{"type": "message_stop"}},
	}
}

func anthropicSSE(w http.ResponseWriter, model string) {
	sse := newSSE(w)
	for _, ev := range anthropicEvents(model) {
		sse.send(ev.name, ev.data)
	}
}

func openAIChat(name, model string) map[string]any {
	return map[string]any{
		"id": "chatcmpl-" + name, "object": "chat.completion", "created": 1, "model": model,
		"choices": []any{map[string]any{
			"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": "hello from " + model},
		}},
		"usage": map[string]any{"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
	}
}

func openAIChatSSE(w http.ResponseWriter, name, model string) {
	sse := newSSE(w)
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{
			"id": "chatcmpl-" + name, "object": "chat.completion.chunk", "created": 1, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		}
	}
	sse.send("", chunk(map[string]any{"role": "assistant", "content": "hello "}, nil))
	sse.send("", chunk(map[string]any{"content": "from " + model}, nil))
	sse.send("", chunk(map[string]any{}, "stop"))
	sse.raw("[DONE]")
}

func openAIResponse(name, model string) map[string]any {
	return map[string]any{
		"id": "resp_" + name, "object": "response", "created_at": 1, "model": model, "status": "completed",
		"output": []any{map[string]any{
			"type": "message", "id": "msg_" + name, "role": "assistant", "status": "completed",
			"content": []any{map[string]any{"type": "output_text", "text": "hello from " + model, "annotations": []any{}}},
		}},
		"usage": map[string]any{"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
	}
}

func openAIResponsesSSE(w http.ResponseWriter, name, model string) {
	sse := newSSE(w)
	inProgress := openAIResponse(name, model)
	inProgress["status"] = "in_progress"
	inProgress["output"] = []any{}
	sse.send("response.created", map[string]any{"type": "response.created", "sequence_number": 0, "response": inProgress})
	sse.send("response.output_text.delta", map[string]any{"type": "response.output_text.delta", "sequence_number": 1, "item_id": "msg_" + name, "output_index": 0, "content_index": 0, "delta": "hello "})
	sse.send("response.output_text.delta", map[string]any{"type": "response.output_text.delta", "sequence_number": 2, "item_id": "msg_" + name, "output_index": 0, "content_index": 0, "delta": "from " + model})
	sse.send("response.completed", map[string]any{"type": "response.completed", "sequence_number": 3, "response": openAIResponse(name, model)})
}

type sseWriter struct {
	w http.ResponseWriter
	f http.Flusher
}

func newSSE(w http.ResponseWriter) *sseWriter {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	return &sseWriter{w: w, f: f}
}

func (s *sseWriter) send(event string, data any) {
	b, _ := json.Marshal(data)
	if event != "" {
		_, _ = fmt.Fprintf(s.w, "event: %s\n", event)
	}
	_, _ = fmt.Fprintf(s.w, "data: %s\n\n", b)
	s.flush()
}

func (s *sseWriter) raw(data string) {
	_, _ = fmt.Fprintf(s.w, "data: %s\n\n", data)
	s.flush()
}

func (s *sseWriter) flush() {
	if s.f != nil {
		s.f.Flush()
	}
}

// eventStreamWriter writes the binary application/vnd.amazon.eventstream
// framing Bedrock uses for response streams: one message per event, with
// :message-type "event", :event-type naming the union member and a JSON
// payload.
type eventStreamWriter struct {
	w   http.ResponseWriter
	f   http.Flusher
	enc *eventstream.Encoder
}

func newEventStream(w http.ResponseWriter) *eventStreamWriter {
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	return &eventStreamWriter{w: w, f: f, enc: eventstream.NewEncoder()}
}

func (e *eventStreamWriter) event(eventType string, payload any) {
	b, _ := json.Marshal(payload)
	var msg eventstream.Message
	msg.Headers.Set(":event-type", eventstream.StringValue(eventType))
	msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
	msg.Headers.Set(":message-type", eventstream.StringValue("event"))
	msg.Payload = b
	_ = e.enc.Encode(e.w, msg)
	if e.f != nil {
		e.f.Flush()
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func jsonString(body []byte, key string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(m[key], &s) != nil {
		return ""
	}
	return s
}

func jsonBool(body []byte, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	var b bool
	return json.Unmarshal(m[key], &b) == nil && b
}
