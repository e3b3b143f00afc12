package claudecode_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The default config's key pair for the restricted SigV4 key.
const (
	sigv4AccessKeyID = "AKIAEXAMPLERESTRICTED"
	sigv4Secret      = "demo-restricted-secret-do-not-use"
)

// bedrockSigV4 is Bedrock mode with AWS access keys and no bearer token:
// Claude Code signs every request with SigV4, and the gateway verifies the
// signature with the secret it issued. The key given to claudeWithKey is
// the secret access key.
var bedrockSigV4 = mode{
	name:     "bedrock-sigv4",
	upstream: "bedrock",
	env: func(base, secret string) []string {
		return []string{
			"CLAUDE_CODE_USE_BEDROCK=1",
			"ANTHROPIC_BEDROCK_BASE_URL=" + base + "/bedrock",
			"AWS_ACCESS_KEY_ID=" + sigv4AccessKeyID,
			"AWS_SECRET_ACCESS_KEY=" + secret,
			"AWS_REGION=us-east-1",
		}
	},
	id: func(group string) string { return "global.anthropic." + group },
	names: func(r seen, id string) bool {
		return r.method == http.MethodPost && strings.Contains(r.path, "/model/"+id+"/")
	},
}

func TestClaudeCodeBedrockSigV4(t *testing.T) {
	bin := claudeBinary(t)
	gw := startGateway(t)
	m := bedrockSigV4
	denied, allowed := m.id(deniedOpus), m.id(allowedHaiku)

	t.Run("allowed model answers", func(t *testing.T) {
		// The access key ID alone is refused (it has a secret), so an
		// answer means the signature verified.
		run := gw.claudeWithKey(t, bin, m, sigv4Secret, "--model", allowed)
		require.Equal(t, 0, run.exit, "%s", run)
		assert.Equal(t, "hello from "+allowed, run.out.Result)
		assert.NotZero(t, gw.upstreamCalls(m.upstream, allowed))
	})

	t.Run("denied model stops at once", func(t *testing.T) {
		run := gw.claudeWithKey(t, bin, m, sigv4Secret, "--model", denied)
		assert.NotEqual(t, 0, run.exit, "%s", run)
		assert.Less(t, run.elapsed, denialBound)
		n := gw.count(run.from, func(r seen) bool { return m.names(r, denied) })
		assert.GreaterOrEqual(t, n, 1, "%s", run)
		assert.LessOrEqual(t, n, maxDeniedRequests)
		assert.Contains(t, run.out.Result, "may not call model")
		assert.Zero(t, gw.upstreamCalls(m.upstream, denied))
	})

	t.Run("wrong secret stops at once", func(t *testing.T) {
		before := gw.upstreamCalls(m.upstream, allowed)
		run := gw.claudeWithKey(t, bin, m, "not-the-issued-secret", "--model", allowed)
		assert.NotEqual(t, 0, run.exit, "%s", run)
		assert.Contains(t, run.out.Result, "signature we calculated does not match", "%s", run)
		assert.Less(t, run.elapsed, denialBound)
		n := gw.count(run.from, func(r seen) bool { return m.names(r, allowed) })
		assert.Equal(t, 1, n, "a refused signature is not retried")
		assert.Equal(t, before, gw.upstreamCalls(m.upstream, allowed), "nothing reached the upstream")
		t.Logf("wrong secret refused after %d request(s) in %v", n, run.elapsed.Round(time.Millisecond))
	})
}
