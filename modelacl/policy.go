package modelacl

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/bedrock"
	"github.com/modelgate/modelgate/routeparse"
)

// Principal is who makes a request, as the host's key store describes it:
// the non-secret IDs of the key and of the entities above it, each with its
// allowlist. A zero Allowlist is unset: that scope does not restrict.
//
// A request is allowed only if every scope that sets a list allows every
// model it names (AND across scopes).
//
// # From LiteLLM
//
// A host migrating from LiteLLM's proxy fills the fields from the same
// records LiteLLM checks, and only where LiteLLM checks them:
//
//   - Key: the key's models (LiteLLM_VerificationToken.models), with
//     "all-team-models" kept as is.
//   - Team: the models of the key's team; TeamMember: the key's user's
//     models within that team, where the host keeps such a list.
//   - User: the models of the key's user, only on that user's personal
//     keys (keys with no team). LiteLLM checks a user's list only on
//     personal keys; a team key is governed by the team, whoever owns it.
//     Leave User unset on team keys, or a user's own narrow list would
//     deny what the team grants.
//   - Org: the models of the key's (or its team's) organization.
//   - EndUser: the end user's list, where the host keeps one (LiteLLM's
//     customer records carry budgets, not model lists).
//   - Aliases: the key's aliases merged over the team's model aliases;
//     router_settings.model_group_alias goes in the [Config], for everyone.
//
// A list LiteLLM stores as [] means "all models" there: read such lists
// with [Config].LiteLLMCompat, or convert them to [AllowAll].
type Principal struct {
	KeyID string    // a non-secret identifier of the key (never the key itself)
	Key   Allowlist // the key's models; may contain "all-team-models"

	TeamID     string
	Team       Allowlist // the team's models
	TeamMember Allowlist // the user's models within the team

	UserID string
	User   Allowlist

	OrgID string
	Org   Allowlist

	EndUserID string // the customer a request is made on behalf of
	EndUser   Allowlist

	// Aliases maps a name the caller may send to the model it stands for
	// (LiteLLM's key and team model aliases, merged by the host). The
	// target, never the alias, is what gets authorized, so an alias cannot
	// widen access. Resolution is one step: a target is not looked up
	// again.
	Aliases map[string]string

	// Host is the host's own value for this principal (its key record, a
	// budget handle, ...). The library never reads it; the next handler
	// finds it through [Decision.Principal].
	Host any
}

// list returns the allowlist of scope s, nil when unset.
func (pr *Principal) list(s Scope) *list {
	switch s {
	case ScopeKey:
		return pr.Key.l
	case ScopeTeam:
		return pr.Team.l
	case ScopeTeamMember:
		return pr.TeamMember.l
	case ScopeUser:
		return pr.User.l
	case ScopeOrg:
		return pr.Org.l
	case ScopeEndUser:
		return pr.EndUser.l
	}
	return nil
}

func (pr *Principal) anySet() bool {
	return pr.Key.l != nil || pr.Team.l != nil || pr.TeamMember.l != nil ||
		pr.User.l != nil || pr.Org.l != nil || pr.EndUser.l != nil
}

// Policy is a compiled deployment list: which model groups exist, which
// deployments serve them, which access groups those deployments belong to.
// Build it with [Compile]. A Policy is immutable and safe for concurrent
// use; to change it, compile a new one and swap it in (see [Store]).
//
// A nil *Policy denies everything with [ErrNoPolicy].
type Policy struct {
	compat bool

	groups   map[string]*group   // exact (non-wildcard) groups by name
	order    []*group            // exact groups in configuration order
	wild     []*group            // wildcard groups in configuration order
	upstream map[string][]*group // provider-qualified upstream name -> exact groups deploying it
	access   map[string]bool     // access group names

	// served: the groups with a deployment calling exactly that provider ID
	// (litellm_params.model or model_id). native: what Resolve returns,
	// precomputed for every served ID, so that resolving a configured ID
	// does not allocate. native is indexed by provider: a lookup by the
	// ID alone takes the string-keyed map's fast path, which for the few
	// IDs a policy names on one provider compares without hashing.
	served map[nativeKey][]string
	native [256]map[string][]string

	// Policy-level aliases (router_settings.model_group_alias): alias ->
	// target; listedAliases are those Models lists, sorted.
	aliases       map[string]string
	listedAliases []string

	// Bedrock IDs by equivalence (foundation-model ARN = base ID; the
	// short application-inference-profile/{id} form = every configured ARN
	// with that ID, all of which must be allowed: bedrock.Index).
	bedrockGroups *bedrock.Index[*group]
	bedrockNames  *bedrock.Index[string]
}

