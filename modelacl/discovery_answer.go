package modelacl

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/bedrock"
	"github.com/modelgate/modelgate/routeparse"
)

// ListingAnswer is the complete response to a listing route: what
// [Checker.AnswerListing] computed and the middleware writes.
type ListingAnswer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Write writes a to w.
func (a *ListingAnswer) Write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range a.Header {
		h[k] = v
	}
	h.Set("Content-Length", strconv.Itoa(len(a.Body)))
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
}

// Listing wire shapes. Each is the provider's own, as its official SDK
// decodes it; fields the gateway cannot know (creation times, context
// sizes, modalities) are left out or zero rather than invented.
//
//	OpenAI     GET /v1/models, /models, /openai/v1/models, /azure/openai/models, and Gemini's
//	           OpenAI-compatible /{v}/openai/models (Gemini IDs, owned_by "gemini")
//	           {"object":"list","data":[{"id","object":"model","created":0,"owned_by"}]}
//	           GET .../models/{id}: {"id","object":"model","created":0,"owned_by"}
//	           not allowed or unknown: 404 {"error":{"message","type":"invalid_request_error","param":null,"code":"model_not_found"}}
//	Anthropic  GET /anthropic/v1/models, and /v1/models with an Anthropic-Version header
//	           ?limit=1..1000 (default 20) &after_id= | &before_id=
//	           {"data":[{"type":"model","id","display_name","created_at"}],"has_more","first_id","last_id"}
//	           GET .../models/{id}: {"type":"model","id","display_name","created_at"}
//	           not allowed or unknown: 404 {"type":"error","error":{"type":"not_found_error","message"}}
//	Gemini     GET /v1beta/models, /gemini/v1beta/models, /gemini/v1/models, and /v1/models with an
//	           X-Goog-Api-Key or X-Goog-Api-Client header ?pageSize= (default 50, above 1000 is 1000) &pageToken=
//	           {"models":[{"name":"models/X","displayName","supportedGenerationMethods"}],"nextPageToken"}
//	           GET .../models/{m}: {"name":"models/X",...}
//	           not allowed or unknown: 404 {"error":{"code":404,"message","status":"NOT_FOUND"}}
//	Bedrock    GET /inference-profiles ?type=SYSTEM_DEFINED|APPLICATION &maxResults=1..1000 &nextToken=
//	           {"inferenceProfileSummaries":[{"inferenceProfileName","inferenceProfileArn","inferenceProfileId",
//	             "models":[{"modelArn"}],"status":"ACTIVE","type"}],"nextToken"}
//	           GET /inference-profiles/{id or escaped ARN}: the summary's members at the top level
//	           GET /foundation-models ?byProvider=
//	           {"modelSummaries":[{"modelArn","modelId","modelName","providerName",
//	             "inferenceTypesSupported":["ON_DEMAND"],"modelLifecycle":{"status":"ACTIVE"}}]}
//	           GET /foundation-models/{id or ARN}: {"modelDetails":{...}}
//	           not allowed: 403, X-Amzn-ErrorType: AccessDeniedException,
//	             {"message":"You don't have access to the model with the specified model ID. ..."}
//	           allowed but not deployed: 404, X-Amzn-ErrorType: ResourceNotFoundException
//
// A Get for a model the principal may not call is answered exactly like a
// Get for a model that does not exist (OpenAI, Anthropic, Gemini), so the
// metadata route tells no more than the listing. Bedrock answers it with
// AccessDeniedException and AWS's own sentence, which clients such as
// Claude Code treat as final.
const (
	anthropicDefaultLimit = 20
	anthropicMaxLimit     = 1000
	geminiDefaultPageSize = 50
	geminiMaxPageSize     = 1000
	bedrockMaxResults     = 1000

	// epoch is the creation time of every listed model: the gateway does
	// not know when a provider released it, and Anthropic's SDK requires
	// a timestamp.
	epoch = "1970-01-01T00:00:00Z"

	// awsNoAccess is AWS's sentence for a model the caller may not use.
	awsNoAccess = "You don't have access to the model with the specified model ID."
)

