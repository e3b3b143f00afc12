package routeparse_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// TestDecodedNamesRemembered: a decoded name taken from the parser's
// memory of recent decodings is exactly what decoding gives, whatever was
// decoded before: the same raw text with another escaping (a query's '+'
// is a space, a path's is not) or another Vertex publisher, and many more
// names than the memory holds, decoded twice over so that evicted and
// colliding slots are read back.
func TestDecodedNamesRemembered(t *testing.T) {
	var p routeparse.Parser
	name := func(t *testing.T, path, query string) string {
		t.Helper()
		r, err := p.ParseRequest("POST", path, query, nil)
		require.NoError(t, err)
		require.NotEmpty(t, r.Models())
		return r.Models()[len(r.Models())-1].Name() // the query model comes after the path one
	}
	t.Run("same text in a query and in a path", func(t *testing.T) {
		for range 3 {
			assert.Equal(t, "gemini-x:1", name(t, "/v1beta/models/gemini:generateContent", "model=gemini-x%3A1"))
			assert.Equal(t, "gemini-x:1", name(t, "/model/gemini-x%3A1/invoke", ""))
		}
	})
	t.Run("same model segment, two vertex publishers: no publisher swap", func(t *testing.T) {
		for range 3 {
			assert.Equal(t, "meta/llama:1", name(t, "/v1/projects/p/locations/l/publishers/meta/models/llama%3A1:rawPredict", ""))
			assert.Equal(t, "mistral/llama:1", name(t, "/v1/projects/p/locations/l/publishers/mistral/models/llama%3A1:rawPredict", ""))
		}
	})
	t.Run("more names than slots, read back after eviction", func(t *testing.T) {
		for round := range 2 {
			for i := range 1000 {
				want := fmt.Sprintf("us.vendor.model-%04d-v1:%d", i, round)
				got := name(t, fmt.Sprintf("/model/us.vendor.model-%04d-v1%%3A%d/invoke", i, round), "")
				require.Equal(t, want, got)
			}
		}
	})
}

// BenchmarkParseRequestUncachedNames is the adversarial case of the
// decoded-name memory: every request names another escaped model ID, so
// every decoding misses and takes a slot.
func BenchmarkParseRequestUncachedNames(b *testing.B) {
	var p routeparse.Parser
	paths := make([]string, 4096)
	for i := range paths {
		paths[i] = fmt.Sprintf("/model/us.anthropic.claude-3-5-sonnet-%08d-v2%%3A0/invoke", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := p.ParseRequest("POST", paths[i%len(paths)], "", nil); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
