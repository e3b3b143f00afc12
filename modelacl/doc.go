// Package modelacl decides whether a caller may use the models an LLM
// request names, and enforces that decision in front of a gateway.
//
// The policy core is pure: [Compile] turns a LiteLLM-style deployment list
// ([Config]) into an immutable [Policy]; [Policy.Check] decides for a
// [Principal] (a key and the team, team membership, user, organization and
// end user above it, each with an [Allowlist]) and every model a request
// names; [Policy.Models] lists what the principal may call using the same
// code. The middleware in this package classifies HTTP requests with
// routeparse and calls Check.
//
// # What it decides
//
// A request is allowed if and only if every model it names is allowed by
// every scope that sets an allowlist. A scope allows a model when one of the
// model's names matches one of its entries:
//
//   - the model group that serves it (a deployment's model_name). An exact
//     group shadows wildcard groups: with deployments "openai/*" and
//     "openai/gpt-4o", a request for "openai/gpt-4o" is served by, and
//     decided for, the exact group only;
//   - otherwise, through the group's deployments: a deployment is allowed by
//     an access group it lists (model_info.access_groups) or by the upstream
//     model it calls ("bedrock/global.anthropic.claude-opus-4-7"). A group
//     with several deployments is allowed this way only if every deployment
//     is, since the gateway balances load across them;
//   - the requested name itself when no deployment serves it, or when a
//     wildcard deployment does.
//
// Entries are exact names, access groups, globs in which '*' matches any run
// of characters (nothing else is special: no regex), and the sentinels "*"
// and "all-proxy-models" (all) and "all-team-models" (a key inherits its
// team's list). Matching is case-sensitive. Aliases resolve to their target
// before anything is matched, so an alias cannot widen access. A name that
// can mean several model groups must be allowed as each of them.
//
// # Which group serves a name
//
// A requested name, after alias resolution, is served by the first of:
// the model group of that name; the groups with a deployment calling it
// upstream ("openai/gpt-4o", "bedrock/<id>", including the equivalent
// Bedrock spellings the bedrock package defines, such as a foundation-model
// ARN for its base ID); the wildcard groups whose pattern matches it (all of
// them must allow; the most specific is reported); or nothing, in which case
// only the name itself counts. [Decision.Grants] reports the group, and a
// gateway should dispatch to it rather than re-derive it.
//
// [Policy.Resolve] maps provider-native IDs (a Bedrock path's model ID, an
// Azure deployment, a Gemini or Vertex model) to the names to check: every
// group that deploys the ID and the group named like it, or the
// provider-qualified name ("bedrock/<id>") when nothing does. Where an ID
// could reach two models (a group name that is also a valid Bedrock ID the
// group does not deploy), it names both.
//
// # What it does not decide
//
// Who the caller is: the host authenticates and builds the [Principal] from
// its own key store. Budgets, rate limits, routing and load balancing are
// the host's too; [Decision.Grants] gives the authorized model group to key
// them on. Whether an upstream actually serves a model is not checked: an
// allowlist entry may name a model no deployment has.
//
// # Default: deny
//
// Everything that is not positively allowed is denied, and each denial has
// a typed reason ([ErrModelNotAllowed] in a [*DenyError] naming the scope,
// and the sentinels in errors.go):
//
//   - an empty allowlist denies everything ([Config.LiteLLMCompat] makes it
//     mean "all", as LiteLLM reads it; [DenyAll] denies in both modes);
//   - a principal on whom no scope sets any list is denied
//     ([ErrNoAllowlist]); an unset scope only means "this scope does not
//     restrict" when another scope does;
//   - "all-team-models" on a key without a team denies
//     ([ErrTeamModelsWithoutTeam]), where LiteLLM lets such a key call
//     anything;
//   - a nil policy, a nil principal or a request that names no model is
//     denied; an access group grants a group only if all of its deployments
//     list it;
//   - a requested name that is allowlist vocabulary (an access group name,
//     "*", "all-proxy-models", "all-team-models") is not a model: only an
//     all-models list allows it.
//
// # What it trusts
//
// The configuration and the host's principals: they are the operator's, not
// the caller's, and are validated once ([Compile], [Allowlist.UnmarshalJSON]).
// Everything in the request is the attacker's. Names are compared as exact
// byte strings; decoding them from the request (percent-encoding, JSON
// escapes) is routeparse's job, done once before Check sees them. The only
// equivalences are Bedrock's, matched exactly through the bedrock package,
// never by prefix or suffix.
//
// # Concurrency
//
// A Policy and an Allowlist are immutable and safe for concurrent use.
// Reloading means compiling a new Policy and swapping it into a [Store].
package modelacl
