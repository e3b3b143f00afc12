// Package routeparse classifies LLM API requests: which provider dialect a
// request speaks, what it asks for, and every model it names and where
// (path, query, JSON body, form field), or that it names none by design.
//
// It is the one parser an authorizing gateway needs: the same [Route]
// decides whether a caller may use the models and tells the dispatcher
// where to send the request, so the two can never disagree. It is pure: no
// I/O, no policy, the standard library only.
//
// # What it decides, and what it does not
//
// [Parser.ParseRequest] reads the request line (method, escaped path, raw
// query) and returns a [Route] or an [*Error]. When [Route.Body] is not
// [BodyNone], the body names models too and [Parser.ParseBody] must run
// before the route is authorized; [Route.BodyParsed] tells an authorizer
// whether it did. The package does not decide whether a
// model is allowed, does not resolve model IDs to deployments and does not
// read credentials.
//
// Only the parser makes a [Route]: the one it returns is sealed
// ([Route.Sealed]) over its exported fields and models, so an authorizer
// refuses a Route built by hand or edited after parsing
// ([ErrUnsealedRoute]), whatever it claims (ModelFree above all).
//
// # Failing closed
//
// Anything that is not in the grammar below is an error, never an empty or
// default classification:
//
//   - a request line that is not in canonical form is [ErrMalformedPath];
//   - a path under a provider prefix, or inside a known route family
//     (/model/..., /v1beta/models/..., /openai/deployments/...), whose shape
//     is unknown is [ErrMalformedPath]: it is never passed through, and
//     never model-free;
//   - a path that matches no family at all is [ErrUnknownRoute]; what to do
//     with those (typically: deny, or serve only non-LLM routes) is the
//     caller's decision;
//   - a route that must name a model and whose request line names none is
//     [ErrNoModel] when the body is not read; when it is, ParseBody decides;
//   - conflicting query models are [ErrAmbiguousModel].
//
// On error the returned Route is the zero value: a model is never returned
// together with an error. Model-free routes are listed explicitly below;
// no route is model-free by default.
//
// # Canonical form of the path
//
// The path is taken escaped, exactly as sent, split on '/' first, and each
// segment is decoded at most once. Accepted (one spelling per request):
//
//	path     = 1*( "/" segment )           ; no empty segment: no "//", no trailing "/"
//	segment  = 1*( unreserved / ":" / "@" / escape )   ; not "." or ".."
//	escape   = "%3A" / "%2F" / "%40"       ; hex digits in either case
//
// Refused: dot segments; escapes of unreserved characters ("%2e", "%41":
// not canonical, RFC 3986 6.2.2.2, and the encoded spelling of dot
// segments); "%25" (double encoding); raw or encoded ';' (path parameters
// some servers strip); escapes of controls, spaces, non-ASCII bytes and any
// other delimiter; raw non-ASCII bytes and raw delimiters. An encoded '/'
// is allowed only inside a Bedrock model ID (and an async-invoke or
// guardrail ARN). Identifier segments (projects, locations, file, batch and
// job IDs, endpoint IDs) carry no escapes at all. Literal segments are
// compared byte for byte, so matching is case-sensitive:
// "/Bedrock/MODEL/x/INVOKE" matches nothing.
//
// A model ID decodes to unreserved characters, ':', '@' and (Bedrock only)
// '/', each '/'-separated part non-empty and not a dot segment; at most
// 2048 bytes.
//
// # Prefixes
//
// Every route below may be preceded by its provider's gateway prefix
// ([Prefixes]: "/bedrock", "/vertex_ai", "/gemini", "/azure", "/openai",
// "/anthropic" by default) or by none. Under a prefix only that provider's
// routes are recognised and [Route.Provider] is that provider. Requests
// whose path starts with "/openai/deployments/", or "/openai/" with an
// "api-version" query parameter, are Azure OpenAI even though "/openai" is
// also the default OpenAI prefix.
//
// # Grammar
//
// M is a model recorded from the path, Q from the query, B from the body
// (read by ParseBody), F from a multipart form field. "free" is model-free.
//
// Bedrock runtime (aws-sdk-go-v2 service/bedrockruntime), provider [Bedrock]:
//
//	POST /model/{M modelId}/{action}   (actions: the route table below)
//	     {modelId}: one segment ("us.anthropic.claude-3-5-sonnet-20241022-v2:0",
//	     "arn%3Aaws%3Abedrock%3A...%2Fabc"), or an ARN with raw '/' (at most three
//	     segments, anchored on the action), or application-inference-profile/{id}
//	POST /async-invoke                 B "modelId"
//	GET  /async-invoke[/{invocationArn}]                           free
//	POST /guardrail/{id}/version/{version}/apply                   free
//	GET  /inference-profiles[/{M}], /foundation-models[/{M}]       (control plane: route table below)
//	POST /v1/messages[/count_tokens]   B "model" (under the Bedrock prefix only: what
//	     anthropic-sdk-go's bedrock option sends to a base URL with a path)
//	POST /openai/v1/chat/completions | /openai/v1/responses   B "model" (under the Bedrock
//	     prefix only: bedrock-runtime's OpenAI-compatible API, openai-go's bedrock option)
//
// The Anthropic-shaped Bedrock routes are classified as provider Bedrock,
// because their bodies name Bedrock model IDs and resolve as such, with
// [Route.Dialect] Anthropic: the client is anthropic-sdk-go, whose errors
// read "error.type" and "error.message" (internal/apierror), so deny
// responses should be Anthropic-shaped ([Route.ResponseDialect]). The same
// holds for Vertex's anthropic publisher (rawPredict, streamRawPredict,
// count-tokens), and Dialect is OpenAI on the OpenAI-compatible surfaces of
// Bedrock, Gemini, Vertex and Anthropic.
//
// Gemini API (google.golang.org/genai, Gemini backend), provider [Gemini];
// {v} is v1beta, v1 or v1alpha; the verb follows the last ':' (or "%3A"):
//
//	POST /{v}/models/{M}:{verb}, /{v}/tunedModels/{M}:{verb}   (M "tunedModels/{m}"; + B, must agree)
//	     verbs: the route table below
//	GET  /{v}/models/{M}, GET /{v}/models/{M}/operations/{id}   (metadata and polls name the model)
//	GET  /{v}/models, /{v}/tunedModels                         free
//	POST /{v}/cachedContents           B "model"
//	GET|PATCH|DELETE /{v}/cachedContents[/{id}], /{v}/files[/{id}], POST /upload/{v}/files,
//	GET|DELETE /{v}/batches[/{id}], POST /{v}/batches/{id}:cancel   free
//	     /{v}/openai/{OpenAI route}    B, Gemini's OpenAI-compatible surface
//
// Vertex AI (genai Vertex backend, anthropic-sdk-go vertex), provider
// [Vertex]; {v} is v1 or v1beta1; {loc} is projects/{p}/locations/{l}:
//
//	POST /{v}/{loc}/publishers/{pub}/models/{M}:{verb}   (verbs as above; + B, must agree)
//	POST /{v}/publishers/{pub}/models/{M}:{verb}         (express mode)
//	POST /{v}/{loc}/models/{M}:{verb}                    (genai's "models/{M}" name; + B, must agree)
//	GET  /{v}/{loc}/models[/{M}]                         (listing free; one model names it)
//	     M is the model ID for publishers google and anthropic, "{pub}/{model}" otherwise
//	POST /{v}/{loc}/publishers/anthropic/models/count-tokens:rawPredict   B "model"
//	POST /{v}/{loc}/endpoints/{M endpoint}:{verb}
//	POST /{v}/{loc}/endpoints/openapi/chat/completions   B "model"
//	POST /{v}/{loc}/cachedContents, /{v}/{loc}/batchPredictionJobs        B "model"
//	GET  /{v}/[{loc}/]publishers/{pub}/models[/{M}]      (listing free; one model names it)
//	GET|PATCH|DELETE cachedContents/{id}, GET|DELETE batchPredictionJobs[/{id}], POST {id}:cancel  free
//
// Azure OpenAI (openai-go azure option), provider [Azure]:
//
//	POST /openai/deployments/{M deployment}/{action}   (actions: the route table below;
//	     + the B or F "model" if present)
//	     /openai/v1/{OpenAI route}, /openai/{OpenAI route}   as OpenAI, provider Azure
//	GET  /openai/realtime?deployment={Q}
//
// The OpenAI-shaped path space is shared by OpenAI, Anthropic, Cohere,
// Ollama, the OpenAI-compatible surfaces of other providers and Bedrock's
// control plane. Its routes are one table (path_table.go), followed by the
// actions and verbs of the Bedrock, Google and Azure path-model routes
// (actions.go); the list below is generated from both (go generate), a
// test fails when it is stale, and another when a row has no golden
// vector.
// Each line is: methods, path ("[/v1]/x" is served under /v1 and
// unversioned, "/v1|v2/x" under either), provider when no prefix says
// otherwise, operation, where the model is, and the surfaces that serve
// the route.
// The surfaces: openai (unprefixed, and under the OpenAI and Azure
// prefixes, /openai/v1 of Azure and /{v}/openai of Gemini), anthropic
// (unprefixed under /v1, and the Anthropic prefix), cohere and ollama
// (unprefixed), compat (the OpenAI-compatible surfaces of Vertex
// endpoints/openapi and of the Anthropic prefix), bedrock-messages
// (Anthropic Messages under the Bedrock prefix, as anthropic-sdk-go's
// bedrock option sends them to a base URL with a path), bedrock-control
// (the Bedrock control plane's model discovery, under the Bedrock prefix
// and unprefixed), bedrock-openai (/openai/v1 under the Bedrock prefix);
// an action or verb row names the family it ends (bedrock, gemini and
// vertex, azure), whose shapes are described above. Where several lines share a path, a method none allows
// is refused as the first one's.
//
// Model discovery: the listings (list_models, list_inference_profiles,
// list_foundation_models) are model-free; a Get of one model, inference
// profile or foundation model (get_model, get_inference_profile,
// get_foundation_model) names its identifier as the route's path model
// ([Route.Models], Field "model", "inferenceProfileIdentifier" or
// "modelIdentifier"), so it is authorized like a call: a key learns
// nothing about a model it may not call, and a host answering discovery
// itself reads the identifier there.
//
// Route table:
//
//	POST            [/v1]/chat/completions            openai    chat_completions        B "model"                    openai,compat,bedrock-openai
//	GET             [/v1]/chat/completions            openai    other                   free                         openai
//	GET|POST|DELETE [/v1]/chat/completions/{id}       openai    other                   free                         openai
//	GET             [/v1]/chat/completions/{id}/messages openai    other                   free                         openai
//	POST            [/v1]/completions                 openai    completions             B "model"                    openai
//	POST            [/v1]/responses                   openai    responses               B "model"                    openai,bedrock-openai
//	POST            [/v1]/responses/input_tokens      openai    count_tokens            B "model"                    openai
//	POST            [/v1]/responses/compact           openai    responses               B "model"                    openai
//	GET|DELETE      [/v1]/responses/{id}              openai    other                   free                         openai
//	POST            [/v1]/responses/{id}/cancel       openai    other                   free                         openai
//	GET             [/v1]/responses/{id}/input_items  openai    other                   free                         openai
//	POST            [/v1]/embeddings                  openai    embeddings              B "model"                    openai,compat
//	POST            [/v1]/images/generations          openai    image_generation        B "model"                    openai,compat
//	POST            [/v1]/images/edits                openai    image_edit              F "model"                    openai
//	POST            [/v1]/images/variations           openai    image_edit              F "model"                    openai
//	POST            [/v1]/audio/speech                openai    audio_speech            B "model"                    openai
//	POST            [/v1]/audio/transcriptions        openai    audio_transcription     F "model"                    openai
//	POST            [/v1]/audio/translations          openai    audio_translation       F "model"                    openai
//	POST            [/v1]/moderations                 openai    moderation              B "model" or default         openai
//	POST            [/v1]/fine_tuning/jobs            openai    fine_tuning             B "model"                    openai
//	GET             [/v1]/fine_tuning/jobs            openai    other                   free                         openai
//	GET             [/v1]/fine_tuning/jobs/{id}       openai    other                   free                         openai
//	GET             [/v1]/fine_tuning/jobs/{id}/events openai    other                   free                         openai
//	GET             [/v1]/fine_tuning/jobs/{id}/checkpoints openai    other                   free                         openai
//	POST            [/v1]/fine_tuning/jobs/{id}/cancel openai    other                   free                         openai
//	POST            [/v1]/fine_tuning/jobs/{id}/pause openai    other                   free                         openai
//	POST            [/v1]/fine_tuning/jobs/{id}/resume openai    other                   free                         openai
//	GET|POST        [/v1]/files                       openai    other                   free                         openai,anthropic
//	GET|DELETE      [/v1]/files/{id}                  openai    other                   free                         openai,anthropic
//	GET             [/v1]/files/{id}/content          openai    other                   free                         openai,anthropic
//	POST            [/v1]/uploads                     openai    other                   free                         openai
//	POST            [/v1]/uploads/{id}/parts          openai    other                   free                         openai
//	POST            [/v1]/uploads/{id}/complete       openai    other                   free                         openai
//	POST            [/v1]/uploads/{id}/cancel         openai    other                   free                         openai
//	POST            [/v1]/batches                     openai    batch                   ErrNoModel (see below)       openai
//	GET             [/v1]/batches                     openai    batch                   free                         openai
//	GET             [/v1]/batches/{id}                openai    batch                   free                         openai
//	POST            [/v1]/batches/{id}/cancel         openai    batch                   free                         openai
//	GET             [/v1]/models                      openai    list_models             free                         openai,anthropic,compat
//	GET             [/v1]/models/{model}              openai    get_model               M                            openai,anthropic,compat
//	GET             [/v1]/realtime                    openai    realtime                Q "model"                    openai
//	POST            [/v1]/realtime/client_secrets     openai    realtime                B "session.model" or default openai
//	POST            [/v1]/realtime/calls              openai    realtime                F "model" or default         openai
//	POST            [/v1]/threads/{id}/runs           openai    thread_run              B "model" or default         openai
//	POST            [/v1]/threads/runs                openai    thread_run              B "model" or default         openai
//	POST            [/v1]/videos                      openai    video_generation        F|B "model" or default       openai
//	POST            /v1/messages                      anthropic messages                B "model"                    anthropic,bedrock-messages
//	POST            /v1/messages/count_tokens         anthropic count_tokens            B "model"                    anthropic,bedrock-messages
//	POST            /v1/messages/batches              anthropic batch                   B "requests[].params.model"  anthropic
//	GET             /v1/messages/batches              anthropic batch                   free                         anthropic
//	GET|DELETE      /v1/messages/batches/{id}         anthropic batch                   free                         anthropic
//	POST            /v1/messages/batches/{id}/cancel  anthropic batch                   free                         anthropic
//	GET             /v1/messages/batches/{id}/results anthropic batch                   free                         anthropic
//	POST            /v1/complete                      anthropic completions             B "model"                    anthropic
//	POST            /v1|v2/chat                       cohere    chat_completions        B "model"                    cohere
//	POST            /v1|v2/embed                      cohere    embeddings              B "model"                    cohere
//	POST            /v1|v2/rerank                     cohere    rerank                  B "model"                    cohere
//	POST            /v1/generate                      cohere    completions             B "model"                    cohere
//	POST            /api/chat                         ollama    chat_completions        B "model" stream             ollama
//	POST            /api/generate                     ollama    completions             B "model" stream             ollama
//	POST            /api/embed                        ollama    embeddings              B "model"                    ollama
//	POST            /api/embeddings                   ollama    embeddings              B "model"                    ollama
//	POST            /api/show                         ollama    get_model               B "model"                    ollama
//	GET             /api/tags                         ollama    list_models             free                         ollama
//	GET             /api/ps                           ollama    other                   free                         ollama
//	GET             /api/version                      ollama    other                   free                         ollama
//	GET             /inference-profiles               bedrock   list_inference_profiles free                         bedrock-control
//	GET             /inference-profiles/{arn}         bedrock   get_inference_profile   M inferenceProfileIdentifier bedrock-control
//	GET             /foundation-models                bedrock   list_foundation_models  free                         bedrock-control
//	GET             /foundation-models/{arn}          bedrock   get_foundation_model    M modelIdentifier            bedrock-control
//	POST            /model/{M}/invoke                 bedrock   invoke                  M                            bedrock
//	POST            /model/{M}/invoke-with-response-stream bedrock   invoke                  M stream                     bedrock
//	POST            /model/{M}/invoke-with-bidirectional-stream bedrock   invoke                  M stream                     bedrock
//	POST            /model/{M}/converse               bedrock   converse                M                            bedrock
//	POST            /model/{M}/converse-stream        bedrock   converse                M stream                     bedrock
//	POST            /model/{M}/count-tokens           bedrock   count_tokens            M                            bedrock
//	POST            .../{M}:generateContent           gemini|vertex_ai generate_content        M                            gemini,vertex
//	POST            .../{M}:streamGenerateContent     gemini|vertex_ai generate_content        M stream                     gemini,vertex
//	POST            .../{M}:countTokens               gemini|vertex_ai count_tokens            M                            gemini,vertex
//	POST            .../{M}:computeTokens             gemini|vertex_ai count_tokens            M                            gemini,vertex
//	POST            .../{M}:embedContent              gemini|vertex_ai embeddings              M                            gemini,vertex
//	POST            .../{M}:batchEmbedContents        gemini|vertex_ai embeddings              M                            gemini,vertex
//	POST            .../{M}:asyncBatchEmbedContent    gemini|vertex_ai embeddings              M                            gemini,vertex
//	POST            .../{M}:predict                   gemini|vertex_ai predict                 M                            gemini,vertex
//	POST            .../{M}:rawPredict                gemini|vertex_ai predict                 M                            gemini,vertex
//	POST            .../{M}:predictLongRunning        gemini|vertex_ai predict                 M                            gemini,vertex
//	POST            .../{M}:fetchPredictOperation     gemini|vertex_ai predict                 M                            gemini,vertex
//	POST            .../{M}:streamRawPredict          gemini|vertex_ai predict                 M stream                     gemini,vertex
//	POST            .../{M}:serverStreamingPredict    gemini|vertex_ai predict                 M stream                     gemini,vertex
//	POST            .../{M}:batchGenerateContent      gemini|vertex_ai batch                   M                            gemini,vertex
//	POST            /openai/deployments/{M}/chat/completions azure     chat_completions        M + B "model"                azure
//	POST            /openai/deployments/{M}/extensions/chat/completions azure     chat_completions        M + B "model"                azure
//	POST            /openai/deployments/{M}/completions azure     completions             M + B "model"                azure
//	POST            /openai/deployments/{M}/embeddings azure     embeddings              M + B "model"                azure
//	POST            /openai/deployments/{M}/audio/speech azure     audio_speech            M + B "model"                azure
//	POST            /openai/deployments/{M}/images/generations azure     image_generation        M + B "model"                azure
//	POST            /openai/deployments/{M}/audio/transcriptions azure     audio_transcription     M + F "model"                azure
//	POST            /openai/deployments/{M}/audio/translations azure     audio_translation       M + F "model"                azure
//	POST            /openai/deployments/{M}/images/edits azure     image_edit              M + F "model"                azure
//
// POST batches (OpenAI batch creation) is [ErrNoModel]: its models are
// named only inside the previously uploaded JSONL file, which the request
// does not carry. This is a known limit; serve it only to callers allowed
// every model, or not at all.
//
// The client-secret body names the session's model as "session.model"
// and its input transcription model as
// "session.audio.input.transcription.model" (both authorized; in a
// transcription session, which has no session model, the latter is the
// primary one; in any other session it never stands in for the session
// model the upstream would pick). The beta spelling
// "session.input_audio_transcription.model" is authorized too, and a
// top-level "model" beside "session" (the beta body's) is
// [ErrAmbiguousModel]. A realtime call (a WebRTC offer)
// carries the same session object as the JSON "session" part of its
// multipart body, read with the same rules (its models are form models,
// [SourceForm]); a bare application/sdp offer, whose session comes from the
// client secret it authenticates with, names no model and is [ErrNoModel].
//
// "F|B" (POST videos): a multipart form, as openai-go sends it, or a JSON
// body when the Content-Type is application/json; each is read with its
// own strict rules.
//
// "or default" marks routes whose model the upstream picks when the
// request names none (moderations, realtime client secrets, Assistants
// runs, which use the assistant's model, and videos). Such a request is
// [ErrNoModel], with a message that says so, unless the host configured
// that default in [Parser.DefaultModels]; then the default is the
// request's model ([SourceDefault]) and is authorized as if named.
//
// Ollama's /api/chat and /api/generate stream unless the body says
// "stream": false. Health: GET|HEAD /health, /healthz free
// (unprefixed only).
//
// Body models on path-model routes: on Gemini and Vertex publisher model
// routes (POST .../models/{M}:{verb}) the body is read too
// ([Route.Body] is [BodyJSON]): a body that names a model ("model",
// "requests[].model", "generateContentRequest.model", inlined batch
// requests) must name M, in one of Google's spellings of it, because the
// API requires the match but a dispatcher may serve the body's; see
// [Parser.ParseBody]. Bedrock runtime routes and Vertex endpoints/{id}
// routes stay [BodyNone]: an InvokeModel body is the model provider's own
// payload, which the runtime hands to the model named in the path (the
// Anthropic Messages body anthropic-sdk-go's bedrock option sends has its
// "model" removed), and an endpoint serves whatever is deployed on it;
// neither lets the body choose the model. Azure deployment routes read an
// optional body "model" and keep it beside the deployment even when they
// differ: Azure serves the deployment and ignores the body's model, so
// neither is refused as a disagreement; both are models of the request
// and both must be allowed.
//
// Query: "model" is read on every route as an additional model (some
// gateways let it override the body); on Azure routes "deployment" too.
// Keys are exact and case-sensitive as in net/url; a case variant
// ("Model"), a bracket form in any spelling ("model[]", "model[0]",
// "model%5B%5D", "[model]", which qs, Rack or PHP read as "model"), a key
// PHP reads as "model" (leading spaces, "model%00x") and conflicting
// repeats are [ErrAmbiguousModel]; ';' and
// malformed escapes anywhere in the query are [ErrMalformedPath]. A query
// model on a model-free route makes the route model-bearing
// ([Route.ModelFree] false): a gateway honouring the parameter would call it.
//
// Headers are not consulted by any supported shape yet (SageMaker's
// X-Amzn-SageMaker-Target-Model is not supported).
//
// # Streaming
//
// [Route.Stream] comes from the path suffix (Bedrock), the verb
// (streamGenerateContent, streamRawPredict, serverStreamingPredict) or the
// provider's default (Ollama); ParseBody sets it from a body "stream" member.
//
// # Performance
//
// ParseRequest allocates nothing on success unless the request names more
// than two models or a model is spelled with escapes: a path-carried model
// is kept as a substring of the path, and a model with escapes is decoded
// once, when it is recorded, into one new string, so [Model.Name] never
// allocates however often authorization, dispatch and logging call it.
// ParseBody allocates one string per body model (its raw text and, for a
// string with escapes, its decoded name after it), except for a name
// without escapes that [Parser].Names supplies. Input is bounded: 8 KiB
// of path, 16 KiB of query, 24 segments.
package routeparse
