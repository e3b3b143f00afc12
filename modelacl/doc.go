// Package modelacl decides whether a caller may use the models an LLM
// request names, and enforces that decision in front of a gateway.
//
// The policy core is pure: [Compile] turns a LiteLLM-style deployment list
// ([Config]) into an immutable [Policy]; [Policy.Check] decides for a
// [Principal] (a key and the team, team membership, user, organization and
// end user above it, each with an [Allowlist]) and every model a request
// names; [Policy.Models] lists what the principal may call using the same
// code. The middleware in this package ([Middleware], made by [New] or
// [MustNew]; [Middleware.Check] without serving, [Middleware.Handler] as a
// net/http handler) classifies HTTP requests with routeparse and decides
// with [Checker], which is also
// the entry point for models named outside an HTTP request line or body
// (websocket frames, batch lines, router fallbacks).
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
// team's list). Matching is case-sensitive. A name that can mean several
// model groups must be allowed as each of them.
//
// # Aliases
//
// A principal's aliases apply only to the names of the unified routes
// ([Policy.Check], [Checker.CheckModels]): the alias resolves to its target
// before anything is matched, so an alias cannot widen access, and the
// target is what gets authorized. That is safe only if the target is what
// gets called: the dispatcher must call [Grant.Model], and a host that
// forwards a unified request body unchanged must rewrite its model to
// Grant.Model first, or it reintroduces the bypass (an alias
// "claude-opus-4-7" standing for a cheap model authorizes the cheap model
// while the upstream serves Opus). The policy's own aliases
// (router_settings.model_group_alias, [RouterSettings]) follow the same
// rule, after the principal's.
//
// Names from provider-native and passthrough routes (a Bedrock path, an
// Azure deployment, a Gemini or Vertex model, the body of /anthropic/...
// or /openai/...) are forwarded as sent, so aliases never apply to them:
// [Checker.CheckNative] and [Checker.CheckRoute] resolve them and check the
// results without alias lookup.
//
// # Which group serves a name
//
// A requested name, after alias resolution, is served by the first of:
// the model group of that name; the groups with a deployment calling it
// upstream ("openai/gpt-4o", "bedrock/<id>", including the equivalent
// Bedrock spellings the bedrock package defines, such as a foundation-model
// ARN for its base ID, and the short application-inference-profile/{id}
// form for every configured ARN with that ID, each of which must allow: the
// short form carries no Region or account, so it may reach any of them; a
// short form no configured ARN carries is left to the wildcard groups and
// globs such as "bedrock/*", like any unconfigured ID); the wildcard groups
// whose pattern matches it (all of
// them must allow; the most specific is reported); or nothing, in which case
// only the name itself counts. [Decision.Grants] reports the group, and a
// gateway should dispatch to it rather than re-derive it.
//
// [Policy.Resolve] maps provider-native IDs (a Bedrock path's model ID, an
// Azure deployment, a Gemini or Vertex model, the model of a passthrough
// body) to the names to check, one for each model the ID can reach: what
// the provider serves under it (the groups deploying exactly that ID, or
// the provider-qualified name "bedrock/<id>" when no deployment does), and
// the group named like it, if any. A group "gpt-4o" served by a small
// Azure deployment does not make "gpt-4o" on the OpenAI passthrough the
// small model: OpenAI serves its own gpt-4o, and both must be allowed.
//
// # Discovery equals enforcement
//
// Model listings (OpenAI and Anthropic GET /v1/models, Gemini's models,
// Bedrock's inference profiles and foundation models) and one model's
// metadata are computed here, not forwarded: [Checker.ListModels] keeps
// each configured name the principal may call through the listing's route,
// decided by the same code as a request naming it ([Checker.CheckModels]
// on unified routes, [Checker.CheckNative] on provider-native ones), and
// [Checker.AnswerListing] renders it in the provider's own JSON. With
// [Options].Discovery set the middleware answers those routes itself. A
// listing is per route: the Anthropic passthrough lists Anthropic model IDs
// the configuration deploys, not a model served only on Bedrock.
//
// # What it does not decide
//
// Who the caller is: the host authenticates and builds the [Principal] from
// its own key store. For AWS clients that sign with a key pair the host
// issued, the middleware proves the caller holds the secret before asking
// (Options.SigV4, [github.com/modelgate/modelgate/bedrock/sigv4/verify];
// [Credential].Verified): an access key ID alone proves nothing. Budgets,
// rate limits, routing and load balancing are the host's too;
// [Decision.Grants] gives the authorized model group to key them on.
// Whether an upstream actually serves a model is not checked: an allowlist
// entry may name a model no deployment has.
//
// # Default: deny
//
// Everything that is not positively allowed is denied, and each denial has
// a typed reason ([ErrModelNotAllowed] in a [*DenyError] naming the scope,
// and the sentinels in errors.go; [Decision.Reason] is its stable code):
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
// and the spellings Google's SDK (google.golang.org/genai) sends as the same
// Gemini or Vertex model ("gemini/models/X" is "gemini/X",
// "vertex_ai/publishers/google/models/X" and "vertex_ai/google/X" are
// "vertex_ai/X"), which are reduced to one before anything is looked up, so
// an exact deployment shadows a wildcard one under every spelling. Nothing
// is matched by prefix or suffix. Allowlist entries are compared as written:
// use the canonical spelling in them.
//
// # Concurrency
//
// A Policy and an Allowlist are immutable and safe for concurrent use.
// Reloading means compiling a new Policy and swapping it into a [Store];
// leave the Resolver nil beside a Store, so that every decision resolves
// with the snapshot it is decided by ([ErrResolverWithStore]).
//
// # Bounds
//
// Everything the middleware reads is bounded by an [Options] field with a
// default: the body as received (MaxBodyBytes, 32 MiB), decoded
// (MaxDecodedBodyBytes, 8 MiB), the names one request may carry
// (MaxModelsPerRequest, 256), and the bodies all requests in flight hold
// together (MaxBufferedBytes, 128 MiB; past it, 503 with Retry-After). A
// refused request whose body was not read is not drained: its connection
// is closed.
package modelacl
