package modelacl

import (
	"net/http"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/bedrock"
	"github.com/modelgate/modelgate/routeparse"
)

// Discovery equals enforcement: a model listing answers "what may this
// principal call through this route", and it is computed by the code that
// decides. Every entry a listing shows is one a request through the same
// route's API, naming that entry as its clients name it, would be allowed
// ([Checker.CheckModels] on the unified routes, [Checker.CheckNative] on
// provider-native and passthrough routes, the functions the middleware
// calls), and every model a principal may call through the route that the
// configuration deploys is shown. There is no second list to drift from
// the policy.
//
// Which names a listing shows depends on the route's API, because the same
// model is called by different names through different APIs:
//
//   - unified routes (unprefixed /v1/models, /models, whether answered in
//     OpenAI's or Anthropic's shape): the model groups of the deployment
//     list, in configuration order, then the principal's aliases, sorted
//     ([Policy.Models]); wildcard groups are patterns, not names, and are
//     not listed;
//   - provider-prefixed passthrough routes (/openai/v1/models,
//     /anthropic/v1/models), Gemini and Azure: the provider's own model IDs
//     that a deployment calls on that provider ("openai/X", "anthropic/X",
//     "gemini/X", "azure/X" give X), since such a route forwards the ID
//     unchanged to that provider. A model served only on Bedrock is not in
//     the Anthropic passthrough listing, even if the principal may call it
//     through the unified or the Bedrock routes;
//   - Bedrock control plane: the Bedrock IDs the deployments call, split
//     by kind: foundation models (a base model ID or foundation-model ARN),
//     system-defined inference profiles (a geography-prefixed ID or
//     inference-profile ARN) and application inference profiles (their
//     ARN). Provisioned, custom and imported models, prompts and routers
//     are not listed.

// ListedKind says what a [ListedModel] is.
type ListedKind uint8

const (
	ListedInvalid ListedKind = iota
	// ListedName is a unified name: a model group or one of the
	// principal's aliases.
	ListedName
	// ListedProviderModel is a provider's own model ID (OpenAI, Anthropic,
	// Gemini, Azure deployment).
	ListedProviderModel
	// ListedFoundationModel is a Bedrock base model.
	ListedFoundationModel
	// ListedSystemProfile is a Bedrock system-defined inference profile.
	ListedSystemProfile
	// ListedApplicationProfile is a Bedrock application inference profile.
	ListedApplicationProfile
)

// ListedModel is one entry of a model listing.
type ListedModel struct {
	// ID is the name a client sends through the listing's route to call
	// the model: a model group or alias (unified routes), the provider's
	// model ID (native routes), the Bedrock base model ID, the system
	// profile ID, or the application profile's ID (the last segment of its
	// ARN).
	ID   string
	Kind ListedKind
	// ARN is the Bedrock resource ARN (foundation models and profiles);
	// empty for other kinds. Configured ARNs are kept as written; the
	// others are built from [DiscoveryOptions].
	ARN string
	// Models are the ARNs of the foundation models a Bedrock inference
	// profile runs: for a system-defined profile, the base model after its
	// geography label; for an application profile, the base model of the
	// deployment that configures it (litellm_params.model beside the ARN
	// in model_id), in the profile's Region. Empty when the configuration
	// does not say.
	Models []string
}

// DiscoveryOptions configures the listings. The zero value is usable.
type DiscoveryOptions struct {
	// BedrockRegion is the Region in the ARNs built for Bedrock foundation
	// models and system-defined inference profiles that the configuration
	// names without an ARN. Empty: "us-east-1".
	BedrockRegion string
	// BedrockAccount is the 12-digit account in the ARNs built for
	// system-defined inference profiles. Empty: "000000000000", a
	// placeholder. Authorization never depends on it: an inference-profile
	// ARN is the same model as its profile ID whatever its account.
	BedrockAccount string
}

func (o DiscoveryOptions) region() string {
	if o.BedrockRegion == "" {
		return "us-east-1"
	}
	return o.BedrockRegion
}

func (o DiscoveryOptions) account() string {
	if o.BedrockAccount == "" {
		return "000000000000"
	}
	return o.BedrockAccount
}

// listingAPI is the API a listing route belongs to, which decides both the
// names listed and the response shape.
type listingAPI uint8

const (
	apiNone              listingAPI = iota
	apiOpenAI                       // OpenAI shape; unified, or passthrough/Azure when native
	apiAnthropic                    // Anthropic shape
	apiGemini                       // Gemini API shape
	apiBedrockProfiles              // ListInferenceProfiles / GetInferenceProfile
	apiBedrockFoundation            // ListFoundationModels / GetFoundationModel
)

// IsListing reports whether rt is a model listing or one model's metadata,
// of any provider: the routes [Checker.AnswerListing] answers and, with
// [Options].Discovery set, the middleware answers itself instead of
// handing them on. OpenAI, Anthropic, Gemini, Azure and Bedrock control
// plane listings are rendered; the others (Vertex publisher models, Ollama
// tags, Gemini tuned models) are refused as not served, never forwarded.
func IsListing(rt *routeparse.Route) bool {
	switch rt.Operation {
	case routeparse.OpListModels, routeparse.OpGetModel,
		routeparse.OpListInferenceProfiles, routeparse.OpGetInferenceProfile,
		routeparse.OpListFoundationModels, routeparse.OpGetFoundationModel:
		return true
	}
	return false
}

