package routeparse

// famSet is a set of API surfaces that share the "/v1/..." path space.
type famSet uint8

const (
	famOpenAI      famSet = 1 << iota // OpenAI REST API (and the many OpenAI-compatible servers)
	famAnthropic                      // Anthropic API
	famCohere                         // Cohere API
	famOllama                         // Ollama native API (/api/...)
	famCompat                         // the OpenAI-compatible chat surface of other providers
	famBedrockMsgs                    // Anthropic Messages as anthropic-sdk-go's bedrock option sends it behind a prefix
)

// apiEntry is one OpenAI-shaped route for one method.
type apiEntry struct {
	fam     famSet
	prov    Provider // the provider when no prefix says otherwise
	sp      spec
	methods methods // methods the path allows
	model   int     // index of the path segment naming the model, or -1
	limit   string  // non-empty: the route cannot be authorized from the request
}

func entry(fam famSet, prov Provider, mb methods, sp spec) apiEntry {
	return apiEntry{fam: fam, prov: prov, sp: sp, methods: mb, model: -1}
}

// ollamaSpec: Ollama's /api/chat and /api/generate stream unless the body
// says "stream": false.
func ollamaSpec(op Operation) spec {
	sp := bodySpec(op)
	sp.stream = true
	return sp
}

// matchAPI matches the OpenAI-shaped path space shared by OpenAI, Anthropic,
// Cohere and Ollama (and OpenAI-compatible layers of other providers),
// restricted to the surfaces in fams. prov, when not ProviderUnknown,
// overrides the provider (the gateway prefix or the enclosing route says
// which provider serves the request); otherwise each route names its own.
//
// Versions: OpenAI routes are served under "/v1" and unversioned (the
// OpenAI SDKs send "/chat/completions" under a base URL that ends in
// "/v1"); Anthropic routes under "/v1"; Cohere under "/v1" and "/v2";
// Ollama under "/api".
func matchAPI(r *Route, mb methods, s []string, fams famSet, prov Provider) (bool, error) {
	if len(s) == 0 {
		return false, nil
	}
	ver, t := "", s
	switch s[0] {
	case "v1", "v2", "api":
		ver, t = s[0], s[1:]
	}
	e, found := lookupAPI(ver, t, mb)
	if !found || e.fam&fams == 0 {
		return false, nil
	}
	switch {
	case prov == ProviderUnknown:
		prov = e.prov
	case e.fam&ownFamily(prov) == 0:
		// Another provider serving this route's API shape (Anthropic
		// Messages behind the Bedrock prefix, OpenAI-compatible chat on
		// Gemini, Vertex or Anthropic): clients speak the route's dialect.
		r.Dialect = e.prov
	}
	r.Provider = prov
	shape := prov.String()
	if e.methods&mb == 0 {
		return false, methodErr(shape, mb, "/"+joinHint(s))
	}
	if e.limit != "" {
		return false, &Error{Shape: shape, Detail: e.limit, Err: ErrNoModel}
	}
	r.apply(e.sp)
	if e.model >= 0 {
		return true, r.addPathModel(shape, "model", t[e.model], "", false)
	}
	return true, nil
}

// ownFamily is the API surface a provider serves natively in this path
// space.
func ownFamily(p Provider) famSet {
	switch p {
	case OpenAI, Azure:
		return famOpenAI
	case Anthropic:
		return famAnthropic
	case Cohere:
		return famCohere
	case Ollama:
		return famOllama
	}
	return 0
}

// joinHint names a route in an error message without allocating more than
// the message itself does: the first two segments are enough to say which.
func joinHint(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return s[0] + "/" + s[1] + "/..."
}

