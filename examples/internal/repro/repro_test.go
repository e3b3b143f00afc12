package repro_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/repro"
)

// The original report: a key limited to common-models reached
// claude-opus-4-7 through the Bedrock routes. Every restricted request
// must be refused in the caller's dialect before any upstream sees it, and
// every request with the allowed key must reach the upstream.
func TestSeedScenario(t *testing.T) {
	results, err := repro.Run(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, results, 2*len(repro.Cases()))

	for _, r := range results {
		t.Run(r.Key+" "+r.Case.Name, func(t *testing.T) {
			require.NoError(t, r.Err)
			if r.Key == repro.RestrictedKey {
				assert.False(t, r.Reached, "restricted key reached the upstream")
				assert.Equal(t, http.StatusForbidden, r.Status)
				want := map[string]string{
					"openai":    "key_model_access_denied",
					"anthropic": "permission_error",
					"bedrock":   "AccessDeniedException",
				}[r.Case.Upstream]
				assert.Equal(t, want, r.ErrorType)
				return
			}
			assert.True(t, r.Reached, "allowed key did not reach the upstream")
			assert.Equal(t, http.StatusOK, r.Status)
			assert.Equal(t, r.Case.Upstream+": "+r.Case.Model, r.UpstreamModel)
		})
	}

	var out bytes.Buffer
	assert.True(t, repro.PrintTable(&out, results))
	assert.Contains(t, repro.Summary(results), "PASS")
}