// knownName returns the name of the exact model group named b, for the
// parser's Names: a body naming a configured group needs no copy of the
// name. p may be nil (a Store not loaded yet).
func (p *Policy) knownName(b []byte) (string, bool) {
	if p == nil {
		return "", false
	}
	if g, ok := p.groups[string(b)]; ok {
		return g.name, true
	}
	return "", false
}

type group struct {
	name    string
	names   []string // []string{name}, returned by Resolve without allocating
	self    []*group // []*group{g}
	deps    []*deployment
	wild    bool
	pattern glob // wildcard groups only
}

type deployment struct {
	model  string   // litellm_params.model as configured
	names  []string // every provider-qualified name it calls (exact deployments)
	fill   bool     // wildcard deployment whose model receives the group's captures
	same   bool     // fill and model == group name: the upstream is the requested name
	groups []string // access groups
}

// upstream is the model d calls when wildcard group g serves name.
func (d *deployment) upstream(g *group, name string) string {
	switch {
	case d.same:
		return name
	case d.fill:
		caps, _ := g.pattern.captures(name)
		return fill(d.model, caps)
	}
	return d.model
}

type nativeKey struct {
	provider routeparse.Provider
	id       string
}

// Policy returns p itself, so that a *Policy can be used wherever a
// [PolicySource] is expected.
func (p *Policy) Policy() *Policy { return p }

// target is a requested name after alias resolution, with what serves it.
type target struct {
	name     string
	groups   []*group // exact groups that serve it (shared, do not modify)
	wild     bool     // no exact group: served by the wildcard groups matching name
	notModel bool     // an access group or allowlist sentinel sent as a model name
}

// resolveName finds what serves name, in the order the gateway dispatches:
// an exact model group, else the groups deploying it as their upstream
// model, else the wildcard groups matching it. An exact group shadows every
// wildcard group, including their access groups.
func (p *Policy) resolveName(name string) target {
	t := target{name: name}
	if g := p.groups[name]; g != nil {
		t.groups = g.self
		return t
	}
	if c := canonicalName(name); c != name {
		// Another spelling of a Gemini or Vertex model (google.go): decided
		// as the canonical one, so an exact deployment of it shadows the
		// wildcards for every spelling.
		return p.resolveName(c)
	}
	// (Compile keeps group names and the vocabulary below apart.)
	if p.access[name] || name == AllModels || name == AllProxyModels || name == AllTeamModels {
		// Allowlist vocabulary, not a model: an entry naming it grants
		// what it stands for, never a model called by that name.
		t.notModel = true
		return t
	}
	if gs := p.upstream[name]; len(gs) > 0 {
		t.groups = gs
		return t
	}
	if strings.HasPrefix(name, "bedrock/") {
		// Another spelling of a configured Bedrock model (its
		// foundation-model ARN, the short application profile form).
		if id, err := bedrock.ParseLiteLLM(name); err == nil {
			if gs, ok := p.bedrockGroups.LookupID(id); ok {
				t.groups = gs
				return t
			}
		}
	}
	for _, w := range p.wild {
		if w.pattern.match(name) {
			t.wild = true
			break
		}
	}
	return t
}

// groupName is the group reported in a Grant.
func (p *Policy) groupName(t *target) string {
	if len(t.groups) > 0 {
		return t.groups[0].name
	}
	if !t.wild {
		return ""
	}
	var best *group
	for _, w := range p.wild {
		if w.pattern.match(t.name) && (best == nil || w.pattern.minLen > best.pattern.minLen) {
			best = w
		}
	}
	return best.name
}

// Check decides whether pr may call every one of names, the models a
// request names as a client of the gateway's unified API names them: model
// group names, provider-qualified names such as
// "bedrock/us.amazon.nova-micro-v1:0", and pr's aliases. It is the one
// decision function: the middleware, listing ([Policy.Models]) and any
// non-HTTP path use it.
//
// Aliases apply here, and only here: pr's own ([Principal].Aliases), then
// the policy's ([RouterSettings].ModelGroupAlias). Check authorizes an
// alias's target, so the gateway must call the target. A host that dispatches a unified
// request must call [Grant.Model] (or its Group), never the name the
// request body holds; one that forwards such a body unchanged must first
// rewrite its model to Grant.Model, or a key alias ("claude-opus-4-7"
// standing for a cheap model) would authorize the cheap model while the
// upstream serves the expensive one. Provider-native IDs (a Bedrock path,
// an Azure deployment, the body of a passthrough route), which the gateway
// forwards unchanged, must not go through Check: use
// [Checker.CheckNative], which resolves them ([Policy.Resolve]) and checks
// the results without aliases.
//
// The request is allowed iff, for every name, every scope of pr that sets
// an allowlist allows it. On deny the error is a [*DenyError] naming the
// first scope and name that failed (or ErrNoModel, ErrNoPolicy,
// ErrNoPrincipal), and the Decision says the same. Names longer than
// [MaxModelNameLen] are refused with ErrNoModel. On allow the error is
// nil and [Decision.Grants] tells how each name was authorized.
//
// Check does not allocate when it allows up to two names.
func (p *Policy) Check(pr *Principal, names ...string) (Decision, error) {
	return p.decide(pr, names, nil, nil, true)
}