// lookupAPI is the route table of the OpenAI-shaped path space. t is the
// path after the version segment ver ("" when unversioned). It returns
// the entry for the path; entry.methods says which methods the path
// allows, and the spec is the one for mb when it is allowed.
//
// Sources: openai-go/v3@v3.98.0 (paths in chat/completions, responses,
// embeddings, images, audio, moderations, finetuning, files, uploads,
// batches, models, realtime), anthropic-sdk-go/v2@v2.15.0 (messages,
// messages/count_tokens, messages/batches, models, files, complete),
// Cohere's v1/v2 API, Ollama's /api.
func lookupAPI(ver string, t []string, mb methods) (apiEntry, bool) {
	n := len(t)
	if n == 0 {
		return apiEntry{}, false
	}
	oa := ver == "" || ver == "v1"
	an := ver == "v1"
	co := ver == "v1" || ver == "v2"
	ol := ver == "api"
	free := func(fam famSet, prov Provider, ms methods) (apiEntry, bool) {
		return entry(fam, prov, ms, specFree), true
	}
	switch t[0] {
	case "chat":
		switch {
		case n == 1 && co:
			return entry(famCohere, Cohere, mPost, bodySpec(OpChatCompletions)), true
		case n == 1 && ol:
			return entry(famOllama, Ollama, mPost, ollamaSpec(OpChatCompletions)), true
		case n == 1 || !oa || t[1] != "completions":
		case n == 2:
			if mb == mGet { // list stored completions
				return free(famOpenAI, OpenAI, mGet|mPost)
			}
			return entry(famOpenAI|famCompat, OpenAI, mGet|mPost, bodySpec(OpChatCompletions)), true
		case n == 3 && idSegment(t[2]):
			return free(famOpenAI, OpenAI, mGet|mPost|mDelete)
		case n == 4 && idSegment(t[2]) && t[3] == "messages":
			return free(famOpenAI, OpenAI, mGet)
		}
	case "completions":
		if n == 1 && oa {
			return entry(famOpenAI, OpenAI, mPost, bodySpec(OpCompletions)), true
		}
	case "complete":
		if n == 1 && an { // Anthropic legacy Text Completions
			return entry(famAnthropic, Anthropic, mPost, bodySpec(OpCompletions)), true
		}
	case "responses":
		switch {
		case !oa:
		case n == 1:
			return entry(famOpenAI, OpenAI, mPost, bodySpec(OpResponses)), true
		case n == 2 && t[1] == "input_tokens":
			return entry(famOpenAI, OpenAI, mPost, bodySpec(OpCountTokens)), true
		case n == 2 && t[1] == "compact":
			return entry(famOpenAI, OpenAI, mPost, bodySpec(OpResponses)), true
		case n == 2 && idSegment(t[1]):
			return free(famOpenAI, OpenAI, mGet|mDelete)
		case n == 3 && idSegment(t[1]) && t[2] == "cancel":
			return free(famOpenAI, OpenAI, mPost)
		case n == 3 && idSegment(t[1]) && t[2] == "input_items":
			return free(famOpenAI, OpenAI, mGet)
		}
	case "embeddings":
		switch {
		case n == 1 && oa:
			return entry(famOpenAI|famCompat, OpenAI, mPost, bodySpec(OpEmbeddings)), true
		case n == 1 && ol: // legacy Ollama embeddings
			return entry(famOllama, Ollama, mPost, bodySpec(OpEmbeddings)), true
		}
	case "embed":
		switch {
		case n == 1 && co:
			return entry(famCohere, Cohere, mPost, bodySpec(OpEmbeddings)), true
		case n == 1 && ol:
			return entry(famOllama, Ollama, mPost, bodySpec(OpEmbeddings)), true
		}
	case "rerank":
		if n == 1 && co {
			return entry(famCohere, Cohere, mPost, bodySpec(OpRerank)), true
		}
	case "generate":
		switch {
		case n == 1 && ver == "v1": // Cohere legacy generate
			return entry(famCohere, Cohere, mPost, bodySpec(OpCompletions)), true
		case n == 1 && ol:
			return entry(famOllama, Ollama, mPost, ollamaSpec(OpCompletions)), true
		}
	case "images":
		if n == 2 && oa {
			switch t[1] {
			case "generations":
				return entry(famOpenAI|famCompat, OpenAI, mPost, bodySpec(OpImageGeneration)), true
			case "edits", "variations":
				return entry(famOpenAI, OpenAI, mPost, formSpec(OpImageEdit)), true
			}
		}
	case "audio":
		if n == 2 && oa {
			switch t[1] {
			case "speech":
				return entry(famOpenAI, OpenAI, mPost, bodySpec(OpAudioSpeech)), true
			case "transcriptions":
				return entry(famOpenAI, OpenAI, mPost, formSpec(OpAudioTranscription)), true
			case "translations":
				return entry(famOpenAI, OpenAI, mPost, formSpec(OpAudioTranslation)), true
			}
		}
	case "moderations":
		// The model is optional for OpenAI (a default is picked upstream);
		// here it is required, so what is authorized is what is served.
		if n == 1 && oa {
			return entry(famOpenAI, OpenAI, mPost, bodySpec(OpModeration)), true
		}
	case "fine_tuning":
		switch {
		case !oa || n < 2 || t[1] != "jobs":
		case n == 2:
			if mb == mGet {
				return free(famOpenAI, OpenAI, mGet|mPost)
			}
			return entry(famOpenAI, OpenAI, mGet|mPost, bodySpec(OpFineTuning)), true
		case n == 3 && idSegment(t[2]):
			return free(famOpenAI, OpenAI, mGet)
		case n == 4 && idSegment(t[2]):
			switch t[3] {
			case "events", "checkpoints":
				return free(famOpenAI, OpenAI, mGet)
			case "cancel", "pause", "resume":
				return free(famOpenAI, OpenAI, mPost)
			}
		}
	case "files":
		switch {
		case !oa:
		case n == 1:
			return free(famOpenAI|famAnthropic, OpenAI, mGet|mPost)
		case n == 2 && idSegment(t[1]):
			return free(famOpenAI|famAnthropic, OpenAI, mGet|mDelete)
		case n == 3 && idSegment(t[1]) && t[2] == "content":
			return free(famOpenAI|famAnthropic, OpenAI, mGet)
		}
	case "uploads":
		switch {
		case !oa:
		case n == 1:
			return free(famOpenAI, OpenAI, mPost)
		case n == 3 && idSegment(t[1]) && (t[2] == "parts" || t[2] == "complete" || t[2] == "cancel"):
			return free(famOpenAI, OpenAI, mPost)
		}
	case "batches":
		switch {
		case !oa:
		case n == 1:
			if mb == mPost {
				// Known limit: an OpenAI batch names its models only inside
				// the uploaded JSONL file, which this request does not carry.
				e := entry(famOpenAI, OpenAI, mGet|mPost, spec{op: OpBatch})
				e.limit = "OpenAI batch creation names its models only in the uploaded input file; it cannot be authorized from the request"
				return e, true
			}
			return entry(famOpenAI, OpenAI, mGet|mPost, spec{op: OpBatch, free: true}), true
		case n == 2 && idSegment(t[1]):
			return entry(famOpenAI, OpenAI, mGet, spec{op: OpBatch, free: true}), true
		case n == 3 && idSegment(t[1]) && t[2] == "cancel":
			return entry(famOpenAI, OpenAI, mPost, spec{op: OpBatch, free: true}), true
		}
	case "models":
		switch {
		case !oa:
		case n == 1:
			return entry(famOpenAI|famAnthropic|famCompat, OpenAI, mGet, specList), true
		case n == 2:
			// One model's metadata names the model: it must be allowed, as
			// the listing shows only allowed models.
			e := entry(famOpenAI|famAnthropic|famCompat, OpenAI, mGet, spec{op: OpGetModel, need: true})
			e.model = 1
			return e, true
		}
	case "realtime":
		// GET /v1/realtime?model=... opens a WebSocket session; the model is
		// in the query (Azure: ?deployment=).
		if n == 1 && oa {
			return entry(famOpenAI, OpenAI, mGet, spec{op: OpRealtime, need: true}), true
		}
	case "messages":
		switch {
		case !an:
		case n == 1:
			return entry(famAnthropic|famBedrockMsgs, Anthropic, mPost, bodySpec(OpMessages)), true
		case n == 2 && t[1] == "count_tokens":
			return entry(famAnthropic|famBedrockMsgs, Anthropic, mPost, bodySpec(OpCountTokens)), true
		case n == 2 && t[1] == "batches":
			if mb == mGet {
				return entry(famAnthropic, Anthropic, mGet|mPost, spec{op: OpBatch, free: true}), true
			}
			return entry(famAnthropic, Anthropic, mGet|mPost, spec{op: OpBatch, body: BodyJSON, shape: shapeBatchRequests, need: true}), true
		case n == 3 && t[1] == "batches" && idSegment(t[2]):
			return entry(famAnthropic, Anthropic, mGet|mDelete, spec{op: OpBatch, free: true}), true
		case n == 4 && t[1] == "batches" && idSegment(t[2]) && (t[3] == "cancel" || t[3] == "results"):
			ms := mGet
			if t[3] == "cancel" {
				ms = mPost
			}
			return entry(famAnthropic, Anthropic, ms, spec{op: OpBatch, free: true}), true
		}
	case "tags", "ps", "version":
		if n == 1 && ol {
			if t[0] == "tags" {
				return entry(famOllama, Ollama, mGet, specList), true
			}
			return free(famOllama, Ollama, mGet)
		}
	case "show":
		if n == 1 && ol {
			return entry(famOllama, Ollama, mPost, bodySpec(OpGetModel)), true
		}
	}
	return apiEntry{}, false
}