// geminiMethods are the generation methods a listed Gemini model
// advertises. The deployment list does not say which methods a model
// supports; these are the ones the gateway routes for generative models.
var geminiMethods = []string{"generateContent", "streamGenerateContent", "countTokens"}

// AnswerListing answers a listing route ([IsListing]) for pr: the models
// pr may call through rt's API ([Checker.ListModels]) or one model's
// metadata, in the API's own shape, paged as the API pages. rawQuery is the
// request's raw query (paging and filters); h its headers, which say whose
// API the unprefixed /v1/models is (OpenAI's; Anthropic's with an
// Anthropic-Version header; the Gemini API's with an X-Goog-Api-Key or
// X-Goog-Api-Client header).
//
// A Get (OpenAI, Anthropic, Gemini) is decided as a request naming its
// model through the same API is ([Checker.CheckModels] for unified names,
// [Checker.CheckNative] for provider IDs); a model pr may not call, or one
// the configuration does not deploy, is answered 404 as the provider
// answers an unknown model. A Bedrock Get of what pr may not call is
// answered 403 AccessDeniedException.
//
// The Decision describes the outcome for audit: Allowed for a listing,
// the decision on the named model for a Get. A non-nil error means no
// answer was computed (no policy, no principal, a malformed paging
// parameter wrapping [routeparse.ErrMalformedPath], a listing route this
// package does not render wrapping [routeparse.ErrUnknownRoute], a
// listing or Get that names a model besides (a ?model= query parameter)
// wrapping [routeparse.ErrAmbiguousModel]); the caller refuses the request
// as the middleware refuses any other.
func (c Checker) AnswerListing(pr *Principal, rt *routeparse.Route, rawQuery string, h http.Header, o DiscoveryOptions) (ListingAnswer, Decision, error) {
	sf := surfaceOf(rt, h)
	var (
		a   ListingAnswer
		d   Decision
		err error
	)
	// One policy snapshot for the whole answer, so that a reload never
	// mixes two policies in one listing or between a Get's decision and
	// its lookup.
	if c, err = c.pinned(); err != nil {
		d = deniedDecision(pr, "", err)
		d.Route = *rt
		return a, d, err
	}
	if IsListing(rt) && isGet(rt.Operation) {
		a, d, err = c.answerGet(pr, rt, sf, o)
	} else if len(rt.Models()) > 0 {
		// A ?model= parameter makes the route name a model: a host that
		// honoured it would call that model, so it is refused here as it
		// is by a Get, never answered with a listing that ignores it.
		err = &routeparse.Error{Shape: "listing", Detail: "a model listing names a model", Err: routeparse.ErrAmbiguousModel}
	} else {
		a, err = c.answerList(pr, sf, rawQuery, o)
		if err == nil {
			d = Decision{Allowed: true, policy: c.Policy.Policy()}
			d.setPrincipal(pr)
		}
	}
	if err != nil {
		d = deniedDecision(pr, "", err)
	}
	d.Route = *rt
	return a, d, err
}

func isGet(op routeparse.Operation) bool {
	return op == routeparse.OpGetModel || op == routeparse.OpGetInferenceProfile || op == routeparse.OpGetFoundationModel
}

func (c Checker) answerList(pr *Principal, sf surface, rawQuery string, o DiscoveryOptions) (ListingAnswer, error) {
	q, err := listingQuery(rawQuery)
	if err != nil {
		return ListingAnswer{}, err
	}
	list, err := c.listModels(pr, sf, o)
	if err != nil {
		return ListingAnswer{}, err
	}
	owner := sf.owner()
	switch sf.api {
	case apiOpenAI:
		data := make([]openAIModel, len(list))
		for i := range list {
			data[i] = openAIModel{ID: list[i].ID, Object: "model", OwnedBy: owner}
		}
		return jsonAnswer(http.StatusOK, nil, openAIList{Object: "list", Data: data}), nil
	case apiAnthropic:
		return anthropicList(list, q)
	case apiGemini:
		return geminiList(list, q)
	case apiBedrockProfiles:
		return bedrockProfiles(list, q)
	default: // apiBedrockFoundation
		return bedrockFoundationModels(list, q), nil
	}
}

