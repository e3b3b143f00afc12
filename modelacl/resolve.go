package modelacl

import (
	"slices"
	"strings"

	"github.com/modelgate/modelgate/bedrock"
	"github.com/modelgate/modelgate/routeparse"
)

// Resolver turns the model ID a provider-native route carries (a Bedrock
// path model ID, an Azure deployment, a Gemini or Vertex model) into the
// names [Policy.Check] must authorize. When an ID can mean several model
// groups, all are returned and all must be allowed.
//
// *Policy implements Resolver from its deployment list.
type Resolver interface {
	Resolve(provider routeparse.Provider, id string) ([]string, error)
}

// Resolve maps a provider-native model ID to the names to check:
//
//   - every model group with a deployment that calls that provider with that
//     ID (litellm_params.model "<provider>/<id>", or litellm_params.model_id),
//     plus the group named id if there is one: the ID means each of them;
//   - else the model group named id (for Bedrock, when id is also a valid
//     Bedrock model ID, both the group and "bedrock/<id>");
//   - else the provider-qualified name "<provider>/<id>" (for example
//     "bedrock/us.amazon.nova-micro-v1:0"), which Check resolves against
//     wildcard deployments and matches against globs such as "bedrock/*".
//
// This holds for [routeparse.OpenAI] and [routeparse.Anthropic] too: an ID
// from a passthrough route (/openai/..., /anthropic/...) goes to that
// provider unchanged, so "claude-3-haiku-20240307" there is
// "anthropic/claude-3-haiku-20240307" unless a group is named so. Names
// from the unified routes' bodies are not provider-native: give them to
// [Policy.Check] directly. For [routeparse.ProviderUnknown] the result is
// the group named id, else id itself.
//
// The returned slice may be shared: callers must not modify it. Resolve does
// not allocate when the ID is configured.
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
	if names, ok := p.native[nativeKey{provider, id}]; ok {
		return names, nil
	}
	if provider == routeparse.Bedrock {
		// Equivalent spellings: a foundation-model ARN is its base ID, an
		// inference-profile ARN its profile ID, the short
		// "application-inference-profile/{id}" form the one configured ARN
		// with that ID. Never by prefix or suffix.
		if names, ok := p.bedrockNames.Lookup(id); ok {
			if g := p.groups[id]; g != nil && !slices.Contains(names, id) {
				return append(slices.Clip(names), id), nil
			}
			return names, nil
		}
	}
	if g := p.groups[id]; g != nil {
		if provider == routeparse.Bedrock {
			if _, err := bedrock.Parse(id); err == nil {
				// A group named like a Bedrock model ID that no deployment
				// calls: forwarded unchanged, AWS would serve that model,
				// so the ID means both.
				return []string{id, "bedrock/" + id}, nil
			}
		}
		return g.names, nil
	}
	return []string{provider.String() + "/" + id}, nil
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
