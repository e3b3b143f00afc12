package modelacl

import (
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/bedrock"
	"github.com/modelgate/modelgate/routeparse"
)

// Compile validates cfg and builds the immutable policy. It reports every
// problem it finds, each a [*ConfigError] (wrapping [ErrInvalidConfig]),
// joined with [errors.Join]. Nothing is validated later, at request time.
//
// Rules: model_name and litellm_params.model are non-empty and have no
// surrounding white space; a model_name may not be an allowlist sentinel; a
// model may contain '*' only in a wildcard deployment, and then only once
// and only if model_name has exactly one (it receives what that star
// matched); access group names are non-empty,
// contain no '*', are not sentinels and are not also model group names (an
// entry naming both would be ambiguous). Repeated model names are fine:
// they make one group with several deployments. The rules for
// router_settings.model_group_alias are at [RouterSettings].
func Compile(cfg Config) (*Policy, error) {
	c := &compiler{
		p: &Policy{
			compat:   cfg.LiteLLMCompat,
			groups:   make(map[string]*group),
			upstream: make(map[string][]*group),
			served:   make(map[nativeKey][]string),
			access:   make(map[string]bool),
		},
		wildByName: make(map[string]*group),
	}
	for i, dc := range cfg.ModelList {
		if c.validDeployment(i, dc) {
			c.addDeployment(dc)
		}
	}
	c.addAliases(cfg.RouterSettings.ModelGroupAlias)
	return c.finish()
}

// compiler is the state of one Compile.
type compiler struct {
	p          *Policy
	errs       []error
	wildByName map[string]*group

	bedrockGroups []bedrock.Entry[*group]
	bedrockNames  []bedrock.Entry[string]
	accessGroups  []accessGroup // in order of first use
}

type accessGroup struct {
	name  string
	index int // first deployment that lists it
}

func (c *compiler) bad(i int, field, value, reason string) {
	c.errs = append(c.errs, &ConfigError{Index: i, Field: field, Value: value, Reason: reason})
}

// validDeployment checks model_list[i], records its access groups, and
// reports whether it can be added.
func (c *compiler) validDeployment(i int, dc Deployment) bool {
	name, model, modelID := dc.ModelName, dc.LiteLLMParams.Model, dc.LiteLLMParams.ModelID
	ok := true
	bad := func(field, value, reason string) {
		c.bad(i, field, value, reason)
		ok = false
	}
	check := func(field, v string, allowEmpty bool) {
		switch {
		case v == "" && !allowEmpty:
			bad(field, v, "must not be empty")
		case strings.TrimSpace(v) != v:
			bad(field, v, "has leading or trailing white space")
		}
	}
	check("model_name", name, false)
	check("litellm_params.model", model, false)
	check("litellm_params.model_id", modelID, true)
	if name == AllProxyModels || name == AllTeamModels {
		bad("model_name", name, "is an allowlist sentinel, not a model name")
	}
	if strings.IndexByte(name, ',') >= 0 {
		// A request's comma-separated model string names several models
		// (routeparse splits it), so no request could name this group,
		// and a body rewritten to it would name two models upstream.
		bad("model_name", name, "must not contain ','")
	}
	wild := strings.IndexByte(name, '*') >= 0
	switch ms := stars(model); {
	case !wild && ms > 0:
		bad("litellm_params.model", model, "contains '*' but model_name is not a wildcard")
	case wild && ms > 0 && (ms != 1 || stars(name) != 1):
		// With several stars, which run each one matched is a matter
		// of convention (leftmost or greedy), and a dispatcher with
		// another convention would call a model other than the one
		// authorized.
		bad("litellm_params.model", model, "may contain '*' only once, and only when model_name has exactly one")
	}
	if strings.IndexByte(modelID, '*') >= 0 {
		bad("litellm_params.model_id", modelID, "must not contain '*'")
	}
	for _, ag := range dc.ModelInfo.AccessGroups {
		switch {
		case ag == "" || strings.TrimSpace(ag) != ag:
			bad("model_info.access_groups", ag, "must be non-empty without surrounding white space")
		case strings.IndexByte(ag, '*') >= 0:
			bad("model_info.access_groups", ag, "must not contain '*'")
		case ag == AllProxyModels || ag == AllTeamModels:
			bad("model_info.access_groups", ag, "is an allowlist sentinel")
		case !c.p.access[ag]:
			c.p.access[ag] = true
			c.accessGroups = append(c.accessGroups, accessGroup{ag, i})
		}
	}
	return ok
}

// addDeployment adds a valid deployment to its group, creating the group.
func (c *compiler) addDeployment(dc Deployment) {
	p, name, model := c.p, dc.ModelName, dc.LiteLLMParams.Model
	d := &deployment{model: model, groups: slices.Clone(dc.ModelInfo.AccessGroups)}
	if strings.IndexByte(name, '*') >= 0 {
		g := c.wildByName[name]
		if g == nil {
			g = &group{name: name, wild: true, pattern: compileGlob(name)}
			c.wildByName[name] = g
			p.wild = append(p.wild, g)
		}
		d.fill = stars(model) > 0
		d.same = d.fill && model == name
		g.deps = append(g.deps, d)
		return
	}
	g := p.groups[name]
	if g == nil {
		g = &group{name: name, names: []string{name}}
		g.self = []*group{g}
		p.groups[name] = g
		p.order = append(p.order, g)
	}
	g.deps = append(g.deps, d)
	c.addNames(g, d, dc.LiteLLMParams.ModelID)
	for _, n := range d.names {
		if !slices.Contains(p.upstream[n], g) {
			p.upstream[n] = append(p.upstream[n], g)
		}
	}
}

