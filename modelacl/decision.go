package modelacl

import "github.com/modelgate/modelgate/routeparse"

// Scope is one level of the principal hierarchy that can carry an
// allowlist. Scopes are checked in the order of their values; the first
// that denies is reported.
type Scope uint8

const (
	ScopeNone       Scope = iota // no scope: allowed, or denied for a reason that is no scope's
	ScopeKey                     // the virtual key
	ScopeTeam                    // the key's team
	ScopeTeamMember              // the user's membership in the team
	ScopeUser                    // the user who owns the key
	ScopeOrg                     // the organization
	ScopeEndUser                 // the end user the request is made for
)

var scopeNames = [...]string{"none", "key", "team", "team_member", "user", "org", "end_user"}
var scopeNouns = [...]string{"principal", "key", "team", "team member", "user", "organization", "end user"}

// String returns the scope's identifier: "key", "team", "team_member",
// "user", "org", "end_user" ("none" for ScopeNone). Hosts build error types
// such as "key_model_access_denied" from it.
func (s Scope) String() string {
	if int(s) < len(scopeNames) {
		return scopeNames[s]
	}
	return "unknown"
}

func (s Scope) noun() string {
	if int(s) < len(scopeNouns) {
		return scopeNouns[s]
	}
	return "unknown scope"
}

// Grant records how one requested name was authorized.
//
// On the unified routes (names checked with [Policy.Check] or
// [Checker.CheckModels]) aliases apply, and Model may differ from
// Requested: the gateway must then call Model (or Group), and a gateway
// that forwards the request body unchanged must first rewrite its model to
// Model. Forwarding Requested instead reintroduces the bypass aliases are
// kept from: an alias "claude-opus-4-7" standing for a cheap model would
// authorize the cheap model and reach the expensive one.
//
// On provider-native and passthrough routes ([Checker.CheckNative], and
// [Checker.CheckRoute] for those routes) aliases never apply, since the ID
// is forwarded as sent; Model is one of the names the ID resolved to
// ([Policy.Resolve]), and an ID with several meanings has one Grant for
// each, all with the same Requested.
//
// [Decision.UpstreamModel] says which of the two names the upstream must
// receive, and [Decision.Primary] which grant the request calls first.
type Grant struct {
	// Requested is the name exactly as the request gave it: the body's
	// model, or the provider-native ID from the path (a Bedrock ARN, an
	// Azure deployment), never a name derived from it.
	Requested string
	// Model is the name that was authorized: on unified routes, the alias
	// target when Requested is one of the principal's aliases, else
	// Requested (in canonical spelling for Gemini and Vertex names, such
	// as "gemini/X" for "gemini/models/X"); on native routes, the name
	// Requested resolved to (a model group, or "<provider>/<id>").
	Model string
	// Fallback is true for a name the request gave as a fallback or other
	// secondary target ([routeparse.Model].Fallback): authorized like the
	// primary one, but not what the request calls first. Always false
	// for names checked with [Policy.Check] and [Checker.CheckModels],
	// which cannot know.
	Fallback bool
	// Group is the model group that serves Model: the exact group, or the
	// most specific wildcard group whose pattern matches it. When Model
	// names a provider model that several groups deploy, every one of them
	// was authorized and Group is the first in configuration order. Empty
	// when no deployment serves Model.
	Group string
}

// Decision is the outcome of [Policy.Check]: whether the request may go
// ahead, how each name was authorized, and on denial which scope denied
// which name. It also carries the principal's non-secret IDs for audit.
//
// Hosts key budgets, rate limits and routing on [Decision.Grants]: they
// are the authorized names, so dispatch never has to re-derive them.
type Decision struct {
	Allowed bool

	// Scope is the scope that denied (ScopeNone when allowed, or when the
	// denial is no scope's, such as ErrNoAllowlist).
	Scope Scope
	// Denied is the requested name that was denied, as the request gave
	// it ("" when allowed). On a native route it is the provider-native
	// ID; the error says which name it resolved to was refused.
	Denied string

	// Err is why the request was denied: the error Check returned (a
	// [*DenyError] or one of the sentinels), or, when the middleware refused
	// the request before the policy check, a routeparse or credential error.
	// Nil when allowed. Every such error matches a documented sentinel;
	// [Decision.Reason] is its stable code, for logs and metrics.
	Err error

	// The principal's IDs, copied for audit. Never a secret.
	KeyID, TeamID, UserID, OrgID, EndUserID string

	// Route is the classified request. Set by the middleware; zero when
	// [Policy.Check] is called directly.
	Route routeparse.Route

	pr     *Principal // who was authenticated; nil when nobody was
	policy *Policy    // the snapshot that decided; nil when none did
	native bool       // the grants are of provider-native IDs, forwarded as sent

	listing *ListingAnswer // a listing the middleware answers itself (Options.Discovery)
	unread  bool           // refused before the whole body was read: the refusal closes the connection

	n      int
	inline [2]Grant // most requests name one or two models: no allocation
	extra  []Grant
}

// Grants returns one entry per requested name (per name a
// provider-native ID resolved to, on native routes), in request order,
// when the decision is an allow; empty on deny. The slice aliases the
// Decision.
func (d *Decision) Grants() []Grant {
	if d.extra != nil {
		return d.extra
	}
	return d.inline[:d.n]
}

// Primary returns the grant of the model the request calls first: the
// first grant that is not a [Grant.Fallback] (on a native route whose ID
// has several meanings, the first of them). ok is false when there is none
// (a denial, a model-free route).
func (d *Decision) Primary() (g Grant, ok bool) {
	for _, g := range d.Grants() {
		if !g.Fallback {
			return g, true
		}
	}
	return Grant{}, false
}

// UpstreamModel returns the name the upstream must receive for g, one of
// d's grants: g.Model on the unified routes, where aliases apply (an
// alias's target, or the canonical spelling of a Gemini or Vertex name),
// so a dispatcher that forwards the body rewrites its model to it when it
// differs from g.Requested; g.Requested on provider-native and passthrough
// routes, whose IDs are forwarded as sent and whose grants name what the
// ID resolved to.
func (d *Decision) UpstreamModel(g Grant) string {
	if d.native {
		return g.Requested
	}
	return g.Model
}

// Principal returns the principal the host's authenticate function
// returned for the request (with its [Principal].Host value), or nil when
// the request was refused before anyone was authenticated or the Decision
// was not made for a principal. Listing what the caller may call is
// d.Policy().Models(d.Principal()).
func (d *Decision) Principal() *Principal { return d.pr }

// Policy returns the policy snapshot the decision was made with, or nil
// when none was (a refusal before the policy check, no policy loaded).
// With a [Store], this is the snapshot of this request even after a
// reload: look deployments up in it ([Policy.Deployments]) so the
// dispatcher and the decision agree.
func (d *Decision) Policy() *Policy { return d.policy }

func (d *Decision) add(g Grant) {
	switch {
	case d.extra != nil:
		d.extra = append(d.extra, g)
	case d.n < len(d.inline):
		d.inline[d.n] = g
		d.n++
	default:
		d.extra = make([]Grant, 0, 2*len(d.inline)+1)
		d.extra = append(d.extra, d.inline[:]...)
		d.extra = append(d.extra, g)
	}
}

// setPrincipal records pr (nil: nobody authenticated) and copies its IDs.
func (d *Decision) setPrincipal(pr *Principal) {
	if pr == nil {
		return
	}
	d.pr = pr
	d.KeyID, d.TeamID, d.UserID, d.OrgID, d.EndUserID = pr.KeyID, pr.TeamID, pr.UserID, pr.OrgID, pr.EndUserID
}
