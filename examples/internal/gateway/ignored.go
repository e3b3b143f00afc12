package gateway

import "sort"

// A LiteLLM config carries settings this gateway does not act on (routing,
// retries and fallbacks, per-deployment api_base and api_key, the master
// key, callbacks, ...). They load without error, so that an existing file
// works, but an operator must not believe they are in force: the gateway
// names each one once, at start ([Config.Ignored], logged by [New]).

// understood lists, per section, what the gateway reads.
var (
	understoodRouter = []string{"model_group_alias"}
	understoodDep    = []string{"model_name", "litellm_params", "model_info"}
	understoodParams = []string{"model", "model_id"}
	understoodInfo   = []string{"id", "access_groups"}
)

// ignoredSettings returns the settings of root (the parsed YAML document)
// the gateway does not act on, as sorted paths such as
// "general_settings.master_key" or "model_list[].litellm_params.api_base".
func ignoredSettings(root map[string]any) []string {
	seen := map[string]bool{}
	add := func(path string) { seen[path] = true }
	nested := func(prefix string, v any, understood []string) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k := range m {
			if !contains(understood, k) {
				add(prefix + k)
			}
		}
	}
	for k, v := range root {
		switch {
		case k == "router_settings":
			nested("router_settings.", v, understoodRouter)
		case k == "model_list":
			list, _ := v.([]any)
			for _, e := range list {
				dep, ok := e.(map[string]any)
				if !ok {
					continue
				}
				nested("model_list[].", dep, understoodDep)
				nested("model_list[].litellm_params.", dep["litellm_params"], understoodParams)
				nested("model_list[].model_info.", dep["model_info"], understoodInfo)
			}
		case contains(topLevel, k):
		default:
			if m, ok := v.(map[string]any); ok && len(m) > 0 {
				nested(k+".", m, nil)
			} else {
				add(k)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Ignored returns the LiteLLM settings in the file that this gateway does
// not act on, as sorted paths ("router_settings.fallbacks",
// "model_list[].litellm_params.api_base", ...). [New] logs each once.
func (c *Config) Ignored() []string { return c.ignored }