// azureAction maps the route after /openai/deployments/{deployment}/ to its
// spec. The set is openai-go/v3 azure/azure.go's jsonRoutes and
// multipartRoutes (the routes its Azure option rewrites to deployment
// paths), plus the legacy "extensions/chat/completions". The deployment in
// the path satisfies the model requirement; a body "model", when present,
// is read too and must agree.
func azureAction(a string) (spec, bool) {
	switch a {
	case "chat/completions", "extensions/chat/completions":
		return bodySpec(OpChatCompletions), true
	case "completions":
		return bodySpec(OpCompletions), true
	case "embeddings":
		return bodySpec(OpEmbeddings), true
	case "audio/speech":
		return bodySpec(OpAudioSpeech), true
	case "images/generations":
		return bodySpec(OpImageGeneration), true
	case "audio/transcriptions":
		return formSpec(OpAudioTranscription), true
	case "audio/translations":
		return formSpec(OpAudioTranslation), true
	case "images/edits":
		return formSpec(OpImageEdit), true
	}
	return spec{}, false
}

// matchAzure matches Azure OpenAI routes (s[0] == "openai"):
//
//	POST /openai/deployments/{deployment}/{action}?api-version=...  model: the deployment
//	     /openai/v1/{openai route}                                  model in body (Azure v1 API)
//	GET  /openai/realtime?deployment=...                            model in query
//	     /openai/{openai route}?api-version=...                     model in body
//
// openai-go's Azure option (azure/azure.go getReplacementPathWithDeployment)
// sends its five JSON and three multipart deployment routes to
// /openai/deployments/{d}/..., with the deployment escaped by
// requestconfig.FormatPath (url.PathEscape), and every other route to
// "/openai" + route.
func matchAzure(r *Route, mb methods, s []string, rest string) (bool, error) {
	if len(s) < 2 || s[0] != "openai" {
		return false, nil
	}
	r.Provider = Azure
	switch s[1] {
	case "deployments":
		if len(s) < 4 {
			return false, pathErr("azure", "expected /openai/deployments/{deployment}/{action}, got %q", clip(rest))
		}
		off := len("/openai/deployments/") + len(s[2]) + 1
		sp, ok := azureAction(rest[off:])
		if !ok {
			return false, pathErr("azure", "unknown deployment action %q", clip(rest[off:]))
		}
		if mb != mPost {
			return false, methodErr("azure", mb, rest)
		}
		r.apply(sp)
		return true, r.addPathModel("azure", "deployment", s[2], "", false)
	case "v1":
		return matchAPI(r, mb, s[1:], famOpenAI, Azure)
	case "v2", "api":
		return false, nil
	}
	return matchAPI(r, mb, s[1:], famOpenAI, Azure)
}