// owner is the owned_by of OpenAI-shaped entries: the provider whose IDs
// a passthrough lists, the gateway for unified names.
func (sf surface) owner() string {
	if sf.unified {
		return "modelgate"
	}
	return sf.prov.String()
}

// answerGet answers one model's metadata.
func (c Checker) answerGet(pr *Principal, rt *routeparse.Route, sf surface, o DiscoveryOptions) (ListingAnswer, Decision, error) {
	api := sf.api
	if api == apiNone {
		return ListingAnswer{}, Decision{}, errNotRendered
	}
	id, err := getModel(rt)
	if err != nil {
		return ListingAnswer{}, Decision{}, err
	}
	if api == apiBedrockProfiles || api == apiBedrockFoundation {
		return c.answerBedrockGet(pr, api, id, o)
	}
	// The decision a request naming id through this API gets.
	var d Decision
	var derr error
	if sf.unified {
		d, derr = c.CheckModels(pr, id)
	} else {
		d, derr = c.CheckNative(pr, sf.prov, id)
	}
	if errors.Is(derr, ErrNoPolicy) || errors.Is(derr, ErrNoPrincipal) {
		return ListingAnswer{}, d, derr
	}
	var found *ListedModel
	if derr == nil {
		list, err := c.listModels(pr, sf, o)
		if err != nil {
			return ListingAnswer{}, d, err
		}
		want := id
		if api == apiGemini {
			want = googleID(routeparse.Gemini, id)
		}
		if i := slices.IndexFunc(list, func(m ListedModel) bool { return m.ID == want }); i >= 0 {
			found = &list[i]
		}
	}
	owner := sf.owner()
	switch {
	case api == apiOpenAI && found != nil:
		return jsonAnswer(http.StatusOK, nil, openAIModel{ID: id, Object: "model", OwnedBy: owner}), d, nil
	case api == apiOpenAI:
		return jsonAnswer(http.StatusNotFound, nil, openAIErrorBody{openAIErrorDetail{
			fmt.Sprintf("The model %q does not exist or you do not have access to it.", id), "invalid_request_error", nil, "model_not_found"}}), d, nil
	case api == apiAnthropic && found != nil:
		return jsonAnswer(http.StatusOK, nil, anthropicModel{Type: "model", ID: id, DisplayName: id, CreatedAt: epoch}), d, nil
	case api == apiAnthropic:
		return jsonAnswer(http.StatusNotFound, nil, anthropicError("not_found_error", fmt.Sprintf("model: %q", id))), d, nil
	case found != nil: // Gemini
		return jsonAnswer(http.StatusOK, nil, geminiModel(found.ID)), d, nil
	default:
		return googleNotFound(fmt.Sprintf("model %q is not found", "models/"+googleID(routeparse.Gemini, id))), d, nil
	}
}

// getModel returns the model a Get route names in its path. A Get that
// names another model besides (a ?model= query parameter) is refused: the
// answer describes one model, and which of the two would be guesswork.
func getModel(rt *routeparse.Route) (string, error) {
	ms := rt.Models()
	switch {
	case len(ms) == 1 && ms[0].Source == routeparse.SourcePath:
		return ms[0].Name(), nil
	case len(ms) > 1:
		return "", &routeparse.Error{Shape: "listing", Detail: "a model metadata request names more than one model", Err: routeparse.ErrAmbiguousModel}
	}
	return "", routeparse.ErrNoModel
}

