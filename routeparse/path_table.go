package routeparse

import (
	"fmt"
	"sort"
	"strings"
)

//go:generate go test -run ^TestGrammarDoc$ -update-doc

// The OpenAI-shaped path space (shared by OpenAI, Anthropic, Cohere,
// Ollama, the OpenAI-compatible surfaces of other providers and Bedrock's
// control plane) is the table apiRows: one row per route and method set.
// It is compiled once, at package initialisation, into apiIndex; the
// grammar section of doc.go is generated from it (go generate) and a test
// fails when the two differ, and another when a row has no golden vector
// in testdata/path. Adding a route is one row plus its vectors.
//
// Sources: openai-go/v3@v3.98.0 (paths in chat/completions, responses,
// embeddings, images, audio, moderations, finetuning, files, uploads,
// batches, models, realtime), anthropic-sdk-go/v2@v2.15.0 (messages,
// messages/count_tokens, messages/batches, models, files, complete),
// Cohere's v1/v2 API, Ollama's /api.

// verSet is a set of version segments an apiRow is served under.
type verSet uint8

const (
	verNone verSet = 1 << iota // unversioned: the OpenAI SDKs' base URL ends in /v1
	verV1
	verV2
	verAPI // Ollama's /api

	verOpenAI = verNone | verV1 // OpenAI routes: /v1/... and unversioned
)

// verIndex is the apiIndex slot of each version; versions lists them in
// that order with their segment.
const numVers = 4

var versions = [numVers]struct {
	v   verSet
	seg string
}{{verNone, ""}, {verV1, "v1"}, {verV2, "v2"}, {verAPI, "api"}}

// famSet is a set of API surfaces that share the "/v1/..." path space. A
// matcher asks for the surfaces its context serves (a prefix, a provider's
// compatibility layer), and a row belongs to one or more of them.
type famSet uint16

const (
	famOpenAI         famSet = 1 << iota // OpenAI REST API (and the many OpenAI-compatible servers)
	famAnthropic                         // Anthropic API
	famCohere                            // Cohere API
	famOllama                            // Ollama native API (/api/...)
	famCompat                            // the OpenAI-compatible chat surface of other providers
	famBedrockMsgs                       // Anthropic Messages as anthropic-sdk-go's bedrock option sends it behind a prefix
	famBedrockControl                    // the Bedrock control plane's model discovery (service/bedrock)
	famBedrockOpenAI                     // Bedrock runtime's OpenAI-compatible API, /openai/v1 under the Bedrock prefix
)

// famNames name the surfaces in the generated grammar of doc.go.
var famNames = [...]string{"openai", "anthropic", "cohere", "ollama", "compat", "bedrock-messages", "bedrock-control", "bedrock-openai"}

// Path placeholders of apiRow.path. Everything else is a literal segment,
// compared byte for byte.
const (
	phID    = "{id}"    // an identifier segment without escapes (idSegment)
	phModel = "{model}" // a model, recorded from the path; no encoded '/'
	phARN   = "{arn}"   // a Bedrock model ID or escaped ARN, recorded from the path; encoded '/' allowed
)

// apiRow is one route of the OpenAI-shaped path space for a set of
// methods. path is relative to the version segment.
type apiRow struct {
	methods methods
	vers    verSet
	path    string
	fam     famSet
	prov    Provider // the provider when no prefix or enclosing route says otherwise
	sp      spec
	limit   string // non-empty: the route cannot be authorized from the request (ErrNoModel)
	field   string // Model.Field of a path model; "" is "model"
}

// named sets the Model.Field of the row's path model.
func (rw apiRow) named(field string) apiRow {
	rw.field = field
	return rw
}

// Row constructors, so the table reads as the grammar does.
func post(v verSet, path string, fam famSet, prov Provider, sp spec) apiRow {
	return apiRow{methods: mPost, vers: v, path: path, fam: fam, prov: prov, sp: sp}
}

func get(v verSet, path string, fam famSet, prov Provider, sp spec) apiRow {
	return apiRow{methods: mGet, vers: v, path: path, fam: fam, prov: prov, sp: sp}
}

func row(ms methods, v verSet, path string, fam famSet, prov Provider, sp spec) apiRow {
	return apiRow{methods: ms, vers: v, path: path, fam: fam, prov: prov, sp: sp}
}

// ollamaSpec: Ollama's /api/chat and /api/generate stream unless the body
// says "stream": false.
func ollamaSpec(op Operation) spec {
	sp := bodySpec(op)
	sp.stream = true
	return sp
}