// decide is Check. requested, when not nil, holds for each of names the
// name the request sent (a provider-native ID that names[i] was resolved
// from); nil means names are as sent. aliases says whether pr's aliases
// apply: only to unified names, whose dispatcher calls the alias target.
// fallback, when not nil, marks the names the request gave as fallbacks.
// No slice is retained.
func (p *Policy) decide(pr *Principal, names, requested []string, fallback []bool, aliases bool) (Decision, error) {
	var d Decision
	err := p.decideInto(&d, pr, names, requested, fallback, aliases)
	return d, err
}

// decideInto is decide writing the outcome into d, which holds none yet;
// d.Route is left alone.
func (p *Policy) decideInto(d *Decision, pr *Principal, names, requested []string, fallback []bool, aliases bool) error {
	switch {
	case pr == nil:
		d.Err = ErrNoPrincipal
		return d.Err
	case p == nil:
		d.setPrincipal(pr)
		d.Err = ErrNoPolicy
		return d.Err
	}
	d.policy, d.native = p, !aliases
	d.setPrincipal(pr)
	if len(names) == 0 {
		d.Err = ErrNoModel
		return d.Err
	}
	for i, n := range names {
		req := n
		if requested != nil {
			req = requested[i]
		}
		t, s, err := p.check(pr, n, aliases)
		if err != nil {
			// A denial carries no grants.
			d.n, d.inline, d.extra, d.native = 0, [len(d.inline)]Grant{}, nil, false
			d.Scope, d.Denied = s, req
			switch {
			case errors.Is(err, ErrNoModel):
				d.Err = err
			case req != n:
				d.Err = &nativeDenyError{id: req, err: &DenyError{Scope: s, Model: n, Err: err}}
			default:
				d.Err = &DenyError{Scope: s, Model: n, Err: err}
			}
			return d.Err
		}
		d.add(Grant{Requested: req, Model: t.name, Group: p.groupName(&t), Fallback: fallback != nil && fallback[i]})
	}
	d.Allowed = true
	return nil
}

// MaxModelNameLen bounds the length of a requested model name, in bytes.
// No provider's model ID comes near it (Bedrock's modelId, ARNs included,
// is at most 2048), and the bound keeps the cost of matching a name against
// many globs small: matching is linear in the name, but a name as large as
// a request body, tried against every glob of every scope, would not be.
// Longer names are refused with an error wrapping [ErrNoModel].
const MaxModelNameLen = 4096

var errNameTooLong error = &modelError{msg: fmt.Sprintf("model name longer than %d bytes", MaxModelNameLen), err: ErrNoModel}

// check decides one requested name. It is shared by Check and Models.
// aliases says whether pr's aliases apply (see decide).
func (p *Policy) check(pr *Principal, requested string, aliases bool) (target, Scope, error) {
	if len(requested) > MaxModelNameLen {
		return target{}, ScopeNone, errNameTooLong
	}
	name := requested
	if aliases {
		// The principal's alias, then the policy's (model_group_alias),
		// each one step: what they lead to is what gets authorized.
		if a, ok := pr.Aliases[name]; ok {
			name = a
		}
		if a, ok := p.aliases[name]; ok {
			name = a
		}
	}
	if name == "" {
		return target{}, ScopeNone, ErrNoModel
	}
	if !pr.anySet() {
		return target{}, ScopeNone, ErrNoAllowlist
	}
	t := p.resolveName(name)
	for s := ScopeKey; s <= ScopeEndUser; s++ {
		l := pr.list(s)
		if l == nil || p.allows(l, &t) {
			continue
		}
		if s == ScopeKey && l.teamModels {
			// "all-team-models": the key inherits its team's list. Without
			// a team there is nothing to inherit and the key denies (the
			// reference gateway read this case as unrestricted).
			if pr.TeamID == "" || pr.Team.l == nil {
				return t, s, ErrTeamModelsWithoutTeam
			}
			if p.allows(pr.Team.l, &t) {
				continue
			}
		}
		return t, s, ErrModelNotAllowed
	}
	return t, ScopeNone, nil
}

