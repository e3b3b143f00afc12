package routeparse_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// FuzzParseRequest: no panic; an error is a *routeparse.Error wrapping a
// sentinel and comes with a zero Route; a success names only non-empty,
// validly decoded models, Name and AppendName agree, and re-parsing the
// same request gives the same result.
func FuzzParseRequest(f *testing.F) {
	seeds := [][3]string{
		{"POST", "/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke", ""},
		{"POST", "/model/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile%2Fabc123/invoke", ""},
		{"POST", "/model/arn:aws:bedrock:us-east-1:123456789012:custom-model/a:0/b/converse-stream", ""},
		{"POST", "/model/application-inference-profile/abc/invoke", ""},
		{"POST", "/bedrock/v1/messages", ""},
		{"POST", "/v1beta/models/gemini-2.0-flash:streamGenerateContent", "alt=sse"},
		{"POST", "/v1beta/tunedModels/t%3AgenerateContent", ""},
		{"GET", "/v1beta/models/veo/operations/op1", ""},
		{"POST", "/v1/projects/p/locations/l/publishers/meta/models/llama:predict", ""},
		{"POST", "/v1/projects/p/locations/l/publishers/anthropic/models/count-tokens:rawPredict", ""},
		{"POST", "/v1/projects/p/locations/l/endpoints/123:generateContent", ""},
		{"POST", "/openai/deployments/d/audio/transcriptions", "api-version=1"},
		{"GET", "/openai/realtime", "api-version=1&deployment=x"},
		{"GET", "/v1/realtime", "model=a&model=a"},
		{"GET", "/v1/models/ft:gpt-4o:org::id", ""},
		{"POST", "/v1/chat/completions", "Model=x"},
		{"POST", "/model/%2e%2e/invoke", ""},
		{"POST", "/bedrock/model/x/../invoke", "model=%zz"},
		{"POST", "/api/chat", ""},
		{"POST", "/bedrock/openai/v1/chat/completions", ""},
		{"GET", "/bedrock/inference-profiles/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aapplication-inference-profile%2Fa", ""},
		{"POST", "/v1beta1/projects/p/locations/l/models/m:generateContent", ""},
		{"POST", "/v1/realtime/client_secrets", ""},
		{"POST", "/v1/threads/t/runs", ""},
		{"POST", "/v1/chat/completions", "model%5B0%5d=x"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, method, path, query string) {
		var p routeparse.Parser
		r, err := p.ParseRequest(method, path, query, nil)
		if err != nil {
			var perr *routeparse.Error
			require.ErrorAs(t, err, &perr)
			wrapsSentinel := false
			for _, s := range sentinelNames {
				wrapsSentinel = wrapsSentinel || errors.Is(err, s.err)
			}
			require.True(t, wrapsSentinel, "error %v wraps no sentinel", err)
			require.Empty(t, r.Models(), "model returned with an error")
			require.Equal(t, routeparse.ProviderUnknown, r.Provider)
			require.False(t, r.ModelFree)
			return
		}
		require.NotEqual(t, routeparse.OpUnknown, r.Operation)
		require.True(t, r.Sealed(), "every route the parser returns is sealed")
		require.True(t, strings.HasSuffix(path, r.UpstreamPath) && r.Prefix+r.UpstreamPath == path,
			"prefix %q + upstream %q != path %q", r.Prefix, r.UpstreamPath, path)
		if r.ModelFree {
			require.Empty(t, r.Models(), "a model-free route names no model")
			require.Equal(t, routeparse.BodyNone, r.Body)
		}
		for _, m := range r.Models() {
			name := m.Name()
			require.NotEmpty(t, name)
			require.Equal(t, name, string(m.AppendName(nil)))
			require.NotContains(t, name, "%", "decoded once, and no double encoding survives")
			for _, part := range strings.Split(name, "/") {
				require.NotContains(t, []string{"", ".", ".."}, part, "name %q", name)
			}
			for i := 0; i < len(name); i++ {
				require.True(t, name[i] > ' ' && name[i] < 0x7f, "name %q has byte %#x", name, name[i])
			}
		}
		again, err := p.ParseRequest(method, path, query, nil)
		require.NoError(t, err)
		require.Equal(t, renderOutcome(t, r, nil), renderOutcome(t, again, nil))
	})
}

// modelIDValid is the test's own statement of which model IDs must survive
// a round trip: bytes A-Za-z0-9-._~:@/, '/'-separated parts non-empty and
// not dot segments, at most 2048 bytes.
func modelIDValid(id string) bool {
	if id == "" || len(id) > 2048 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~:@/", c) >= 0) {
			return false
		}
	}
	for _, part := range strings.Split(id, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

// FuzzBedrockModelRoundTrip: a model ID sent the way the AWS SDK or
// anthropic-sdk-go spell it parses back to exactly that ID whenever it
// parses at all, and every valid ID parses in the AWS SDK spelling.
func FuzzBedrockModelRoundTrip(f *testing.F) {
	for _, s := range []string{
		"anthropic.claude-3-5-sonnet-20241022-v2:0",
		"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
		"arn:aws:bedrock:us-east-1:123456789012:custom-model/a:0/b",
		"a/../b", "%41", "x y", "..", "a@b", "a;b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		var p routeparse.Parser
		for _, path := range []string{
			"/model/" + awsEscape(id) + "/invoke",
			"/model/" + url.PathEscape(id) + "/converse",
			"/bedrock/model/" + awsEscape(id) + "/count-tokens",
		} {
			r, err := p.ParseRequest("POST", path, "", nil)
			if err != nil {
				require.Empty(t, r.Models())
				continue
			}
			require.Len(t, r.Models(), 1)
			require.Equal(t, id, r.Models()[0].Name(), "path %q", path)
		}
		if modelIDValid(id) {
			r, err := p.ParseRequest("POST", "/model/"+awsEscape(id)+"/invoke", "", nil)
			require.NoError(t, err, "valid ID %q refused", id)
			require.Equal(t, id, r.Models()[0].Name())
		}
	})
}