// surface is what a listing route lists and in which shape: its API, the
// provider whose IDs it shows, and whether they are unified names instead
// (model groups and aliases, decided with [Checker.CheckModels]) rather
// than provider IDs (decided with [Checker.CheckNative]).
type surface struct {
	api     listingAPI
	prov    routeparse.Provider
	unified bool
}

// surfaceOf returns the listing surface of rt; api is apiNone for listing
// routes whose shape this package does not render (Vertex publisher
// models, Ollama tags, Gemini tuned models, ...).
//
// The unprefixed /v1/models and /v1/models/{id} are shared by OpenAI's,
// Anthropic's and the Gemini API's v1 surface (routeparse gives them
// Provider OpenAI), so the request's headers pick the shape, h nil meaning
// none of them:
//
//   - an Anthropic-Version header: Anthropic's shape, unified names (every
//     Anthropic SDK, and Claude Code's gateway model discovery, send it on
//     every request; no OpenAI SDK does);
//   - else an X-Goog-Api-Key or X-Goog-Api-Client header: the Gemini API's
//     shape and Gemini model IDs, as /v1beta/models lists them
//     (google.golang.org/genai sends both with an API key; a call it makes
//     to models/{m} is a Gemini-native route);
//   - else OpenAI's shape, unified names.
func surfaceOf(rt *routeparse.Route, h http.Header) surface {
	switch rt.Operation {
	case routeparse.OpListInferenceProfiles, routeparse.OpGetInferenceProfile:
		return surface{apiBedrockProfiles, routeparse.Bedrock, false}
	case routeparse.OpListFoundationModels, routeparse.OpGetFoundationModel:
		return surface{apiBedrockFoundation, routeparse.Bedrock, false}
	case routeparse.OpListModels, routeparse.OpGetModel:
	default:
		return surface{}
	}
	unified := !isNativeRoute(rt)
	switch rt.Provider {
	case routeparse.OpenAI:
		switch {
		case rt.Prefix != "":
		case len(h["Anthropic-Version"]) > 0:
			return surface{apiAnthropic, rt.Provider, unified}
		case len(h["X-Goog-Api-Key"]) > 0 || len(h["X-Goog-Api-Client"]) > 0:
			return surface{apiGemini, routeparse.Gemini, false}
		}
		return surface{apiOpenAI, rt.Provider, unified}
	case routeparse.Azure:
		return surface{apiOpenAI, rt.Provider, unified}
	case routeparse.Anthropic:
		return surface{apiAnthropic, rt.Provider, unified}
	case routeparse.Gemini:
		switch {
		case isTunedModels(rt):
			return surface{}
		case rt.Dialect == routeparse.OpenAI:
			// Gemini's OpenAI-compatible surface (/{v}/openai/models):
			// its clients are OpenAI SDKs, which read OpenAI's shape.
			return surface{apiOpenAI, rt.Provider, false}
		}
		return surface{apiGemini, rt.Provider, false}
	}
	return surface{}
}

// isTunedModels reports whether rt is Gemini's tuned-model listing or a
// tuned model's metadata, which no deployment list describes.
func isTunedModels(rt *routeparse.Route) bool {
	if rt.Operation == routeparse.OpGetModel {
		ms := rt.Models()
		return len(ms) == 1 && strings.HasPrefix(ms[0].Name(), "tunedModels/")
	}
	return strings.HasSuffix(rt.UpstreamPath, "/tunedModels")
}

// ListModels returns what pr may call through the API of rt, a listing
// route ([IsListing]), in the order a listing shows it: each entry is
// allowed by the same decision a request naming it through that API gets
// (see the package's discovery rules above). For a Get route the list is
// the one its listing would show. h are the request's headers, which say
// which API the unprefixed /v1/models belongs to (see
// [Checker.AnswerListing]); nil means OpenAI's. The error is
// [ErrNoPolicy], [ErrNoPrincipal], or [routeparse.ErrUnknownRoute] for a
// route that is not a listing this package renders.
func (c Checker) ListModels(pr *Principal, rt *routeparse.Route, h http.Header, o DiscoveryOptions) ([]ListedModel, error) {
	c, err := c.pinned()
	if err != nil {
		return nil, err
	}
	return c.listModels(pr, surfaceOf(rt, h), o)
}

// pinned returns a Checker on the current snapshot of c's policy, so that
// the several decisions of one listing all read the same policy.
func (c Checker) pinned() (Checker, error) {
	p, res, err := c.snapshot()
	if err != nil {
		return Checker{}, err
	}
	return Checker{Policy: p, Resolver: res}, nil
}