// answerBedrockGet answers GetInferenceProfile and GetFoundationModel. The
// identifier may be any spelling AWS accepts: a profile or base model ID,
// an inference-profile, application-inference-profile or foundation-model
// ARN, or an application profile's bare ID. It is decided as the name a
// request would invoke it by: a configured application profile by its ARN,
// anything else as given.
func (c Checker) answerBedrockGet(pr *Principal, api listingAPI, ident string, o DiscoveryOptions) (ListingAnswer, Decision, error) {
	p, _, err := c.snapshot()
	if err != nil {
		return ListingAnswer{}, deniedDecision(pr, ident, err), err
	}
	kind := ListedFoundationModel
	if api == apiBedrockProfiles {
		kind = ListedSystemProfile
	}
	parsed, perr := bedrock.Parse(ident)
	var found *ListedModel
	for _, m := range p.catalog(routeparse.Bedrock, o) {
		if !want(api, m.Kind) {
			continue
		}
		if sameBedrock(&m, ident, parsed, perr == nil) {
			found = &m
			break
		}
	}
	checked := ident
	if found != nil {
		checked = found.checked()
	}
	d, derr := c.CheckNative(pr, routeparse.Bedrock, checked)
	if derr != nil {
		if errors.Is(derr, ErrNoPolicy) || errors.Is(derr, ErrNoPrincipal) {
			return ListingAnswer{}, d, derr
		}
		return bedrockError(http.StatusForbidden, "AccessDeniedException", fmt.Sprintf("%s The model %q is not allowed for this key.", awsNoAccess, ident)), d, nil
	}
	if found == nil && perr == nil {
		// Allowed but not deployed by the configuration (a wildcard
		// grant): what AWS would answer is derived from the ID itself,
		// when the ID says it.
		if m, ok := bedrockEntry(parsed, o); ok && m.Kind != ListedApplicationProfile && want(api, m.Kind) {
			found = &m
		}
	}
	if found == nil {
		what := "foundation model"
		if kind == ListedSystemProfile {
			what = "inference profile"
		}
		return bedrockError(http.StatusNotFound, "ResourceNotFoundException", fmt.Sprintf("The %s %q is not served by this gateway.", what, ident)), d, nil
	}
	if api == apiBedrockProfiles {
		return jsonAnswer(http.StatusOK, nil, profileSummary(found)), d, nil
	}
	return jsonAnswer(http.StatusOK, nil, struct {
		ModelDetails foundationModel `json:"modelDetails"`
	}{foundationSummary(found)}), d, nil
}

// sameBedrock reports whether a Get's identifier names listing entry m.
func sameBedrock(m *ListedModel, ident string, parsed bedrock.ModelID, ok bool) bool {
	if m.Kind == ListedApplicationProfile {
		// By ARN, or by its ID alone, as AWS accepts.
		return ident == m.ARN || ident == m.ID
	}
	if !ok {
		return false
	}
	switch m.Kind {
	case ListedFoundationModel:
		base, isBase := parsed.BaseModel()
		return isBase && (parsed.Kind() == bedrock.KindBase || parsed.Kind() == bedrock.KindFoundationModelARN) && base.String() == m.ID
	case ListedSystemProfile:
		return (parsed.Kind() == bedrock.KindSystemProfile || parsed.Kind() == bedrock.KindInferenceProfileARN) && parsed.Canonical() == m.ID
	}
	return false
}

// query is a listing's paging and filter parameters. Each may appear once:
// two values would leave the answer to whichever one a reader takes.
type query map[string]string

func listingQuery(raw string) (query, error) {
	if raw == "" {
		return nil, nil
	}
	vs, err := url.ParseQuery(raw)
	if err != nil {
		return nil, queryErr("malformed query")
	}
	q := make(query, len(vs))
	for k, v := range vs {
		if len(v) > 1 {
			return nil, queryErr(fmt.Sprintf("parameter %q given more than once", k))
		}
		q[k] = v[0]
	}
	return q, nil
}

