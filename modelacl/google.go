package modelacl

import (
	"strings"

	"github.com/modelgate/modelgate/routeparse"
)

// Google's SDK accepts one model under several spellings and turns each
// into the same request (google.golang.org/genai, transformer.go tModel and
// tModelFullName):
//
//   - Gemini API: "X" is sent as "models/X", so "models/X" and "X" are one
//     model ("tunedModels/X" is another resource and stays as it is);
//   - Vertex AI: "X" is sent as "publishers/google/models/X", "P/X" as
//     "publishers/P/models/X", "models/X" as "publishers/google/models/X",
//     and a full "projects/{p}/locations/{l}/publishers/P/models/X" as is.
//
// A policy that compared these spellings as strings would let one of them
// past the exact deployment that shadows a wildcard one ("gemini/*" open,
// "gemini/gemini-2.5-pro" restricted, "gemini/models/gemini-2.5-pro" granted
// by the wildcard and served as the restricted model). So every Gemini and
// Vertex name is reduced to one canonical ID before it is looked up: the
// bare model ID for Google's own models (and for the anthropic publisher,
// whose models routeparse and LiteLLM name bare as well), "P/X" for other
// publishers, as routeparse names them on Vertex paths.

// canonicalName returns name with a Gemini or Vertex model ID in canonical
// form ("gemini/models/X" -> "gemini/X", "vertex_ai/google/X" ->
// "vertex_ai/X"). Other names are returned unchanged. It allocates only
// when the name changes.
func canonicalName(name string) string {
	for _, prov := range [...]routeparse.Provider{routeparse.Gemini, routeparse.Vertex} {
		prefix := prov.String() + "/"
		if id, ok := strings.CutPrefix(name, prefix); ok {
			if c := googleID(prov, id); c != id {
				return prefix + c
			}
			return name
		}
	}
	return name
}

// googleID returns the canonical form of a Gemini (prov routeparse.Gemini)
// or Vertex AI model ID; for any other provider, id unchanged. The result
// is a fixed point: googleID(prov, googleID(prov, id)) is googleID(prov, id).
// Spellings the SDK itself would send as some other, nonexistent resource
// ("models/models/X") are reduced too: at worst they are then decided as
// the model they resemble, which is the stricter reading, since the exact
// deployment of that model is what shadows a wildcard.
func googleID(prov routeparse.Provider, id string) string {
	switch prov {
	case routeparse.Gemini:
		for {
			rest, ok := strings.CutPrefix(id, "models/")
			if !ok || rest == "" {
				return id
			}
			id = rest
		}
	case routeparse.Vertex:
		for {
			next := vertexStep(id)
			if next == id || next == "" {
				return id
			}
			id = next
		}
	}
	return id
}

// vertexStep removes one layer of Vertex AI qualification from id.
func vertexStep(id string) string {
	if rest, ok := strings.CutPrefix(id, "projects/"); ok {
		// projects/{p}/locations/{l}/... -> ...
		_, rest, ok1 := strings.Cut(rest, "/")
		loc, rest, ok2 := strings.Cut(rest, "/")
		if ok1 && ok2 && loc == "locations" {
			if _, rest, ok := strings.Cut(rest, "/"); ok {
				return rest
			}
		}
		return id
	}
	if rest, ok := strings.CutPrefix(id, "publishers/"); ok {
		// publishers/{P}/models/{X} -> {P}/{X}
		pub, rest, ok := strings.Cut(rest, "/")
		if model, ok2 := strings.CutPrefix(rest, "models/"); ok && ok2 && pub != "" {
			return pub + "/" + model
		}
		return id
	}
	for _, p := range [...]string{"models/", "google/", "anthropic/"} {
		if rest, ok := strings.CutPrefix(id, p); ok {
			return rest
		}
	}
	return id
}
