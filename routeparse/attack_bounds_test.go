package routeparse_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// manyNames builds a body of about size bytes: head, then item repeated
// with sep between, then tail.
func manyNames(size int, head, item, sep, tail string) []byte {
	var b bytes.Buffer
	b.Grow(size + len(tail))
	b.WriteString(head)
	for i := 0; b.Len() < size-len(item)-len(tail); i++ {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(item)
	}
	b.WriteString(tail)
	return b.Bytes()
}

// A request naming millions of models (32 MiB of them) is refused with
// ErrTooManyModels as soon as the name past the bound is met. Each body
// ends in invalid JSON, which a parser that read on would report instead,
// so the sentinel itself proves the early stop; how long the refusal takes
// is measured by BenchmarkAttackMillionsOfModelNames, not asserted against
// a clock that a loaded machine can stretch.
func TestAttackMillionsOfModelNames(t *testing.T) {
	for _, c := range manyNameCases() {
		t.Run(c.name, func(t *testing.T) {
			var p routeparse.Parser
			r, err := p.ParseRequest("POST", c.path, "", nil)
			require.NoError(t, err)
			err = p.ParseBody(&r, "application/json", "", c.body, routeparse.DefaultBodyLimit)
			refusedWith(t, err, routeparse.ErrTooManyModels, "the request names more than 256 models")
			assert.Empty(t, r.Models())
		})
	}
}

type manyNameCase struct {
	name, path string
	body       []byte
}

var manyNameBodies []manyNameCase

func manyNameCases() []manyNameCase {
	if manyNameBodies != nil {
		return manyNameBodies
	}
	const size = 32 << 20
	manyNameBodies = []manyNameCase{
		{"fallbacks-list", "/v1/chat/completions", manyNames(size, `{"model":"a","fallbacks":[`, `"a"`, ",", `,!`)},
		{"model-list", "/v1/chat/completions", manyNames(size, `{"model":[`, `"gpt-4o"`, ",", `,!`)},
		{"comma-separated-model", "/v1/chat/completions", manyNames(size, `{"model":"`, `a`, ",", `" !`)},
		{"fallback-map-keys", "/v1/chat/completions", manyNames(size, `{"model":"a","fallbacks":[{`, `"a":[]`, ",", `,!`)},
		{"fallback-map-values", "/v1/chat/completions", manyNames(size, `{"model":"a","fallbacks":[{"a":[`, `"b"`, ",", `,!`)},
		{"message-batch", "/v1/messages/batches", manyNames(size, `{"requests":[`, `{"params":{"model":"a"}}`, ",", `,!`)},
		{"responses-tools", "/v1/responses", manyNames(size, `{"model":"a","tools":[`, `{"type":"image_generation","model":"b"}`, ",", `,!`)},
		{"escaped-names", "/v1/chat/completions", manyNames(size, `{"model":"a","fallbacks":[`, `"\u0061"`, ",", `,!`)},
	}
	return manyNameBodies
}

// BenchmarkAttackMillionsOfModelNames is the time to refuse each 32 MiB
// body of names: milliseconds, against seconds for a parser that records
// every name. go test ./routeparse -run '^$' -bench MillionsOfModelNames
func BenchmarkAttackMillionsOfModelNames(b *testing.B) {
	for _, c := range manyNameCases() {
		b.Run(c.name, func(b *testing.B) {
			var p routeparse.Parser
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				r, err := p.ParseRequest("POST", c.path, "", nil)
				if err != nil {
					b.Fatal(err)
				}
				if err := p.ParseBody(&r, "application/json", "", c.body, routeparse.DefaultBodyLimit); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}

// The bound counts every name of the request, the request line's too, and
// is exact.
func TestModelNameBound(t *testing.T) {
	names := func(n int) string {
		return `{"model":"a","fallbacks":[` + strings.TrimSuffix(strings.Repeat(`"a",`, n-1), ",") + `]}`
	}
	_, err := parseBody(t, chat(names(256)))
	require.NoError(t, err, "256 names")
	_, err = parseBody(t, chat(names(257)))
	refusedWith(t, err, routeparse.ErrTooManyModels, "more than 256")
	// ?model= is a name of the request.
	_, err = parseBody(t, bodyReq{path: "/v1/chat/completions", query: "model=a", body: []byte(names(256))})
	refusedWith(t, err, routeparse.ErrTooManyModels, "more than 256")

	small := routeparse.Parser{MaxModels: 2}
	_, err = parseBody(t, bodyReq{path: "/v1/chat/completions", parser: small, body: []byte(`{"model":"a","fallbacks":["b"]}`)})
	require.NoError(t, err)
	_, err = parseBody(t, bodyReq{path: "/v1/chat/completions", parser: small, body: []byte(`{"model":"a,b,c"}`)})
	refusedWith(t, err, routeparse.ErrTooManyModels, "more than 2")

	_, err = (&routeparse.Parser{MaxModels: -1}).Compile()
	require.Error(t, err)
}
