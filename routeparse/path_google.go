package routeparse

// matchGemini matches the Gemini API (generativelanguage) routes, after
// an optional gateway prefix, for versions v1, v1beta and v1alpha:
//
//	POST /{v}/models/{m}:{verb}            model "m"
//	POST /{v}/tunedModels/{m}:{verb}       model "tunedModels/m"
//	GET  /{v}/models, GET /{v}/tunedModels (model-free listings)
//	GET  /{v}/models/{m}                   model metadata; names the model
//	GET  /{v}/models/{m}/operations/{op}   long-running operation poll; names the model
//	POST /{v}/cachedContents               model in body "model"
//	GET  /{v}/cachedContents[/{id}], PATCH|DELETE /{v}/cachedContents/{id} (model-free)
//	GET|POST /{v}/files, GET|DELETE /{v}/files/{id}, POST /upload/{v}/files (model-free)
//	GET  /{v}/batches[/{id}], DELETE /{v}/batches/{id}, POST /{v}/batches/{id}:cancel (model-free)
//	POST /{v}/openai/...                   Gemini's OpenAI-compatible surface, model in body
//
// genai escapes nothing in model names (transformer.go tModel prefixes
// "models/" and refuses "?", "&" and ".."); the verb separator may also
// arrive as "%3A". A tuned model keeps its collection in its name, so it
// can never be confused with a base model of the same ID.
func matchGemini(r *Route, mb methods, s []string, rest string) (bool, error) {
	if len(s) < 2 {
		return false, nil
	}
	if s[0] == "upload" {
		// Resumable uploads: POST /upload/v1beta/files (genai files.go).
		if len(s) == 3 && isGeminiVersion(s[1]) && s[2] == "files" {
			r.Provider = Gemini
			if mb != mPost {
				return false, methodErr("gemini", mb, rest)
			}
			r.apply(specFree)
			return true, nil
		}
		return false, nil
	}
	if !isGeminiVersion(s[0]) {
		return false, nil
	}
	r.Provider = Gemini
	t := s[1:]
	switch t[0] {
	case "models", "tunedModels":
		return matchGoogleModel(r, mb, "gemini", t, rest, 1+len(s[0])+1, "")
	case "cachedContents":
		return matchCollection(r, mb, "gemini", t, rest, bodySpec(OpCachedContents), spec{op: OpCachedContents, free: true}, mGet|mPatch|mDelete)
	case "files":
		return matchCollection(r, mb, "gemini", t, rest, specFree, specFree, mGet|mDelete)
	case "batches":
		return matchCollection(r, mb, "gemini", t, rest, spec{}, spec{op: OpBatch, free: true}, mGet|mDelete)
	case "openai":
		return matchAPI(r, mb, t[1:], famOpenAI, Gemini)
	}
	return false, nil
}

func isGeminiVersion(v string) bool {
	return v == "v1beta" || v == "v1" || v == "v1alpha"
}

// matchGoogleModel matches t = ["models"|"tunedModels", ...] (Gemini) or
// ["models", ...] under a Vertex publisher. off is the byte offset of t[0]
// in rest. qual qualifies Vertex models of third-party publishers.
func matchGoogleModel(r *Route, mb methods, shape string, t []string, rest string, off int, qual string) (bool, error) {
	// The model's raw text: "{m}" for models, "tunedModels/{m}" for tuned
	// models, a substring of rest either way.
	start := off + len(t[0]) + 1
	if t[0] == "tunedModels" {
		start = off
	}
	switch len(t) {
	case 1:
		if mb != mGet {
			return false, methodErr(shape, mb, rest)
		}
		r.apply(specList)
		return true, nil
	case 2:
		name, verb, hasVerb := splitVerb(t[1])
		if hasVerb {
			sp, ok := lookupAction(r, actGoogle, verb)
			if !ok {
				return false, pathErr(shape, "unknown method %q in %q", clip(verb), clip(rest))
			}
			if mb != mPost {
				return false, methodErr(shape, mb, rest)
			}
			r.apply(sp)
			// The body may name the model again (embedContent "model",
			// batchEmbedContents "requests[].model", countTokens
			// "generateContentRequest.model", ...); ParseBody requires
			// every such name to be the path's (body_google.go).
			r.Body, r.shape = BodyJSON, shapeGoogle
			end := off + len(t[0]) + 1 + len(name)
			return true, r.addPathModel(shape, "model", rest[start:end], qual, false)
		}
		if name != t[1] || verb != "" {
			return false, pathErr(shape, "empty model or method in %q", clip(rest))
		}
		if mb != mGet {
			return false, methodErr(shape, mb, rest)
		}
		r.apply(spec{op: OpGetModel, need: true})
		return true, r.addPathModel(shape, "model", rest[start:off+len(t[0])+1+len(t[1])], qual, false)
	case 4:
		// Long-running operation poll (genai operations.go "{operationName}",
		// e.g. models/veo-2.0-generate-001/operations/abc).
		if t[2] == "operations" && idSegment(t[3]) {
			if _, _, hasVerb := splitVerb(t[1]); !hasVerb {
				if mb != mGet {
					return false, methodErr(shape, mb, rest)
				}
				r.apply(spec{op: OpPredict, need: true})
				return true, r.addPathModel(shape, "model", rest[start:off+len(t[0])+1+len(t[1])], qual, false)
			}
		}
	}
	return false, pathErr(shape, "unknown model route %q", clip(rest))
}