// Specs of the table that are not one of the common ones.
var (
	specBatchFree     = spec{op: OpBatch, free: true}
	specGetModel      = spec{op: OpGetModel, need: true}
	specRealtimeQuery = spec{op: OpRealtime, need: true} // GET realtime?model=: the model is in the query
	specMsgBatches    = spec{op: OpBatch, body: BodyJSON, shape: shapeBatchRequests, need: true}
	specSession       = spec{op: OpRealtime, body: BodyJSON, shape: shapeSession, need: true}
	specCallOffer     = spec{op: OpRealtime, body: BodyMultipart, shape: shapeCallOffer, need: true}
	specVideos        = spec{op: OpVideoGeneration, body: BodyMultipart, shape: shapeModel, need: true, opt: true, json: true}
)

// optional marks a route whose model the upstream picks when the request
// names none: refused with ErrNoModel unless Parser.DefaultModels names
// that default for the operation.
func optional(sp spec) spec {
	sp.opt = true
	return sp
}

// Where several rows share a path, the first is the path's primary row:
// it answers a method no row of the path allows (with a method error, or
// as an unknown route when its surface is not asked for).
const (
	oa = famOpenAI
	an = famAnthropic
	co = famCohere
	ol = famOllama
)

var apiRows = [...]apiRow{
	// OpenAI (openai-go/v3).
	post(verOpenAI, "chat/completions", oa|famCompat|famBedrockOpenAI, OpenAI, bodySpec(OpChatCompletions)),
	get(verOpenAI, "chat/completions", oa, OpenAI, specFree), // stored completions
	row(mGet|mPost|mDelete, verOpenAI, "chat/completions/{id}", oa, OpenAI, specFree),
	get(verOpenAI, "chat/completions/{id}/messages", oa, OpenAI, specFree),
	post(verOpenAI, "completions", oa, OpenAI, bodySpec(OpCompletions)),
	post(verOpenAI, "responses", oa|famBedrockOpenAI, OpenAI, bodySpec(OpResponses)),
	post(verOpenAI, "responses/input_tokens", oa, OpenAI, bodySpec(OpCountTokens)),
	post(verOpenAI, "responses/compact", oa, OpenAI, bodySpec(OpResponses)),
	row(mGet|mDelete, verOpenAI, "responses/{id}", oa, OpenAI, specFree),
	post(verOpenAI, "responses/{id}/cancel", oa, OpenAI, specFree),
	get(verOpenAI, "responses/{id}/input_items", oa, OpenAI, specFree),
	post(verOpenAI, "embeddings", oa|famCompat, OpenAI, bodySpec(OpEmbeddings)),
	post(verOpenAI, "images/generations", oa|famCompat, OpenAI, bodySpec(OpImageGeneration)),
	post(verOpenAI, "images/edits", oa, OpenAI, formSpec(OpImageEdit)),
	post(verOpenAI, "images/variations", oa, OpenAI, formSpec(OpImageEdit)),
	post(verOpenAI, "audio/speech", oa, OpenAI, bodySpec(OpAudioSpeech)),
	post(verOpenAI, "audio/transcriptions", oa, OpenAI, formSpec(OpAudioTranscription)),
	post(verOpenAI, "audio/translations", oa, OpenAI, formSpec(OpAudioTranslation)),
	// The model is optional for OpenAI (a default is picked upstream);
	// here it is required, so what is authorized is what is served.
	post(verOpenAI, "moderations", oa, OpenAI, optional(bodySpec(OpModeration))),
	post(verOpenAI, "fine_tuning/jobs", oa, OpenAI, bodySpec(OpFineTuning)),
	get(verOpenAI, "fine_tuning/jobs", oa, OpenAI, specFree),
	get(verOpenAI, "fine_tuning/jobs/{id}", oa, OpenAI, specFree),
	get(verOpenAI, "fine_tuning/jobs/{id}/events", oa, OpenAI, specFree),
	get(verOpenAI, "fine_tuning/jobs/{id}/checkpoints", oa, OpenAI, specFree),
	post(verOpenAI, "fine_tuning/jobs/{id}/cancel", oa, OpenAI, specFree),
	post(verOpenAI, "fine_tuning/jobs/{id}/pause", oa, OpenAI, specFree),
	post(verOpenAI, "fine_tuning/jobs/{id}/resume", oa, OpenAI, specFree),
	row(mGet|mPost, verOpenAI, "files", oa|an, OpenAI, specFree),
	row(mGet|mDelete, verOpenAI, "files/{id}", oa|an, OpenAI, specFree),
	get(verOpenAI, "files/{id}/content", oa|an, OpenAI, specFree),
	post(verOpenAI, "uploads", oa, OpenAI, specFree),
	post(verOpenAI, "uploads/{id}/parts", oa, OpenAI, specFree),
	post(verOpenAI, "uploads/{id}/complete", oa, OpenAI, specFree),
	post(verOpenAI, "uploads/{id}/cancel", oa, OpenAI, specFree),
	// Known limit: an OpenAI batch names its models only inside the
	// uploaded JSONL file, which this request does not carry.
	{methods: mPost, vers: verOpenAI, path: "batches", fam: oa, prov: OpenAI, sp: spec{op: OpBatch},
		limit: "OpenAI batch creation names its models only in the uploaded input file; it cannot be authorized from the request"},
	get(verOpenAI, "batches", oa, OpenAI, specBatchFree),
	get(verOpenAI, "batches/{id}", oa, OpenAI, specBatchFree),
	post(verOpenAI, "batches/{id}/cancel", oa, OpenAI, specBatchFree),
	get(verOpenAI, "models", oa|an|famCompat, OpenAI, specList),
	// One model's metadata names the model: it must be allowed, as the
	// listing shows only allowed models.
	get(verOpenAI, "models/{model}", oa|an|famCompat, OpenAI, specGetModel),
	// GET realtime?model=... opens a WebSocket session (Azure: ?deployment=).
	get(verOpenAI, "realtime", oa, OpenAI, specRealtimeQuery),
	// GA realtime: a client secret carries the session's configuration
	// (realtime/clientsecret.go New: JSON {"session":{"model":...}}).
	post(verOpenAI, "realtime/client_secrets", oa, OpenAI, optional(specSession)),
	// realtime/call.go New: a WebRTC offer, multipart with an "sdp" part and
	// the session as a JSON "session" part (MarshalMultipart).
	post(verOpenAI, "realtime/calls", oa, OpenAI, optional(specCallOffer)),
	// Assistants runs (betathreadrun.go New: "threads/%s/runs";
	// betathread.go NewAndRun: "threads/runs"); without "model" the run uses
	// the assistant's.
	post(verOpenAI, "threads/{id}/runs", oa, OpenAI, optional(bodySpec(OpThreadRun))),
	post(verOpenAI, "threads/runs", oa, OpenAI, optional(bodySpec(OpThreadRun))),
	// video.go New: multipart ("model" is optional: the API's default); the
	// API takes the same fields as a JSON body too.
	post(verOpenAI, "videos", oa, OpenAI, specVideos),

	// Anthropic (anthropic-sdk-go/v2), under /v1 only.
	post(verV1, "messages", an|famBedrockMsgs, Anthropic, bodySpec(OpMessages)),
	post(verV1, "messages/count_tokens", an|famBedrockMsgs, Anthropic, bodySpec(OpCountTokens)),
	post(verV1, "messages/batches", an, Anthropic, specMsgBatches),
	get(verV1, "messages/batches", an, Anthropic, specBatchFree),
	row(mGet|mDelete, verV1, "messages/batches/{id}", an, Anthropic, specBatchFree),
	post(verV1, "messages/batches/{id}/cancel", an, Anthropic, specBatchFree),
	get(verV1, "messages/batches/{id}/results", an, Anthropic, specBatchFree),
	post(verV1, "complete", an, Anthropic, bodySpec(OpCompletions)), // legacy Text Completions

	// Cohere (v1 and v2).
	post(verV1|verV2, "chat", co, Cohere, bodySpec(OpChatCompletions)),
	post(verV1|verV2, "embed", co, Cohere, bodySpec(OpEmbeddings)),
	post(verV1|verV2, "rerank", co, Cohere, bodySpec(OpRerank)),
	post(verV1, "generate", co, Cohere, bodySpec(OpCompletions)), // legacy generate

	// Ollama (/api).
	post(verAPI, "chat", ol, Ollama, ollamaSpec(OpChatCompletions)),
	post(verAPI, "generate", ol, Ollama, ollamaSpec(OpCompletions)),
	post(verAPI, "embed", ol, Ollama, bodySpec(OpEmbeddings)),
	post(verAPI, "embeddings", ol, Ollama, bodySpec(OpEmbeddings)), // legacy
	post(verAPI, "show", ol, Ollama, bodySpec(OpGetModel)),
	get(verAPI, "tags", ol, Ollama, specList),
	get(verAPI, "ps", ol, Ollama, specFree),
	get(verAPI, "version", ol, Ollama, specFree),

	// The Bedrock control plane's model discovery, served under the
	// Bedrock prefix and unprefixed (aws-sdk-go-v2 service/bedrock@v1.63.0
	// serializers.go: ListInferenceProfiles, GetInferenceProfile,
	// ListFoundationModels, GetFoundationModel). A Get names its
	// identifier as a model (one segment: an ARN arrives with its '/'
	// escaped), so it is authorized like any model: a key learns nothing
	// about a model it may not call.
	get(verNone, "inference-profiles", famBedrockControl, Bedrock, spec{op: OpListInferenceProfiles, free: true}),
	get(verNone, "inference-profiles/{arn}", famBedrockControl, Bedrock, spec{op: OpGetInferenceProfile, need: true}).named("inferenceProfileIdentifier"),
	get(verNone, "foundation-models", famBedrockControl, Bedrock, spec{op: OpListFoundationModels, free: true}),
	get(verNone, "foundation-models/{arn}", famBedrockControl, Bedrock, spec{op: OpGetFoundationModel, need: true}).named("modelIdentifier"),
}

