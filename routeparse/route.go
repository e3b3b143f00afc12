package routeparse

import "errors"

// Provider is the API dialect a request speaks. It decides how models are
// found and in which shape a deny response must be written.
type Provider uint8

const (
	ProviderUnknown Provider = iota
	OpenAI                   // OpenAI and OpenAI-compatible bodies (/v1/chat/completions, /v1/responses, ...)
	Azure                    // Azure OpenAI (/openai/deployments/{d}/..., /openai/v1/...)
	Anthropic                // Anthropic Messages API (/v1/messages)
	Bedrock                  // Amazon Bedrock runtime (/model/{modelId}/{action})
	Gemini                   // Google Gemini API (/v1beta/models/{m}:{verb})
	Vertex                   // Google Vertex AI (/v1/projects/{p}/locations/{l}/...)
	Cohere                   // Cohere (/v1/chat, /v2/chat, ...)
	Ollama                   // Ollama native (/api/chat, /api/generate, ...)
)

var providerNames = [...]string{
	ProviderUnknown: "unknown",
	OpenAI:          "openai",
	Azure:           "azure",
	Anthropic:       "anthropic",
	Bedrock:         "bedrock",
	Gemini:          "gemini",
	Vertex:          "vertex_ai",
	Cohere:          "cohere",
	Ollama:          "ollama",
}

// String returns the provider's LiteLLM-style prefix name ("bedrock",
// "vertex_ai", ...), which is also how provider-qualified model names are
// spelled ("bedrock/anthropic.claude-...").
func (p Provider) String() string {
	if int(p) < len(providerNames) {
		return providerNames[p]
	}
	return "unknown"
}

// Source says where in the request a model name was found.
type Source uint8

const (
	SourceNone    Source = iota
	SourcePath           // a path segment (Bedrock {modelId}, Azure {deployment}, Gemini/Vertex models/{m})
	SourceQuery          // a query parameter (?model=, ?deployment=)
	SourceBody           // a JSON body member (model, modelId, fallbacks, ...)
	SourceForm           // a multipart/form-data field (model); URL-encoded forms are refused
	SourceHeader         // a header; reserved: no shape of the grammar reads a model from a header
	SourceDefault        // not in the request: the upstream's default for a request naming none, from Parser.DefaultModels
)

var sourceNames = [...]string{"none", "path", "query", "body", "form", "header", "default"}

func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return "unknown"
}

// BodyKind says whether and how the body must be read to finish
// classification. The middleware reads the body only when it is not BodyNone.
type BodyKind uint8

const (
	BodyNone      BodyKind = iota // the request line says everything; do not read the body
	BodyJSON                      // a JSON object whose top level may name models
	BodyMultipart                 // multipart/form-data (audio transcriptions, image edits; POST videos also takes JSON)
)

var bodyKindNames = [...]string{"none", "json", "multipart"}

func (b BodyKind) String() string {
	if int(b) < len(bodyKindNames) {
		return bodyKindNames[b]
	}
	return "unknown"
}

// Sentinel errors. Every parse error wraps exactly one of them, so callers
// can map categories to responses with errors.Is.
var (
	// ErrMalformedPath: the request line is not in canonical form (dot
	// segments, //, bad or double percent-encoding, ...) or a known route
	// prefix is followed by an unknown shape.
	ErrMalformedPath = errors.New("routeparse: malformed path")
	// ErrUnknownRoute: nothing in the grammar matches the request.
	ErrUnknownRoute = errors.New("routeparse: unknown route")
	// ErrNoModel: the route carries a model but none was found.
	ErrNoModel = errors.New("routeparse: route names no model")
	// ErrAmbiguousModel: the request names its model more than once in a way
	// that different parsers may read differently (duplicate, escaped or
	// case-variant keys, several form fields), or sources disagree.
	ErrAmbiguousModel = errors.New("routeparse: ambiguous model")
	// ErrMalformedBody: the body is not valid for its content type (invalid
	// JSON, non-string model, BOM, trailing data, bad multipart).
	ErrMalformedBody = errors.New("routeparse: malformed body")
	// ErrUnsupportedEncoding: a Content-Encoding the parser cannot decode.
	ErrUnsupportedEncoding = errors.New("routeparse: unsupported content encoding")
	// ErrBodyTooLarge: the (decoded) body exceeds the caller's limit.
	ErrBodyTooLarge = errors.New("routeparse: body too large")
	// ErrTooManyModels: the request names more models than
	// [Parser].MaxModels allows.
	ErrTooManyModels = errors.New("routeparse: too many models")
)

// Operation is what the request asks the provider to do.
type Operation uint8