// matchCollection matches a resource collection t = [collection] or
// [collection, id] (id possibly "{id}:{verb}"). create is the spec of
// POST on the collection (zero: not allowed), item the spec of every
// other allowed request; itemMethods are the methods allowed on an item
// besides POST {id}:{verb}.
func matchCollection(r *Route, mb methods, shape string, t []string, rest string, create, item spec, itemMethods methods) (bool, error) {
	switch len(t) {
	case 1:
		switch {
		case mb == mPost && create.op != OpUnknown:
			r.apply(create)
			return true, nil
		case mb == mGet:
			r.apply(item)
			return true, nil
		}
		return false, methodErr(shape, mb, rest)
	case 2:
		id, verb, hasVerb := splitVerb(t[1])
		if !idSegment(id) || (hasVerb && verb != "cancel") {
			return false, pathErr(shape, "unknown %s route %q", t[0], clip(rest))
		}
		if (hasVerb && mb != mPost) || (!hasVerb && mb&itemMethods == 0) {
			return false, methodErr(shape, mb, rest)
		}
		r.apply(item)
		return true, nil
	}
	return false, pathErr(shape, "unknown %s route %q", t[0], clip(rest))
}

// matchVertex matches the Vertex AI routes for versions v1 and v1beta1:
//
//	POST /{v}/projects/{p}/locations/{l}/publishers/{pub}/models/{m}:{verb}
//	POST /{v}/publishers/{pub}/models/{m}:{verb}    (express mode, API key; genai api_client.go createAPIURL)
//	GET  /{v}/[projects/{p}/locations/{l}/]publishers/{pub}/models[/{m}]
//	POST /{v}/projects/{p}/locations/{l}/publishers/anthropic/models/count-tokens:rawPredict  (model in body)
//	POST /{v}/projects/{p}/locations/{l}/models/{m}:{verb}, GET .../models[/{m}]  (genai's "models/{m}" names)
//	POST /{v}/projects/{p}/locations/{l}/endpoints/{id}:{verb}            (model: the endpoint ID)
//	POST /{v}/projects/{p}/locations/{l}/endpoints/openapi/chat/completions (model in body)
//	POST /{v}/projects/{p}/locations/{l}/cachedContents                 (model in body)
//	POST /{v}/projects/{p}/locations/{l}/batchPredictionJobs            (model in body)
//	GET|DELETE .../cachedContents/{id}, .../batchPredictionJobs[/{id}], POST .../{id}:cancel (model-free)
//
// Models of the google and anthropic publishers are named by their model
// ID ("gemini-2.0-flash", "claude-sonnet-4@20250514"), as genai and
// anthropic-sdk-go's vertex option spell them; other publishers' models
// are named "{publisher}/{model}", genai's short form ("meta/llama-3"), so
// a model of one publisher never passes for another's. The project and
// location are not part of the name; they stay in UpstreamPath.
func matchVertex(r *Route, mb methods, s []string, rest string) (bool, error) {
	if len(s) < 2 || (s[0] != "v1" && s[0] != "v1beta1") {
		return false, nil
	}
	r.Provider = Vertex
	off := 1 + len(s[0]) + 1 // offset of s[1] in rest
	t := s[1:]
	if t[0] == "projects" {
		if len(t) < 5 || t[2] != "locations" || !idSegment(t[1]) || !idSegment(t[3]) {
			return false, pathErr("vertex", "expected projects/{project}/locations/{location}/... in %q", clip(rest))
		}
		off += len(t[0]) + len(t[1]) + len(t[2]) + len(t[3]) + 4
		t = t[4:]
	} else if t[0] != "publishers" {
		return false, nil
	}
	switch t[0] {
	case "publishers":
		return matchVertexPublisher(r, mb, t, rest, off)
	case "models":
		// genai on Vertex sends a model named "models/{m}" to
		// projects/{p}/locations/{l}/models/{m}:{verb}, with no publishers
		// segment (google.golang.org/genai@v1.77.0 transformer.go tModel
		// keeps the "models/" name; api_client.go createAPIURL prepends the
		// location). The model is named m: genai's tModelFullName reads
		// "models/{m}" on Vertex as publishers/google/models/{m}, and so
		// does modelacl, so the configuration resolves it (a registry ID
		// an operator deployed under that name, or Google's model), else
		// "vertex_ai/{m}" itself must be allowed. The body is read and
		// must agree, in the Gemini spellings.
		return matchGoogleModel(r, mb, "vertex", t, rest, off, "")
	case "endpoints":
		if len(t) == 2 {
			id, verb, hasVerb := splitVerb(t[1])
			if hasVerb {
				sp, ok := lookupAction(r, actGoogle, verb)
				if !ok {
					return false, pathErr("vertex", "unknown method %q in %q", clip(verb), clip(rest))
				}
				if mb != mPost {
					return false, methodErr("vertex", mb, rest)
				}
				if !idSegment(id) {
					return false, pathErr("vertex", "bad endpoint ID in %q", clip(rest))
				}
				r.apply(sp)
				return true, r.addPathModel("vertex", "endpoint", id, "", false)
			}
		}
		if len(t) > 2 && t[1] == "openapi" {
			// Vertex's OpenAI-compatible chat completions (model in body).
			return matchAPI(r, mb, t[2:], famCompat, Vertex)
		}
		return false, pathErr("vertex", "unknown endpoint route %q", clip(rest))
	case "cachedContents":
		return matchCollection(r, mb, "vertex", t, rest, bodySpec(OpCachedContents), spec{op: OpCachedContents, free: true}, mGet|mPatch|mDelete)
	case "batchPredictionJobs":
		return matchCollection(r, mb, "vertex", t, rest, bodySpec(OpBatch), spec{op: OpBatch, free: true}, mGet|mDelete)
	}
	return false, pathErr("vertex", "unknown Vertex route %q", clip(rest))
}