func queryErr(detail string) error {
	return &routeparse.Error{Shape: "query", Detail: detail, Err: routeparse.ErrMalformedPath}
}

// intParam parses parameter name in [lo, hi]; def when absent.
func (q query) intParam(name string, def, lo, hi int) (int, error) {
	s, ok := q[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, queryErr(fmt.Sprintf("%s must be an integer from %d to %d", name, lo, hi))
	}
	return n, nil
}

// cursor is the key a page token or ID cursor names an entry by.
func cursor(m *ListedModel) string {
	if m.Kind == ListedApplicationProfile {
		return m.ARN
	}
	return m.ID
}

// after returns the index following the entry whose cursor is token; an
// absent token starts at 0, a token naming no entry is an error.
func after(list []ListedModel, name, token string, present bool) (int, error) {
	if !present {
		return 0, nil
	}
	for i := range list {
		if cursor(&list[i]) == token {
			return i + 1, nil
		}
	}
	return 0, queryErr(fmt.Sprintf("%s does not name an entry of this listing", name))
}

type openAIModel struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

type openAIList struct {
	Object string        `json:"object"`
	Data   []openAIModel `json:"data"`
}

type anthropicModel struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	CreatedAt   string `json:"created_at"`
}

// anthropicList pages as Anthropic's List Models does: limit entries after
// after_id, or the limit entries before before_id; has_more says whether
// entries remain in the direction of travel (anthropic-sdk-go's
// pagination.Page follows last_id, or first_id when paging backwards).
func anthropicList(list []ListedModel, q query) (ListingAnswer, error) {
	limit, err := q.intParam("limit", anthropicDefaultLimit, 1, anthropicMaxLimit)
	if err != nil {
		return ListingAnswer{}, err
	}
	afterID, hasAfter := q["after_id"]
	beforeID, hasBefore := q["before_id"]
	if hasAfter && hasBefore {
		return ListingAnswer{}, queryErr("after_id and before_id are mutually exclusive")
	}
	var start, end int
	var more bool
	if hasBefore {
		if end, err = after(list, "before_id", beforeID, true); err != nil {
			return ListingAnswer{}, err
		}
		end-- // before the named entry
		start = max(0, end-limit)
		more = start > 0
	} else {
		if start, err = after(list, "after_id", afterID, hasAfter); err != nil {
			return ListingAnswer{}, err
		}
		end = min(len(list), start+limit)
		more = end < len(list)
	}
	page := list[start:end]
	out := struct {
		Data    []anthropicModel `json:"data"`
		HasMore bool             `json:"has_more"`
		FirstID *string          `json:"first_id"`
		LastID  *string          `json:"last_id"`
	}{Data: make([]anthropicModel, len(page)), HasMore: more}
	for i := range page {
		out.Data[i] = anthropicModel{Type: "model", ID: page[i].ID, DisplayName: page[i].ID, CreatedAt: epoch}
	}
	if len(page) > 0 {
		out.FirstID, out.LastID = &page[0].ID, &page[len(page)-1].ID
	}
	return jsonAnswer(http.StatusOK, nil, out), nil
}

type geminiModelJSON struct {
	Name                       string   `json:"name"`
	DisplayName                string   `json:"displayName"`
	SupportedGenerationMethods []string `json:"supportedGenerationMethods"`
}

func geminiModel(id string) geminiModelJSON {
	return geminiModelJSON{Name: "models/" + id, DisplayName: id, SupportedGenerationMethods: geminiMethods}
}

