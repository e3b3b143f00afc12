package modelacl_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// FuzzAnswerListing drives every listing route with arbitrary paths,
// queries and dialect headers: no panic; an answer is valid JSON with one
// of the statuses a listing has; and no answered listing shows, in any
// shape, a name the restricted key may not call through that route
// (every entry ListModels returns passes the decision a request naming it
// gets).
func FuzzAnswerListing(f *testing.F) {
	for _, s := range []struct{ path, query string }{
		{"/v1/models", "limit=2&after_id=gpt-4o-mini"},
		{"/anthropic/v1/models", "before_id=claude-sonnet-4-5&limit=1"},
		{"/v1beta/models", "pageSize=1&pageToken=models%2Fgemini-2.5-flash"},
		{"/bedrock/inference-profiles", "type=APPLICATION&maxResults=1&nextToken=x"},
		{"/bedrock/inference-profiles/arn%3Aaws%3Abedrock%3Aeu-west-1%3A123456789012%3Aapplication-inference-profile%2Fhaikuapp0001", ""},
		{"/foundation-models/amazon.nova-micro-v1%3A0", "byProvider=AMAZON"},
		{"/v1/models/fast", "model=gpt-4o"},
		{"/gemini/v1/models/tunedModels%2Fx", ""},
	} {
		f.Add(s.path, s.query, uint8(0))
		f.Add(s.path, s.query, uint8(1))
		f.Add(s.path, s.query, uint8(2))
	}
	policy, err := modelacl.Compile(discoveryConfig())
	if err != nil {
		f.Fatal(err)
	}
	c := modelacl.Checker{Policy: policy}
	pr := discoveryPrincipal(discRestricted)
	var parser routeparse.Parser
	f.Fuzz(func(t *testing.T, path, query string, hdr uint8) {
		rt, err := parser.ParseRequest(http.MethodGet, path, query, nil)
		if err != nil || !modelacl.IsListing(&rt) {
			return
		}
		h := http.Header{}
		switch hdr % 3 {
		case 1:
			h.Set("Anthropic-Version", "2023-06-01")
		case 2:
			h.Set("X-Goog-Api-Client", "google-genai-sdk/1.77.0")
		}
		a, d, err := c.AnswerListing(pr, &rt, query, h, modelacl.DiscoveryOptions{})
		if err != nil {
			if a.Status != 0 || a.Body != nil {
				t.Fatalf("an error and an answer: %v, %d", err, a.Status)
			}
			return
		}
		switch a.Status {
		case http.StatusOK, http.StatusForbidden, http.StatusNotFound:
		default:
			t.Fatalf("status %d", a.Status)
		}
		if !json.Valid(a.Body) {
			t.Fatalf("invalid JSON %q", a.Body)
		}
		if a.Status == http.StatusOK && !d.Allowed {
			t.Fatalf("200 for a denied decision: %v", d.Err)
		}
		list, err := c.ListModels(pr, &rt, h, modelacl.DiscoveryOptions{})
		if err != nil {
			t.Fatalf("answered, but ListModels fails: %v", err)
		}
		for _, m := range list {
			name := m.ID
			if m.Kind == modelacl.ListedApplicationProfile {
				name = m.ARN
			}
			var derr error
			switch {
			case m.Kind == modelacl.ListedName:
				_, derr = c.CheckModels(pr, name)
			case m.Kind == modelacl.ListedProviderModel && rt.Provider == routeparse.OpenAI && rt.Prefix == "":
				_, derr = c.CheckNative(pr, routeparse.Gemini, name) // the Gemini-shaped /v1/models
			case m.Kind == modelacl.ListedProviderModel:
				_, derr = c.CheckNative(pr, rt.Provider, name)
			default:
				_, derr = c.CheckNative(pr, routeparse.Bedrock, name)
			}
			if derr != nil {
				t.Fatalf("%s %s lists %q, which the key may not call: %v", path, query, name, derr)
			}
		}
	})
}