func (c Checker) listModels(pr *Principal, sf surface, o DiscoveryOptions) ([]ListedModel, error) {
	p, _, err := c.snapshot()
	switch {
	case err != nil:
		return nil, err
	case pr == nil:
		return nil, ErrNoPrincipal
	case sf.api == apiNone:
		return nil, errNotRendered
	}
	if sf.unified {
		names := p.Models(pr)
		out := make([]ListedModel, len(names))
		for i, n := range names {
			out[i] = ListedModel{ID: n, Kind: ListedName}
		}
		return out, nil
	}
	var out []ListedModel
	for _, m := range p.catalog(sf.prov, o) {
		if !want(sf.api, m.Kind) {
			continue
		}
		if _, err := c.CheckNative(pr, sf.prov, m.checked()); err == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// errNotRendered refuses a listing route this package has no shape for.
var errNotRendered = &routeparse.Error{Shape: "listing", Detail: "this model listing is not served by the gateway", Err: routeparse.ErrUnknownRoute}

// want reports whether a listing of api shows entries of kind k.
func want(api listingAPI, k ListedKind) bool {
	switch api {
	case apiBedrockProfiles:
		return k == ListedSystemProfile || k == ListedApplicationProfile
	case apiBedrockFoundation:
		return k == ListedFoundationModel
	}
	return k == ListedProviderModel
}

// checked is the name a request sends to call m, which the listing
// decides on: an application profile is invoked by its ARN, every other
// entry by its ID.
func (m *ListedModel) checked() string {
	if m.Kind == ListedApplicationProfile {
		return m.ARN
	}
	return m.ID
}

// catalog returns every model ID the deployments call on provider prov,
// in configuration order, each once. For Bedrock, the IDs are classified
// by kind and given ARNs.
func (p *Policy) catalog(prov routeparse.Provider, o DiscoveryOptions) []ListedModel {
	var out []ListedModel
	seen := make(map[string]bool)
	for _, g := range p.order {
		for _, d := range g.deps {
			if prov == routeparse.Bedrock {
				out = appendBedrock(out, seen, d, o)
				continue
			}
			for _, n := range d.names {
				pv, id := splitProvider(n)
				if pv != prov {
					continue
				}
				id = googleID(pv, id)
				if !seen[id] {
					seen[id] = true
					out = append(out, ListedModel{ID: id, Kind: ListedProviderModel})
				}
			}
		}
	}
	return out
}

// appendBedrock appends the Bedrock entries of deployment d.
func appendBedrock(out []ListedModel, seen map[string]bool, d *deployment, o DiscoveryOptions) []ListedModel {
	var ids []bedrock.ModelID
	for _, n := range d.names {
		if id, err := bedrock.ParseLiteLLM(n); err == nil && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		m, ok := bedrockEntry(id, o)
		if !ok {
			continue
		}
		if m.Kind == ListedApplicationProfile {
			// What the profile runs: the base model of the deployment's
			// other Bedrock IDs (LiteLLM configures an application profile
			// as model_id beside the model it copies).
			for _, other := range ids {
				if base, ok := other.BaseModel(); ok {
					arn := foundationARN(id.Partition(), id.Region(), base.String())
					if !slices.Contains(m.Models, arn) {
						m.Models = append(m.Models, arn)
					}
				}
			}
		}
		key := m.Kind.String() + "\x00" + m.ID
		if m.Kind == ListedApplicationProfile {
			key = m.Kind.String() + "\x00" + m.ARN
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, m)
		}
	}
	return out
}

// bedrockEntry describes id as a listing entry; false for kinds that are
// not listed.
func bedrockEntry(id bedrock.ModelID, o DiscoveryOptions) (ListedModel, bool) {
	switch id.Kind() {
	case bedrock.KindBase, bedrock.KindFoundationModelARN:
		base, _ := id.BaseModel()
		m := ListedModel{ID: base.String(), Kind: ListedFoundationModel, ARN: id.String()}
		if id.Kind() == bedrock.KindBase {
			m.ARN = foundationARN("aws", o.region(), m.ID)
		}
		return m, true
	case bedrock.KindSystemProfile, bedrock.KindInferenceProfileARN:
		base, _ := id.BaseModel()
		m := ListedModel{ID: id.Canonical(), Kind: ListedSystemProfile, ARN: id.String()}
		part, region := id.Partition(), id.Region()
		if id.Kind() == bedrock.KindSystemProfile {
			part, region = "aws", o.region()
			m.ARN = "arn:aws:bedrock:" + region + ":" + o.account() + ":inference-profile/" + m.ID
		}
		m.Models = []string{foundationARN(part, region, base.String())}
		return m, true
	case bedrock.KindApplicationProfileARN:
		return ListedModel{ID: id.Resource(), Kind: ListedApplicationProfile, ARN: id.String()}, true
	}
	return ListedModel{}, false
}

func foundationARN(partition, region, base string) string {
	return "arn:" + partition + ":bedrock:" + region + "::foundation-model/" + base
}

var listedKindNames = [...]string{"invalid", "name", "provider_model", "foundation_model", "system_profile", "application_profile"}

// String returns the kind's identifier ("name", "foundation_model", ...).
func (k ListedKind) String() string {
	if int(k) < len(listedKindNames) {
		return listedKindNames[k]
	}
	return "unknown"
}