// addNames records the names an exact deployment calls: as configured,
// provider-qualified without LiteLLM's route labels, and its model_id; and
// indexes them for Resolve.
func (c *compiler) addNames(g *group, d *deployment, modelID string) {
	addName := func(s string) {
		if !slices.Contains(d.names, s) {
			d.names = append(d.names, s)
		}
	}
	addName(d.model)
	prov, id := splitProvider(d.model)
	id = googleID(prov, id) // "gemini/models/X" calls "gemini/X"
	if prov == routeparse.Bedrock {
		// Only what the bedrock package recognises as a call to AWS
		// Bedrock is indexed as a Bedrock ID ("bedrock/converse_like/..."
		// is not). Anything else is still known by its configured name.
		if bid, err := bedrock.ParseLiteLLM(d.model); err == nil {
			id = bid.String()
			c.addBedrock(bid, g)
		} else {
			prov = routeparse.ProviderUnknown
		}
	}
	if prov == routeparse.ProviderUnknown {
		return
	}
	addName(prov.String() + "/" + id)
	c.p.addNative(prov, id, g.name)
	if modelID == "" {
		return
	}
	mid := googleID(prov, modelID)
	addName(prov.String() + "/" + mid)
	c.p.addNative(prov, mid, g.name)
	if prov == routeparse.Bedrock {
		if bid, err := bedrock.Parse(modelID); err == nil {
			c.addBedrock(bid, g)
		}
	}
}

func (c *compiler) addBedrock(id bedrock.ModelID, g *group) {
	c.bedrockGroups = append(c.bedrockGroups, bedrock.Entry[*group]{ID: id, Value: g})
	c.bedrockNames = append(c.bedrockNames, bedrock.Entry[string]{ID: id, Value: g.name})
}

// addAliases validates router_settings.model_group_alias, after every
// group is known, and records it.
func (c *compiler) addAliases(aliases map[string]GroupAlias) {
	if len(aliases) == 0 {
		return
	}
	const field = "router_settings.model_group_alias"
	names := make([]string, 0, len(aliases))
	for a := range aliases {
		names = append(names, a)
	}
	sort.Strings(names) // errors in a stable order
	p := c.p
	p.aliases = make(map[string]string, len(aliases))
	for _, a := range names {
		target := aliases[a].Model
		switch {
		case a == "" || strings.TrimSpace(a) != a:
			c.bad(-1, field, a, "alias must be non-empty without surrounding white space")
		case strings.IndexByte(a, '*') >= 0:
			c.bad(-1, field, a, "alias must not contain '*'")
		case strings.IndexByte(a, ',') >= 0 || strings.IndexByte(target, ',') >= 0:
			// A comma-separated model string names several models.
			c.bad(-1, field+"."+a, target, "alias and target must not contain ','")
		case a == AllModels || a == AllProxyModels || a == AllTeamModels || p.access[a]:
			c.bad(-1, field, a, "alias is allowlist vocabulary (a sentinel or an access group)")
		case p.groups[a] != nil:
			// Which one a request for it means would depend on the
			// dispatcher: refuse rather than guess.
			c.bad(-1, field, a, "alias is also a model group name")
		case p.groups[target] == nil && !slices.ContainsFunc(p.wild, func(w *group) bool { return w.pattern.match(target) }):
			c.bad(-1, field+"."+a, target, "target is not a model group")
		default:
			p.aliases[a] = target
			if !aliases[a].Hidden {
				p.listedAliases = append(p.listedAliases, a)
			}
		}
	}
}

// finish checks what needs the whole list, builds the indexes and
// precomputes Resolve.
func (c *compiler) finish() (*Policy, error) {
	p := c.p
	for _, ag := range c.accessGroups {
		if _, clash := p.groups[ag.name]; clash {
			c.bad(ag.index, "model_info.access_groups", ag.name, "is also a model group name")
		}
	}
	var err error
	if p.bedrockGroups, err = bedrock.NewIndex(c.bedrockGroups...); err != nil {
		c.errs = append(c.errs, err)
	}
	if p.bedrockNames, err = bedrock.NewIndex(c.bedrockNames...); err != nil {
		c.errs = append(c.errs, err)
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	// Precompute Resolve for every configured provider ID. (A group name
	// that no deployment calls on the route's provider is resolved on
	// demand: precomputing it for every provider would triple the size of
	// a large policy, for requests that are rarely allowed.)
	for k := range p.served {
		if p.native[k.provider] == nil {
			p.native[k.provider] = make(map[string][]string)
		}
		p.native[k.provider][k.id] = p.resolveNative(k.provider, k.id)
	}
	return p, nil
}

func (p *Policy) addNative(prov routeparse.Provider, id, group string) {
	k := nativeKey{prov, id}
	if !slices.Contains(p.served[k], group) {
		p.served[k] = append(p.served[k], group)
	}
}