// allows reports whether list l allows target t. "all-team-models" is not
// looked at here: it only means something on the key scope (see check).
func (p *Policy) allows(l *list, t *target) bool {
	switch {
	case l.denyAll:
		return false
	case l.all:
		return true
	case l.empty():
		// An empty list denies, unless the operator asked for LiteLLM's
		// reading of it.
		return p.compat
	case t.notModel:
		return false
	}
	if len(t.groups) > 0 {
		// Every group the name can mean must be allowed.
		for _, g := range t.groups {
			if !l.matchName(g.name) && !l.allDeployments(g, "") {
				return false
			}
		}
		return true
	}
	if l.matchName(t.name) {
		return true
	}
	if !t.wild {
		return false
	}
	// Served by wildcard deployments: every matching wildcard group must be
	// allowed through its deployments (the requested name itself was
	// checked above).
	for _, w := range p.wild {
		if w.pattern.match(t.name) && !l.allDeployments(w, t.name) {
			return false
		}
	}
	return true
}

// allDeployments reports whether every deployment of g is allowed, by an
// access group it belongs to or by the upstream name it calls. All, not
// any: the gateway balances load across a group's deployments, so a grant
// through one deployment's access group must not open the others (fail
// closed). For a wildcard group, name is the requested name that fills the
// upstream pattern.
func (l *list) allDeployments(g *group, name string) bool {
	if len(g.deps) == 0 {
		return false
	}
	for _, d := range g.deps {
		if l.hasGroup(d.groups) {
			continue
		}
		if !g.wild {
			if !slices.ContainsFunc(d.names, l.matchName) {
				return false
			}
			continue
		}
		if !l.matchName(d.upstream(g, name)) {
			return false
		}
	}
	return true
}

// Deployments returns the upstream models that serve g, as configured
// (litellm_params.model, provider-qualified), in configuration order:
// what a dispatcher balances over after p allowed g. For a wildcard
// group, each deployment's '*' is filled with what the group's '*' matched
// in g.Model ("openai/*" serving "openai/gpt-4o" gives "openai/gpt-4o").
// Nil when g.Group is empty (no deployment serves g.Model: on a native
// route the ID is forwarded as sent) or names no group of p.
//
// Look deployments up in the snapshot that decided ([Decision.Policy]),
// not in a map of the host's own: that is the list the decision was made
// against.
func (p *Policy) Deployments(g Grant) []string {
	if p == nil || g.Group == "" {
		return nil
	}
	if grp := p.groups[g.Group]; grp != nil {
		out := make([]string, len(grp.deps))
		for i, d := range grp.deps {
			out[i] = d.model
		}
		return out
	}
	for _, w := range p.wild {
		if w.name != g.Group || !w.pattern.match(g.Model) {
			continue
		}
		out := make([]string, len(w.deps))
		for i, d := range w.deps {
			out[i] = d.upstream(w, g.Model)
		}
		return out
	}
	return nil
}

// Models returns the names pr may call, as a gateway's GET /v1/models
// should list them: every exact model group in configuration order, then
// the policy's aliases that are not hidden (model_group_alias), then pr's
// own other aliases, both in sorted order, each kept only if [Policy.Check] would allow
// it, since it is decided by the same code. Wildcard groups are not listed
// (they are patterns, not names). Nil for a nil policy or principal.
func (p *Policy) Models(pr *Principal) []string {
	if p == nil || pr == nil {
		return nil
	}
	var out []string
	for _, g := range p.order {
		if _, _, err := p.check(pr, g.name, true); err == nil {
			out = append(out, g.name)
		}
	}
	for _, a := range p.listedAliases {
		if _, _, err := p.check(pr, a, true); err == nil {
			out = append(out, a)
		}
	}
	aliases := make([]string, 0, len(pr.Aliases))
	for a := range pr.Aliases {
		if _, policyAlias := p.aliases[a]; p.groups[a] == nil && !policyAlias {
			aliases = append(aliases, a)
		}
	}
	slices.Sort(aliases)
	for _, a := range aliases {
		if _, _, err := p.check(pr, a, true); err == nil {
			out = append(out, a)
		}
	}
	return out
}