// matchVertexPublisher matches t = ["publishers", pub, "models", ...]; off
// is the byte offset of t[0] in rest.
func matchVertexPublisher(r *Route, mb methods, t []string, rest string, off int) (bool, error) {
	if len(t) < 3 || !idSegment(t[1]) || t[2] != "models" {
		return false, pathErr("vertex", "expected publishers/{publisher}/models/... in %q", clip(rest))
	}
	pub := t[1]
	qual := pub
	if pub == "google" || pub == "anthropic" {
		qual = ""
	}
	if len(t) == 4 && pub == "anthropic" {
		// anthropic-sdk-go vertex/vertex.go sends token counting to
		// .../publishers/anthropic/models/count-tokens:rawPredict with the
		// real model in the body.
		if name, verb, _ := splitVerb(t[3]); name == "count-tokens" && verb == "rawPredict" {
			if mb != mPost {
				return false, methodErr("vertex", mb, rest)
			}
			r.apply(bodySpec(OpCountTokens))
			r.Dialect = Anthropic
			return true, nil
		}
	}
	off += len(t[0]) + len(t[1]) + 2
	r.pub = pub
	ok, err := matchGoogleModel(r, mb, "vertex", t[2:], rest, off, qual)
	if ok && pub == "anthropic" && r.Operation != OpListModels && r.Operation != OpGetModel {
		// anthropic-sdk-go's vertex option sends Anthropic Messages
		// bodies to rawPredict / streamRawPredict and parses Anthropic
		// error bodies.
		r.Dialect = Anthropic
	}
	return ok, err
}