const (
	OpUnknown            Operation = iota
	OpChatCompletions              // OpenAI-style /chat/completions
	OpCompletions                  // legacy /completions
	OpResponses                    // OpenAI Responses API
	OpMessages                     // Anthropic /v1/messages
	OpCountTokens                  // token counting (Anthropic, Bedrock, Gemini, Vertex)
	OpEmbeddings                   // embeddings (OpenAI, Gemini embedContent, ...)
	OpImageGeneration              // images/generations
	OpImageEdit                    // images/edits, images/variations (multipart)
	OpAudioSpeech                  // audio/speech
	OpAudioTranscription           // audio/transcriptions (multipart)
	OpAudioTranslation             // audio/translations (multipart)
	OpModeration                   // moderations
	OpRealtime                     // realtime sessions (?model=, ?deployment=)
	OpFineTuning                   // fine_tuning/jobs
	OpBatch                        // batch APIs (Anthropic message batches, ...)
	OpRerank                       // rerank (Cohere, ...)
	OpInvoke                       // Bedrock InvokeModel / InvokeModelWithResponseStream
	OpConverse                     // Bedrock Converse / ConverseStream
	OpAsyncInvoke                  // Bedrock StartAsyncInvoke
	OpGenerateContent              // Gemini/Vertex generateContent / streamGenerateContent
	OpPredict                      // Vertex/Gemini predict, rawPredict, predictLongRunning, ...
	OpCachedContents               // Gemini/Vertex cachedContents
	OpListModels                   // model listing (model-free)
	OpOther                        // a recognised route that is neither of the above
	OpGetModel                     // one model's metadata (GET /v1/models/{m}, GET models/{m}); names the model
)

// The Bedrock control plane's model discovery (service/bedrock).
const (
	OpListInferenceProfiles Operation = OpGetModel + 1 + iota // GET /inference-profiles (model-free)
	OpGetInferenceProfile                                     // GET /inference-profiles/{id}; names the profile
	OpListFoundationModels                                    // GET /foundation-models (model-free)
	OpGetFoundationModel                                      // GET /foundation-models/{id}; names the model
)

// Operations of OpenAI routes whose model the upstream may pick itself.
const (
	OpThreadRun       Operation = OpGetFoundationModel + 1 + iota // Assistants runs: POST threads/{id}/runs, threads/runs
	OpVideoGeneration                                             // POST videos (multipart)
)

var operationNames = [...]string{
	OpUnknown:            "unknown",
	OpChatCompletions:    "chat_completions",
	OpCompletions:        "completions",
	OpResponses:          "responses",
	OpMessages:           "messages",
	OpCountTokens:        "count_tokens",
	OpEmbeddings:         "embeddings",
	OpImageGeneration:    "image_generation",
	OpImageEdit:          "image_edit",
	OpAudioSpeech:        "audio_speech",
	OpAudioTranscription: "audio_transcription",
	OpAudioTranslation:   "audio_translation",
	OpModeration:         "moderation",
	OpRealtime:           "realtime",
	OpFineTuning:         "fine_tuning",
	OpBatch:              "batch",
	OpRerank:             "rerank",
	OpInvoke:             "invoke",
	OpConverse:           "converse",
	OpAsyncInvoke:        "async_invoke",
	OpGenerateContent:    "generate_content",
	OpPredict:            "predict",
	OpCachedContents:     "cached_contents",
	OpListModels:         "list_models",
	OpOther:              "other",
	OpGetModel:           "get_model",

	OpListInferenceProfiles: "list_inference_profiles",
	OpGetInferenceProfile:   "get_inference_profile",
	OpListFoundationModels:  "list_foundation_models",
	OpGetFoundationModel:    "get_foundation_model",
	OpThreadRun:             "thread_run",
	OpVideoGeneration:       "video_generation",
}

func (o Operation) String() string {
	if int(o) < len(operationNames) {
		return operationNames[o]
	}
	return "unknown"
}

// escaping says how a Model's raw text must be decoded.
type escaping uint8

const (
	escNone    escaping = iota // raw is the name
	escPercent                 // raw is a percent-encoded path segment or query value
	escQuery                   // raw is a percent-encoded query value in which '+' means space
)

// Model is one model name found in a request, with where it was found.
// It keeps its raw text as sent and its name decoded once, when it was
// recorded, so [Model.Name] never allocates. A Model is a small value
// (64 bytes) that copies cheaply.
type Model struct {
	Source Source

	// Unexported fields are placed so that a Model packs into 64 bytes.
	// part: one of the comma-separated names of a JSON string ("a,b").
	part bool
	// elem: a body model that is an element of a JSON list.
	elem bool
	// Where the JSON string that carried a body model lies in the body:
	// b[spanOff:spanEnd], quotes included. spanEnd is 0 for other models.
	spanOff uint32

	// Field names the member, segment or parameter that carried the model
	// ("modelId", "deployment", "model", "fallbacks", ...). Always a constant.
	Field string
	// Fallback is true for models named as fallbacks or other secondary
	// targets of the same request; they are authorized like the primary
	// one but take no part in the agreement check between sources (see
	// [Parser.ParseBody]) and cannot satisfy a route's need for a model.
	// Besides the three fallback lists, secondary models are those of
	// Responses API tools (Field "tools.model", "tools.svg.model": the
	// image_generation tool runs the model it names).
	Fallback bool

	spanEnd uint32
	raw     string
	// name is the decoded name: raw itself (no allocation) when raw has no
	// escapes and no Vertex publisher qualifier is joined on.
	name string
}

