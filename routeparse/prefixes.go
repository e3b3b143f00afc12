package routeparse

import "fmt"

// Prefixes are the gateway path prefixes under which each provider's native
// routes are served, LiteLLM style: "/bedrock/model/{id}/invoke" is the
// Bedrock runtime route "/model/{id}/invoke" behind the "/bedrock" prefix.
//
// Each field's zero value "" selects the default shown beside it; "-"
// disables the prefix. Any other value must start with '/', must not end
// with '/', and must be in the canonical form [Parser.ParseRequest]
// requires of paths; a value that is not never matches (it cannot widen
// what is recognised). Matching is case-sensitive and on whole segments:
// "/bedrock" does not match "/bedrockx/...".
//
// Unprefixed routes ("/model/{id}/invoke", "/v1/chat/completions",
// "/v1beta/models/{m}:generateContent", ...) are always recognised too.
//
// When two prefixes overlap, the first in field order wins.
type Prefixes struct {
	Bedrock   string // default "/bedrock": Bedrock runtime routes, and Anthropic-shaped /v1/messages sent by anthropic-sdk-go's bedrock option
	Vertex    string // default "/vertex_ai": Vertex AI routes (/v1/projects/..., /v1beta1/publishers/...)
	Gemini    string // default "/gemini": Gemini API routes (/v1beta/models/..., ...)
	Azure     string // default "/azure": Azure OpenAI routes (/openai/deployments/..., /openai/v1/...)
	OpenAI    string // default "/openai": OpenAI routes (/v1/chat/completions, ...)
	Anthropic string // default "/anthropic": Anthropic routes (/v1/messages, ...) and Anthropic's OpenAI-compatible chat
}

// Default prefix values, used for empty Prefixes fields.
const (
	DefaultBedrockPrefix   = "/bedrock"
	DefaultVertexPrefix    = "/vertex_ai"
	DefaultGeminiPrefix    = "/gemini"
	DefaultAzurePrefix     = "/azure"
	DefaultOpenAIPrefix    = "/openai"
	DefaultAnthropicPrefix = "/anthropic"
)

// PrefixDisabled, as a Prefixes field, turns that prefix off.
const PrefixDisabled = "-"

// orDefault resolves one Prefixes field.
func orDefault(v, def string) string {
	switch v {
	case "":
		return def
	case PrefixDisabled:
		return ""
	}
	return v
}

// prefixEntry is one enabled prefix and the routes it selects.
type prefixEntry struct {
	k prefixKind
	v string
}

// prefixTable is the enabled prefixes in matching order (field order).
type prefixTable struct {
	n int
	e [6]prefixEntry
}

// defaultPrefixTable serves the zero Prefixes.
var defaultPrefixTable = Prefixes{}.table()

// table resolves the fields to the enabled prefixes, in field order. A
// value that can never match (see Validate) is kept: cutPrefix refuses it.
func (p Prefixes) table() prefixTable {
	var t prefixTable
	for _, c := range [...]prefixEntry{
		{pkBedrock, orDefault(p.Bedrock, DefaultBedrockPrefix)},
		{pkVertex, orDefault(p.Vertex, DefaultVertexPrefix)},
		{pkGemini, orDefault(p.Gemini, DefaultGeminiPrefix)},
		{pkAzure, orDefault(p.Azure, DefaultAzurePrefix)},
		{pkOpenAI, orDefault(p.OpenAI, DefaultOpenAIPrefix)},
		{pkAnthropic, orDefault(p.Anthropic, DefaultAnthropicPrefix)},
	} {
		if c.v != "" {
			t.e[t.n] = c
			t.n++
		}
	}
	return t
}

func (t *prefixTable) entries() []prefixEntry { return t.e[:t.n] }

// cutPrefix reports whether path lies under prefix (on a segment
// boundary) and returns the remainder, which starts with '/'. An empty
// (disabled) prefix matches nothing.
func cutPrefix(path, prefix string) (string, bool) {
	if len(prefix) < 2 || prefix[0] != '/' || prefix[len(prefix)-1] == '/' {
		return "", false
	}
	if len(path) <= len(prefix) || path[:len(prefix)] != prefix || path[len(prefix)] != '/' {
		return "", false
	}
	return path[len(prefix):], true
}

// Validate reports the first field that can never match: a value that is
// not "", "-" or a canonical path without a trailing '/', or one that
// repeats another field's value. Parsing never fails because of Prefixes
// (an invalid prefix simply matches nothing); call Validate where the
// configuration is loaded, so a typo is an error at start-up rather than a
// route that silently stops being recognised; [Parser.Compile] does.
func (p Prefixes) Validate() error {
	fields := [...]struct{ name, v, def string }{
		{"Bedrock", p.Bedrock, DefaultBedrockPrefix},
		{"Vertex", p.Vertex, DefaultVertexPrefix},
		{"Gemini", p.Gemini, DefaultGeminiPrefix},
		{"Azure", p.Azure, DefaultAzurePrefix},
		{"OpenAI", p.OpenAI, DefaultOpenAIPrefix},
		{"Anthropic", p.Anthropic, DefaultAnthropicPrefix},
	}
	for i, f := range fields {
		v := orDefault(f.v, f.def)
		if v == "" {
			continue
		}
		if v == "/" || v[0] != '/' || v[len(v)-1] == '/' || checkPath(v) != nil {
			return fmt.Errorf("routeparse: Prefixes.%s %q is not a canonical path prefix (\"/name\", no trailing '/')", f.name, v)
		}
		for _, g := range fields[:i] {
			if orDefault(g.v, g.def) == v {
				return fmt.Errorf("routeparse: Prefixes.%s and Prefixes.%s are both %q", g.name, f.name, v)
			}
		}
	}
	return nil
}
