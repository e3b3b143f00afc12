package routeparse_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

type pathCase struct {
	name, method, path, query string
	wantErr                   bool
}

// benchPathCases are the request lines of the path benchmarks, as the
// official SDKs send them, plus an adversarial one.
var benchPathCases = []pathCase{
	{name: "bedrock-arn-aws-sdk", method: "POST",
		path: "/bedrock/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc123/converse-stream"},
	{name: "bedrock-arn-anthropic-sdk", method: "POST",
		path: "/model/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile%2Fabc123/invoke-with-response-stream"},
	{name: "bedrock-base", method: "POST",
		path: "/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke"},
	{name: "gemini", method: "POST",
		path: "/v1beta/models/gemini-2.0-flash:streamGenerateContent", query: "alt=sse"},
	{name: "vertex", method: "POST",
		path: "/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict"},
	{name: "azure", method: "POST",
		path: "/openai/deployments/gpt-4o-prod/chat/completions", query: "api-version=2024-10-21"},
	{name: "openai-chat", method: "POST", path: "/v1/chat/completions"},
	// Adversarial: many segments, then a very long model segment full of
	// escapes; both are rejected after one linear pass.
	{name: "adversarial-many-segments", method: "POST",
		path: strings.Repeat("/a", 4000) + "/invoke", wantErr: true},
	{name: "adversarial-long-model", method: "POST",
		path: "/model/" + strings.Repeat("%3A", 2700) + "/invoke", wantErr: true},
}

func BenchmarkParseRequest(b *testing.B) {
	var p routeparse.Parser
	for _, c := range benchPathCases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.path) + len(c.query)))
			for b.Loop() {
				r, err := p.ParseRequest(c.method, c.path, c.query, nil)
				if (err != nil) != c.wantErr || (err == nil && r.Operation == routeparse.OpUnknown) {
					b.Fatalf("unexpected result: %v", err)
				}
			}
		})
	}
}

// TestParseRequestZeroAllocs: classifying a request whose model is in the
// path (or that needs none) allocates nothing, except one string for the
// decoded name of a model spelled with escapes; Name then never allocates,
// however often it is called.
func TestParseRequestZeroAllocs(t *testing.T) {
	var p routeparse.Parser
	for _, c := range benchPathCases {
		if c.wantErr {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			var r routeparse.Route
			var err error
			allocs := testing.AllocsPerRun(200, func() {
				r, err = p.ParseRequest(c.method, c.path, c.query, nil)
			})
			require.NoError(t, err)
			assert.NotEqual(t, routeparse.OpUnknown, r.Operation)
			want := 0.0
			if strings.Contains(c.path, "%") {
				want = 1 // the decoded name, once
			}
			assert.Equal(t, want, allocs, "allocations per ParseRequest")
			for _, m := range r.Models() {
				assert.Zero(t, testing.AllocsPerRun(200, func() { _ = m.Name() }), "allocations per Name of %q", m.Raw())
			}
		})
	}
	// Decoding a name without escapes allocates nothing either.
	r, err := p.ParseRequest("POST", "/v1beta/models/gemini-2.0-flash:generateContent", "", nil)
	require.NoError(t, err)
	m := r.Models()[0]
	buf := make([]byte, 0, 64)
	assert.Zero(t, testing.AllocsPerRun(200, func() { _ = m.Name() }))
	assert.Zero(t, testing.AllocsPerRun(200, func() { buf = m.AppendName(buf[:0]) }))
}

// A body model spelled with JSON escapes is decoded once, by ParseBody,
// into the same allocation as its raw text: Name does not allocate.
func TestEscapedBodyModelNameDoesNotAllocate(t *testing.T) {
	var p routeparse.Parser
	base, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
	require.NoError(t, err)
	body := []byte(`{"model":"claude\u002dopus-4-7","fallbacks":["gpt\u002d4o"]}`)
	var r routeparse.Route
	allocs := testing.AllocsPerRun(100, func() {
		r = base
		if err := p.ParseBody(&r, "application/json", "", body, 0); err != nil {
			t.Fatal(err)
		}
	})
	assert.Equal(t, 2.0, allocs, "one allocation per escaped model")
	require.Len(t, r.Models(), 2)
	for i, want := range []string{"claude-opus-4-7", "gpt-4o"} {
		m := r.Models()[i]
		assert.Equal(t, want, m.Name())
		assert.Zero(t, testing.AllocsPerRun(200, func() { _ = m.Name() }))
	}
}
