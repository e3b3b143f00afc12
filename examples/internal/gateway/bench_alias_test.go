package gateway_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
)

// discardTransport is an upstream that reads the whole request body and
// answers 200, so a benchmark measures the gateway, not a network.
type discardTransport struct{ got int64 }

func (t *discardTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n, err := io.Copy(io.Discard, r.Body)
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	t.got = n
	return &http.Response{
		StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{}`)), ContentLength: 2, Request: r,
	}, nil
}

// benchGateway is the alias scenario in front of a discarding upstream.
func benchGateway(tb testing.TB) (*gateway.Gateway, *discardTransport) {
	tb.Helper()
	cfg, err := gateway.ParseConfig([]byte(aliasConfig + "upstreams: {openai: http://upstream.test}\n"))
	require.NoError(tb, err)
	tr := &discardTransport{}
	gw, err := gateway.New(cfg, gateway.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Transport: tr})
	require.NoError(tb, err)
	return gw, tr
}

// chatBody is a chat request of about size bytes whose top-level model,
// last, is model.
func chatBody(size int, model string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"messages":[`)
	para := `{"role":"user","content":"` + strings.Repeat(`The survey mapped every stream that feeds the lake. \"Dawn series\"\n`, 16) + `"}`
	for i := 0; b.Len() < size-len(para)-64; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(para)
	}
	b.WriteString(`],"model":"` + model + `"}`)
	return b.Bytes()
}

// serveChat serves one chat completion request with key through gw, in
// process, and fails tb unless it is answered 200.
func serveChat(tb testing.TB, gw http.Handler, key string, body []byte) {
	req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		tb.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

// BenchmarkAlias1MiB measures a 1 MiB chat request through the gateway
// (middleware, dispatch, proxy to an in-process upstream that reads the
// body) naming the model itself ("direct") and naming an alias the gateway
// must rewrite ("aliased"). The rewrite splices the target into the
// buffered body at the parser's span, so the two should cost about the
// same. The adversarial case puts the alias in a body made of escapes.
func BenchmarkAlias1MiB(b *testing.B) {
	gw, tr := benchGateway(b)
	cases := []struct {
		name string
		body []byte
		want int
	}{
		{"direct", chatBody(1<<20, "gpt-4o-mini"), 0},
		{"aliased", chatBody(1<<20, "fast"), len(`gpt-4o-mini`) - len(`fast`)},
		{"aliased-backslashes", []byte(`{"messages":[{"role":"user","content":"` + strings.Repeat(`\\`, 1<<19) + `"}],"model":"fast"}`), len(`gpt-4o-mini`) - len(`fast`)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				serveChat(b, gw, "sk-r", c.body)
			}
			if tr.got != int64(len(c.body)+c.want) {
				b.Fatalf("upstream read %d bytes, want %d", tr.got, len(c.body)+c.want)
			}
		})
	}
}

// An aliased request is rewritten without a second copy of its body: it
// allocates no more than a request naming the model itself, give or take
// less than half a body, where a decode-and-re-encode (or a copy) would add
// at least the body's size to every request. (The margin: the middleware
// reuses body buffers through a sync.Pool, which misses now and then, after
// a collection or when the goroutine moved to another P, and allocates a
// whole buffer; over n requests that is a fraction of a body each.)
func TestAliasRewriteDoesNotCopyTheBody(t *testing.T) {
	gw, tr := benchGateway(t)
	allocated := func(body []byte) uint64 {
		serveChat(t, gw, "sk-r", body) // warm up pools and lazy state
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		const n = 16
		for range n {
			serveChat(t, gw, "sk-r", body)
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / n
	}
	direct := chatBody(1<<20, "gpt-4o-mini")
	aliased := chatBody(1<<20, "fast")
	d := allocated(direct)
	a := allocated(aliased)
	require.Equal(t, int64(len(aliased)+len("gpt-4o-mini")-len("fast")), tr.got, "the upstream got the spliced body")
	t.Logf("bytes allocated per request: direct %d, aliased %d", d, a)
	require.Less(t, a, d+uint64(len(aliased))/2, "aliased: %s bytes per request against %s direct", strconv.FormatUint(a, 10), strconv.FormatUint(d, 10))
}

// BenchmarkAliasRatio1MiB alternates the two requests of BenchmarkAlias1MiB
// in one loop and reports the ratio of their mean times (aliased/direct),
// so load on the machine weighs on both alike.
func BenchmarkAliasRatio1MiB(b *testing.B) {
	gw, _ := benchGateway(b)
	direct := chatBody(1<<20, "gpt-4o-mini")
	aliased := chatBody(1<<20, "fast")
	var td, ta time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		serveChat(b, gw, "sk-r", direct)
		t1 := time.Now()
		serveChat(b, gw, "sk-r", aliased)
		td += t1.Sub(t0)
		ta += time.Since(t1)
	}
	b.ReportMetric(float64(td.Nanoseconds())/float64(b.N), "ns/direct")
	b.ReportMetric(float64(ta.Nanoseconds())/float64(b.N), "ns/aliased")
	b.ReportMetric(float64(ta)/float64(td), "aliased/direct")
}
