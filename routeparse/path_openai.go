package routeparse

// matchAPI matches the OpenAI-shaped path space shared by OpenAI, Anthropic,
// Cohere and Ollama (and OpenAI-compatible layers of other providers),
// restricted to the surfaces in fams. prov, when not ProviderUnknown,
// overrides the provider (the gateway prefix or the enclosing route says
// which provider serves the request); otherwise each route names its own.
//
// Versions: OpenAI routes are served under "/v1" and unversioned (the
// OpenAI SDKs send "/chat/completions" under a base URL that ends in
// "/v1"); Anthropic routes under "/v1"; Cohere under "/v1" and "/v2";
// Ollama under "/api".
func matchAPI(r *Route, mb methods, s []string, fams famSet, prov Provider) (bool, error) {
	if len(s) == 0 {
		return false, nil
	}
	v, t := 0, s
	for i := 1; i < numVers; i++ {
		if s[0] == versions[i].seg {
			v, t = i, s[1:]
			break
		}
	}
	i, p, found := lookupAPI(v, t, mb)
	if !found || apiRows[i].fam&fams == 0 {
		return false, nil
	}
	e := &apiRows[i]
	r.row = uint16(i + 1)
	switch {
	case prov == ProviderUnknown:
		prov = e.prov
	case e.fam&ownFamily(prov) == 0:
		// Another provider serving this route's API shape (Anthropic
		// Messages behind the Bedrock prefix, OpenAI-compatible chat on
		// Gemini, Vertex or Anthropic): clients speak the route's dialect.
		r.Dialect = e.prov
	}
	r.Provider = prov
	shape := prov.String()
	if p.methods&mb == 0 {
		return false, methodErr(shape, mb, "/"+joinHint(s))
	}
	if e.limit != "" {
		return false, &Error{Shape: shape, Detail: e.limit, Err: ErrNoModel}
	}
	r.apply(e.sp)
	if p.kind != "" {
		field := e.field
		if field == "" {
			field = "model"
		}
		return true, r.addPathModel(shape, field, t[p.place], "", p.kind == phARN)
	}
	return true, nil
}

// ownFamily is the API surface a provider serves natively in this path
// space.
func ownFamily(p Provider) famSet {
	switch p {
	case OpenAI, Azure:
		return famOpenAI
	case Anthropic:
		return famAnthropic
	case Cohere:
		return famCohere
	case Ollama:
		return famOllama
	case Bedrock:
		return famBedrockControl
	}
	return 0
}

// joinHint names a route in an error message without allocating more than
// the message itself does: the first two segments are enough to say which.
func joinHint(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return s[0] + "/" + s[1] + "/..."
}

// matchAzure matches Azure OpenAI routes (s[0] == "openai"):
//
//	POST /openai/deployments/{deployment}/{action}?api-version=...  model: the deployment
//	     /openai/v1/{openai route}                                  model in body (Azure v1 API)
//	GET  /openai/realtime?deployment=...                            model in query
//	     /openai/{openai route}?api-version=...                     model in body
//
// openai-go's Azure option (azure/azure.go getReplacementPathWithDeployment)
// sends its five JSON and three multipart deployment routes to
// /openai/deployments/{d}/..., with the deployment escaped by
// requestconfig.FormatPath (url.PathEscape), and every other route to
// "/openai" + route.
func matchAzure(r *Route, mb methods, s []string, rest string) (bool, error) {
	if len(s) < 2 || s[0] != "openai" {
		return false, nil
	}
	r.Provider = Azure
	switch s[1] {
	case "deployments":
		if len(s) < 4 {
			return false, pathErr("azure", "expected /openai/deployments/{deployment}/{action}, got %q", clip(rest))
		}
		off := len("/openai/deployments/") + len(s[2]) + 1
		sp, ok := lookupAction(r, actAzure, rest[off:])
		if !ok {
			return false, pathErr("azure", "unknown deployment action %q", clip(rest[off:]))
		}
		if mb != mPost {
			return false, methodErr("azure", mb, rest)
		}
		r.apply(sp)
		return true, r.addPathModel("azure", "deployment", s[2], "", false)
	case "v1":
		return matchAPI(r, mb, s[1:], famOpenAI, Azure)
	case "v2", "api":
		return false, nil
	}
	return matchAPI(r, mb, s[1:], famOpenAI, Azure)
}
