package routeparse

// The actions and verbs of the path-model route families are rows of
// actionRows, beside the route table (path_table.go): they are rendered
// into the same generated grammar of doc.go, and each row must have a
// golden vector too.

// actionFamily is a family of routes that end in an action or verb.
type actionFamily uint8

const (
	actBedrock actionFamily = iota // POST /model/{modelId}/{action}
	actGoogle                      // POST .../models/{m}:{verb}, .../tunedModels/{m}:{verb}, .../endpoints/{id}:{verb}
	actAzure                       // POST /openai/deployments/{deployment}/{action}
)

// actionRow is one action or verb and what it asks for.
type actionRow struct {
	fam  actionFamily
	name string
	sp   spec
}

// actionRows: the Bedrock runtime API's model actions, as generated in
// aws-sdk-go-v2 service/bedrockruntime@v1.63.13 schemas/schemas.go
// (streaming is in the suffix); the Google API custom methods
// google.golang.org/genai@v1.77.0 models.go and batches.go send, plus
// Vertex's rawPredict / streamRawPredict (anthropic-sdk-go vertex/vertex.go)
// and serverStreamingPredict (streaming is in the verb); and the routes
// openai-go/v3 azure/azure.go rewrites to deployment paths (jsonRoutes,
// multipartRoutes), plus the legacy "extensions/chat/completions", whose
// deployment satisfies the model requirement while a body "model", when
// present, is read too.
var actionRows = [...]actionRow{
	{actBedrock, "invoke", pathSpec(OpInvoke, false)},
	{actBedrock, "invoke-with-response-stream", pathSpec(OpInvoke, true)},
	{actBedrock, "invoke-with-bidirectional-stream", pathSpec(OpInvoke, true)},
	{actBedrock, "converse", pathSpec(OpConverse, false)},
	{actBedrock, "converse-stream", pathSpec(OpConverse, true)},
	{actBedrock, "count-tokens", pathSpec(OpCountTokens, false)},

	{actGoogle, "generateContent", pathSpec(OpGenerateContent, false)},
	{actGoogle, "streamGenerateContent", pathSpec(OpGenerateContent, true)},
	{actGoogle, "countTokens", pathSpec(OpCountTokens, false)},
	{actGoogle, "computeTokens", pathSpec(OpCountTokens, false)},
	{actGoogle, "embedContent", pathSpec(OpEmbeddings, false)},
	{actGoogle, "batchEmbedContents", pathSpec(OpEmbeddings, false)},
	{actGoogle, "asyncBatchEmbedContent", pathSpec(OpEmbeddings, false)},
	{actGoogle, "predict", pathSpec(OpPredict, false)},
	{actGoogle, "rawPredict", pathSpec(OpPredict, false)},
	{actGoogle, "predictLongRunning", pathSpec(OpPredict, false)},
	{actGoogle, "fetchPredictOperation", pathSpec(OpPredict, false)},
	{actGoogle, "streamRawPredict", pathSpec(OpPredict, true)},
	{actGoogle, "serverStreamingPredict", pathSpec(OpPredict, true)},
	{actGoogle, "batchGenerateContent", pathSpec(OpBatch, false)},

	{actAzure, "chat/completions", bodySpec(OpChatCompletions)},
	{actAzure, "extensions/chat/completions", bodySpec(OpChatCompletions)},
	{actAzure, "completions", bodySpec(OpCompletions)},
	{actAzure, "embeddings", bodySpec(OpEmbeddings)},
	{actAzure, "audio/speech", bodySpec(OpAudioSpeech)},
	{actAzure, "images/generations", bodySpec(OpImageGeneration)},
	{actAzure, "audio/transcriptions", formSpec(OpAudioTranscription)},
	{actAzure, "audio/translations", formSpec(OpAudioTranslation)},
	{actAzure, "images/edits", formSpec(OpImageEdit)},
}

// lookupAction returns the spec of action name in family fam and records
// the row on r (for the coverage test of the grammar).
func lookupAction(r *Route, fam actionFamily, name string) (spec, bool) {
	for i := range actionRows {
		a := &actionRows[i]
		if a.fam == fam && a.name == name {
			r.row = uint16(len(apiRows) + 1 + i)
			return a.sp, true
		}
	}
	return spec{}, false
}
