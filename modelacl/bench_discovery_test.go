package modelacl_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// A listing decides every configured name: its cost is linear in the
// deployment list. Measured on the 10,000-group policy, for the unified
// listing, the Bedrock profiles (a third of the groups) and the
// adversarial principal whose 100 globs each scan every name.
func BenchmarkAnswerListing(b *testing.B) {
	p, pr := polBigPolicy()
	c := modelacl.Checker{Policy: p}
	var parser routeparse.Parser
	for _, bc := range []struct {
		name, path, query string
		pr                *modelacl.Principal
	}{
		{"unified", "/v1/models", "", pr},
		{"bedrock-profiles", "/bedrock/inference-profiles", "maxResults=1000", pr},
		{"anthropic-page-after", "/v1/models", "limit=20&after_id=model-09000", pr},
		{"adversarial-globs", "/v1/models", "", polAdversarialPrincipal()},
	} {
		rt, err := parser.ParseRequest(http.MethodGet, bc.path, bc.query, nil)
		require.NoError(b, err)
		h := http.Header{}
		if bc.name == "anthropic-page-after" {
			h.Set("Anthropic-Version", "2023-06-01")
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a, _, err := c.AnswerListing(bc.pr, &rt, bc.query, h, modelacl.DiscoveryOptions{})
				if err != nil || a.Status != http.StatusOK {
					b.Fatal(err, a.Status)
				}
			}
		})
	}
}
