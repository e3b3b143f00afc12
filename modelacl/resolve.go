package modelacl

import (
	"slices"
	"strings"

	"github.com/modelgate/modelgate/routeparse"
)

// Resolver turns the model ID a provider-native route carries (a Bedrock
// path model ID, an Azure deployment, a Gemini or Vertex model, the model
// of a passthrough body) into the names to authorize. When an ID can mean
// several models (several groups, or a group and what the provider itself
// serves under that ID), all are returned and all must be allowed. The
// names are checked without the principal's aliases ([Checker.CheckNative]).
//
// The contract, which every Checker and the middleware rely on:
//
//   - A non-empty result: the names to authorize, all of them. The slice
//     is not modified or kept by the caller.
//   - An empty result and a nil error: the ID means nothing the gateway
//     serves. The request is denied with an error wrapping
//     [ErrUnknownModel] (DenyStatus, reason [ReasonUnknownModel]), never
//     decided as if the ID named no model.
//   - An error: the ID cannot be resolved now (a lookup failed, the ID is
//     refused). The request is denied the same way; the error wraps
//     ErrUnknownModel and the resolver's error, whose text is logged but
//     never shown to the client. A [*DenyError] is passed through as it
//     is, so a resolver may deny with its own scope and message.
//
// Resolve must be safe for concurrent use and must not block for long: it
// runs on the request's goroutine, before the body is forwarded.
//
// *Policy implements Resolver from its deployment list.
type Resolver interface {
	Resolve(provider routeparse.Provider, id string) ([]string, error)
}

// Resolve maps a provider-native model ID to the names to check. A
// provider-native ID is one the gateway forwards to that provider as it is:
// a Bedrock path's model ID, an Azure deployment, a Gemini or Vertex model,
// the model in the body of a passthrough route (/openai/..., /anthropic/...,
// /bedrock/v1/messages). Every model the ID can reach is a name to check,
// and all must be allowed:
//
//   - what the provider serves under that ID, which the ID always reaches
//     when forwarded unchanged: the model groups with a deployment calling
//     exactly that provider and ID (litellm_params.model "<provider>/<id>",
//     or litellm_params.model_id, including the equivalent Bedrock
//     spellings the bedrock package defines, such as a foundation-model ARN
//     for its base ID and the short application-inference-profile/{id} for
//     every configured ARN with that ID); when no deployment calls it, the
//     provider-qualified name "<provider>/<id>" itself (for example
//     "bedrock/us.amazon.nova-micro-v1:0"), which Check matches against
//     wildcard deployments and globs such as "bedrock/*";
//   - the model group named id, if there is one, since a gateway that
//     dispatches passthrough requests by group name reaches it.
//
// So a group "gpt-4o" served by "azure/mini-deploy" does not make
// "gpt-4o" on /openai/v1/chat/completions the cheap model: OpenAI, which
// receives the ID, serves its own gpt-4o, and both "openai/gpt-4o" and the
// group must be allowed.
//
// Gemini and Vertex IDs are first reduced to their canonical spelling
// ("models/X" and "publishers/google/models/X" are "X"; see
// google.golang.org/genai's model name transform), so every spelling of a
// model resolves as the same model.
//
// The names are checked without the principal's aliases: the gateway
// forwards the ID, not an alias target ([Checker.CheckNative] does this).
// Names from the unified routes' bodies are not provider-native: give them
// to [Policy.Check] directly. For [routeparse.ProviderUnknown] the result
// is the group named id, else id itself.
//
// The returned slice may be shared: callers must not modify it. Resolve does
// not allocate when a deployment calls the ID, or another Bedrock spelling
// of it that no group is named like.
func (p *Policy) Resolve(provider routeparse.Provider, id string) ([]string, error) {
	if p == nil {
		return nil, ErrNoPolicy
	}
	if id == "" {
		return nil, ErrNoModel
	}
	if len(id) > MaxModelNameLen {
		return nil, errNameTooLong
	}
	if !providerKnown[provider] {
		if g := p.groups[id]; g != nil {
			return g.names, nil
		}
		return []string{id}, nil
	}
	raw := id
	id = googleID(provider, id)
	names, ok := p.native[provider][id]
	if !ok && provider == routeparse.Bedrock {
		// Another spelling of a configured Bedrock ID (a foundation-model
		// ARN, the short application profile form): the index's shared
		// slice is the answer unless a group is also named like the ID.
		if vs, found := p.bedrockNames.Lookup(id); found && (p.groups[id] == nil || slices.Contains(vs, id)) {
			names, ok = vs, true
		}
	}
	if !ok {
		names = p.resolveNative(provider, id)
	}
	if raw != id {
		// The group named as the request spelled it is a meaning too.
		if g := p.groups[raw]; g != nil && !slices.Contains(names, raw) {
			names = append(slices.Clip(names), raw)
		}
	}
	return names, nil
}

// resolveNative is Resolve for a canonical ID of a known provider. It
// allocates; Compile precomputes it for the configured IDs.
func (p *Policy) resolveNative(provider routeparse.Provider, id string) []string {
	names := p.served[nativeKey{provider, id}]
	if len(names) == 0 && provider == routeparse.Bedrock {
		// Equivalent spellings: a foundation-model ARN is its base ID, an
		// inference-profile ARN its profile ID, the short
		// "application-inference-profile/{id}" form every configured ARN
		// with that ID. Never by prefix or suffix. No match: the
		// provider-qualified name below, which wildcard deployments serve.
		names, _ = p.bedrockNames.Lookup(id)
	}
	names = slices.Clone(names)
	if len(names) == 0 {
		names = append(names, provider.String()+"/"+id)
	}
	if g := p.groups[id]; g != nil && !slices.Contains(names, id) {
		names = append(names, id)
	}
	return slices.Clip(names)
}

// providers are those whose LiteLLM prefix ("bedrock/", "azure/", ...)
// marks a provider-qualified name.
var providers = [...]routeparse.Provider{
	routeparse.OpenAI, routeparse.Azure, routeparse.Anthropic, routeparse.Bedrock,
	routeparse.Gemini, routeparse.Vertex, routeparse.Cohere, routeparse.Ollama,
}

var providerKnown = func() (known [256]bool) {
	for _, p := range providers {
		known[p] = true
	}
	return known
}()

// splitProvider splits a LiteLLM model string into its provider and the
// provider's own model ID. Unknown prefixes give ProviderUnknown. Bedrock
// route labels ("bedrock/converse/...") are the bedrock package's to parse.
func splitProvider(model string) (routeparse.Provider, string) {
	for _, prov := range providers {
		rest, ok := strings.CutPrefix(model, prov.String()+"/")
		if !ok || rest == "" {
			continue
		}
		return prov, rest
	}
	return routeparse.ProviderUnknown, ""
}