// Route is the classification of one request. The zero value is an
// unclassified request. Models are stored inline for the common case, so a
// Route on the stack costs no allocation.
//
// Only the parser makes Routes: one it returned is sealed ([Route.Sealed])
// over its exported fields and models, and a Route built by hand or
// edited afterwards is not, so an authorizer can refuse it instead of
// trusting a ModelFree or Provider nobody parsed. Read a Route's fields;
// do not set them.
type Route struct {
	Provider  Provider
	Operation Operation
	// Dialect is the API shape of the request and response bodies when it
	// is not Provider's own, and ProviderUnknown otherwise: Anthropic for
	// the Messages requests anthropic-sdk-go's bedrock and vertex options
	// send to Bedrock and Vertex, OpenAI for OpenAI-compatible surfaces of
	// other providers. Provider still decides how model IDs resolve; write
	// deny responses in [Route.ResponseDialect], which the client's SDK
	// parses.
	Dialect Provider
	// Prefix is the gateway prefix the path matched ("/bedrock", "" for none).
	Prefix string
	// UpstreamPath is the escaped path with Prefix removed.
	UpstreamPath string
	// Stream reports whether the response is a stream (path suffix, verb,
	// body "stream", form field, or the provider's default).
	Stream bool
	// ModelFree is true for routes that name no model by design
	// (GET /v1/models, health checks, file and batch management).
	ModelFree bool
	// Body says whether ParseBody must be called, and with what kind of body.
	Body BodyKind

	shape      bodyShape // which members ParseBody extracts
	needModel  bool      // the route must end up naming at least one model
	optModel   bool      // the upstream picks a model when the request names none (Parser.DefaultModels)
	formOrJSON bool      // a BodyMultipart route that also takes a JSON body (Content-Type application/json)
	parsed     bool      // ParseBody succeeded on this route
	row        uint16    // 1 + the index in apiRows of the row that matched, 0 for routes of other matchers
	seal       sealState // the fields as the parser left them (seal.go)
	// pub is the Vertex publisher of a publisher model route (a substring
	// of the path); body models of that route are compared with the path
	// model in the publisher's spellings.
	pub    string
	n      uint8
	inline [inlineModels]Model
	extra  []Model
}

// ResponseDialect is the provider whose error shape the client expects:
// Dialect when set, Provider otherwise.
func (r *Route) ResponseDialect() Provider {
	if r.Dialect != ProviderUnknown {
		return r.Dialect
	}
	return r.Provider
}

// BodyParsed reports whether the route's models are complete: true when
// Body is [BodyNone] (the request line names every model) or after
// [Parser.ParseBody] succeeded on this Route, false otherwise. An
// authorizer should refuse a route for which it is false instead of
// authorizing the models of the request line alone.
func (r *Route) BodyParsed() bool {
	return r.Body == BodyNone || r.parsed
}

// bodyShape tells the body extractor which members name models.
type bodyShape uint8

const (
	shapeNone          bodyShape = iota
	shapeModel                   // top-level "model" (+ fallbacks, + "stream")
	shapeModelID                 // Bedrock StartAsyncInvoke: top-level "modelId"
	shapeBatchRequests           // Anthropic message batches: requests[].params.model
	shapeGoogle                  // Gemini/Vertex model-path routes: body models must agree with the path
	shapeSession                 // OpenAI realtime client secrets: session.model, session.audio.input.transcription.model
	shapeCallOffer               // OpenAI realtime calls: multipart whose "session" part is a session object
	shapeCallSession             // the JSON "session" part of a call offer (a session object at the top level)
)

// Models returns every model the request names: after ParseRequest those in
// the path and query; after ParseBody also those in the body.
// The slice aliases the Route and must not be modified.
func (r *Route) Models() []Model {
	if r.extra != nil {
		return r.extra
	}
	return r.inline[:r.n]
}

// inlineModels is how many models a Route holds without an allocation:
// a request names one model, or two (a deployment and a body model, a
// session and its transcription model); fallback lists are rarer. Each
// inline slot is stored twice (the seal keeps a copy), and a Route is part
// of every request's state in modelacl, so the count is kept small.
const inlineModels = 2

// addModel appends m, spilling to the heap only past the inline capacity.
func (r *Route) addModel(m Model) {
	if r.extra != nil {
		r.extra = append(r.extra, m)
		return
	}
	if int(r.n) < len(r.inline) {
		r.inline[r.n] = m
		r.n++
		return
	}
	r.extra = make([]Model, 0, 2*len(r.inline))
	r.extra = append(r.extra, r.inline[:]...)
	r.extra = append(r.extra, m)
}