// apiPath is one path of the table for one version, with the rows that
// serve it (primary first).
type apiPath struct {
	segs    []string // after the first segment; literals and placeholders
	methods methods  // union of the rows' methods
	rows    []uint16 // indexes into apiRows
	place   int      // index in the path (after the version) of its placeholder, or -1
	kind    string   // that placeholder
}

// apiFirst is the paths of one version that start with segment seg,
// literal segments before placeholders so that "responses/input_tokens"
// wins over "responses/{id}".
type apiFirst struct {
	seg   string
	paths []apiPath
}

// apiIndex maps a version slot and the first byte of the first segment to
// the paths that may match; a short scan of them is cheaper than hashing.
var apiIndex = compileAPI(apiRows[:])

func compileAPI(rows []apiRow) *[numVers][256][]apiFirst {
	idx := new([numVers][256][]apiFirst)
	for i, rw := range rows {
		segs := strings.Split(rw.path, "/")
		place, kind := -1, ""
		for j, s := range segs {
			if strings.HasPrefix(s, "{") {
				if place >= 0 || j == 0 || (s != phID && s != phModel && s != phARN) {
					panic(fmt.Sprintf("routeparse: bad route table row %q", rw.path))
				}
				if s != phID {
					place, kind = j, s
				}
			}
		}
		for v, ver := range versions {
			if rw.vers&ver.v == 0 {
				continue
			}
			bucket := &idx[v][segs[0][0]]
			f := firstIndex(*bucket, segs[0])
			if f < 0 {
				*bucket = append(*bucket, apiFirst{seg: segs[0]})
				f = len(*bucket) - 1
			}
			paths := &(*bucket)[f].paths
			k := slicesIndex(*paths, segs[1:])
			if k < 0 {
				*paths = append(*paths, apiPath{segs: segs[1:], place: place, kind: kind})
				k = len(*paths) - 1
			}
			(*paths)[k].rows = append((*paths)[k].rows, uint16(i))
			(*paths)[k].methods |= rw.methods
		}
	}
	for v := range idx {
		for b := range idx[v] {
			for _, f := range idx[v][b] {
				sort.SliceStable(f.paths, func(a, b int) bool { return literalRank(f.paths[a].segs) > literalRank(f.paths[b].segs) })
			}
		}
	}
	return idx
}