// geminiList pages as the Gemini API does: pageSize entries (at most
// 1000; zero or absent is the default), continuing after pageToken, which
// is the name of the last entry of the previous page.
func geminiList(list []ListedModel, q query) (ListingAnswer, error) {
	size, err := q.intParam("pageSize", 0, 0, 1<<30)
	if err != nil {
		return ListingAnswer{}, err
	}
	if size == 0 {
		size = geminiDefaultPageSize
	}
	size = min(size, geminiMaxPageSize)
	token, hasToken := q["pageToken"]
	if hasToken && token == "" {
		hasToken = false
	}
	start, err := after(list, "pageToken", strings.TrimPrefix(token, "models/"), hasToken)
	if err != nil {
		return ListingAnswer{}, err
	}
	end := min(len(list), start+size)
	out := struct {
		Models        []geminiModelJSON `json:"models"`
		NextPageToken string            `json:"nextPageToken,omitempty"`
	}{Models: make([]geminiModelJSON, 0, end-start)}
	for i := start; i < end; i++ {
		out.Models = append(out.Models, geminiModel(list[i].ID))
	}
	if end < len(list) {
		out.NextPageToken = "models/" + list[end-1].ID
	}
	return jsonAnswer(http.StatusOK, nil, out), nil
}

func googleNotFound(msg string) ListingAnswer {
	return jsonAnswer(http.StatusNotFound, nil, googleErrorBody{googleErrorDetail{http.StatusNotFound, msg, "NOT_FOUND"}})
}

type profileModel struct {
	ModelArn string `json:"modelArn"`
}

type inferenceProfile struct {
	InferenceProfileName string         `json:"inferenceProfileName"`
	InferenceProfileArn  string         `json:"inferenceProfileArn"`
	InferenceProfileID   string         `json:"inferenceProfileId"`
	Models               []profileModel `json:"models"`
	Status               string         `json:"status"`
	Type                 string         `json:"type"`
}

func profileSummary(m *ListedModel) inferenceProfile {
	p := inferenceProfile{
		InferenceProfileName: m.ID, InferenceProfileArn: m.ARN, InferenceProfileID: m.ID,
		Models: make([]profileModel, len(m.Models)), Status: "ACTIVE", Type: "SYSTEM_DEFINED",
	}
	if m.Kind == ListedApplicationProfile {
		p.Type = "APPLICATION"
	}
	for i, arn := range m.Models {
		p.Models[i] = profileModel{arn}
	}
	return p
}

// bedrockProfiles answers ListInferenceProfiles (aws-sdk-go-v2
// service/bedrock: GET /inference-profiles, query typeEquals as "type",
// maxResults, nextToken).
func bedrockProfiles(list []ListedModel, q query) (ListingAnswer, error) {
	kinds := []ListedKind{ListedSystemProfile, ListedApplicationProfile}
	switch t, ok := q["type"]; {
	case !ok:
	case t == "SYSTEM_DEFINED":
		kinds = kinds[:1]
	case t == "APPLICATION":
		kinds = kinds[1:]
	default:
		return ListingAnswer{}, queryErr("type must be SYSTEM_DEFINED or APPLICATION")
	}
	maxResults, err := q.intParam("maxResults", bedrockMaxResults, 1, bedrockMaxResults)
	if err != nil {
		return ListingAnswer{}, err
	}
	list = slices.DeleteFunc(slices.Clone(list), func(m ListedModel) bool { return !slices.Contains(kinds, m.Kind) })
	token, hasToken := q["nextToken"]
	start, err := after(list, "nextToken", token, hasToken)
	if err != nil {
		return ListingAnswer{}, err
	}
	end := min(len(list), start+maxResults)
	out := struct {
		Summaries []inferenceProfile `json:"inferenceProfileSummaries"`
		NextToken string             `json:"nextToken,omitempty"`
	}{Summaries: make([]inferenceProfile, 0, end-start)}
	for i := start; i < end; i++ {
		out.Summaries = append(out.Summaries, profileSummary(&list[i]))
	}
	if end < len(list) {
		out.NextToken = cursor(&list[end-1])
	}
	return jsonAnswer(http.StatusOK, nil, out), nil
}

type foundationModel struct {
	ModelArn                string   `json:"modelArn"`
	ModelID                 string   `json:"modelId"`
	ModelName               string   `json:"modelName"`
	ProviderName            string   `json:"providerName"`
	InferenceTypesSupported []string `json:"inferenceTypesSupported"`
	ModelLifecycle          struct {
		Status string `json:"status"`
	} `json:"modelLifecycle"`
}