func firstIndex(fs []apiFirst, seg string) int {
	for k, f := range fs {
		if f.seg == seg {
			return k
		}
	}
	return -1
}

func slicesIndex(paths []apiPath, segs []string) int {
	for k, p := range paths {
		if strings.Join(p.segs, "/") == strings.Join(segs, "/") {
			return k
		}
	}
	return -1
}

// literalRank orders paths of the same first segment: a literal segment
// outranks a placeholder at the first position where they differ in kind.
func literalRank(segs []string) int {
	rank := 0
	for _, s := range segs {
		rank <<= 1
		if !strings.HasPrefix(s, "{") {
			rank |= 1
		}
	}
	return rank
}

// lookupAPI finds the path of the table that t (the path after the
// version segment) matches under version slot v, and the row for mb:
// the index of the row allowing mb, else of the path's primary row. found is false when no
// path matches.
func lookupAPI(v int, t []string, mb methods) (row int, p *apiPath, found bool) {
	if len(t) == 0 || t[0] == "" {
		return 0, nil, false
	}
	var paths []apiPath
	for _, f := range apiIndex[v][t[0][0]] {
		if f.seg == t[0] {
			paths = f.paths
			break
		}
	}
	for k := range paths {
		p = &paths[k]
		if len(p.segs) != len(t)-1 || !segsMatch(p.segs, t[1:]) {
			continue
		}
		for _, i := range p.rows {
			if apiRows[i].methods&mb != 0 {
				return int(i), p, true
			}
		}
		return int(p.rows[0]), p, true
	}
	return 0, nil, false
}

// segsMatch matches request segments against a path's pattern segments
// (same length). Placeholders other than {id} accept any segment here;
// their text is checked when it is recorded.
func segsMatch(pat, t []string) bool {
	for i, s := range pat {
		switch s {
		case phID:
			if !idSegment(t[i]) {
				return false
			}
		case phModel, phARN:
		default:
			if s != t[i] {
				return false
			}
		}
	}
	return true
}