func foundationSummary(m *ListedModel) foundationModel {
	provider, _, _ := strings.Cut(m.ID, ".")
	f := foundationModel{ModelArn: m.ARN, ModelID: m.ID, ModelName: m.ID, ProviderName: provider, InferenceTypesSupported: []string{"ON_DEMAND"}}
	f.ModelLifecycle.Status = "ACTIVE"
	return f
}

// bedrockFoundationModels answers ListFoundationModels, which does not
// page. byProvider is honoured (case-insensitively, as AWS does); the
// other filters (customization, inference type, output modality) are not,
// since the deployment list does not describe them: the answer is then a
// superset, never a model the principal may not call.
func bedrockFoundationModels(list []ListedModel, q query) ListingAnswer {
	out := struct {
		ModelSummaries []foundationModel `json:"modelSummaries"`
	}{ModelSummaries: make([]foundationModel, 0, len(list))}
	for i := range list {
		f := foundationSummary(&list[i])
		if p, ok := q["byProvider"]; ok && !strings.EqualFold(p, f.ProviderName) {
			continue
		}
		out.ModelSummaries = append(out.ModelSummaries, f)
	}
	return jsonAnswer(http.StatusOK, nil, out)
}

func bedrockError(status int, code, msg string) ListingAnswer {
	return jsonAnswer(status, http.Header{"X-Amzn-Errortype": {code}}, struct {
		Message string `json:"message"`
	}{msg})
}

// jsonAnswer marshals v. A listing is the principal's own: no shared cache
// may keep it.
func jsonAnswer(status int, h http.Header, v any) ListingAnswer {
	b, err := json.Marshal(v)
	if err != nil { // cannot happen: strings, ints and bools only
		b = []byte(`{}`)
	}
	if h == nil {
		h = make(http.Header, 3)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if status >= 400 {
		// A retry cannot change the answer (see deny.go).
		h.Set("X-Should-Retry", "false")
	}
	return ListingAnswer{Status: status, Header: h, Body: b}
}

// ErrListingAnswered is wrapped by the error [Middleware.Check] returns
// for a model listing or model metadata route it answered itself
// (Options.Discovery): there is no request to hand on, and
// [Middleware.WriteRefusal] writes the listing (a 200, or the dialect's
// answer for a model the caller may not call).
var ErrListingAnswered = errors.New("modelacl: model listing answered by the gateway")

// listingError is what Check returns for an answered listing: the
// sentinel, and for a Get of a model the caller may not call, why.
type listingError struct{ deny error }

func (e *listingError) Error() string { return ErrListingAnswered.Error() }

func (e *listingError) Unwrap() []error {
	if e.deny == nil {
		return []error{ErrListingAnswered}
	}
	return []error{ErrListingAnswered, e.deny}
}

// answerListing answers a listing route in the middleware
// (Options.Discovery) and reports the outcome. The error wraps
// ErrListingAnswered when d holds the answer, or is a refusal to write as
// any other; neither is relaxed by ReportOnly, since there is nothing to
// hand on but the unfiltered upstream listing.
func (m *Middleware) answerListing(r *http.Request, d *Decision, pr *Principal) error {
	if bodyless(r.Method) && hasBody(r) {
		m.refuse(r, d, pr, errUnexpectedBody, false)
		return errUnexpectedBody
	}
	a, dec, err := m.c.checker.AnswerListing(pr, &d.Route, r.URL.RawQuery, r.Header, *m.c.discovery)
	*d = dec
	if err != nil {
		m.refuse(r, d, pr, err, false)
		return err
	}
	d.listing = &a
	status := 0
	if !d.Allowed {
		status = a.Status
	}
	m.report(r.Context(), d, d.Err, status)
	return &listingError{deny: d.Err}
}
