package verify_test

import (
	"crypto/sha256"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkVerify measures Parse and Verify of a request already received
// (the body is in memory, as the middleware holds it). "sha256 only" is
// the hash of the same body alone, and "interleaved" reports the ratio of
// the two timed side by side: the 1 MiB case costs about one hash of its
// body, so the body is hashed once. The adversarial case signs 200 query
// parameters and 100 headers.
func BenchmarkVerify(b *testing.B) {
	v := newVerifier(b, signedAt)
	for _, bc := range []struct {
		name    string
		size    int
		query   int
		headers int
	}{
		{name: "1KiB", size: 1 << 10},
		{name: "1MiB", size: 1 << 20},
		{name: "adversarial 200 query params 100 headers", size: 1 << 10, query: 200, headers: 100},
	} {
		body := strings.Repeat("x", bc.size)
		target := invoke
		if bc.query > 0 {
			var q []string
			for i := range bc.query {
				q = append(q, "p"+strconv.Itoa(bc.query-i)+"=v%20"+strconv.Itoa(i))
			}
			target += "?" + strings.Join(q, "&")
		}
		req := clientRequest(b, "POST", target, body)
		for i := range bc.headers {
			req.Header.Set("X-Amzn-Bedrock-H"+strconv.Itoa(i), "  a   b  "+strconv.Itoa(i))
		}
		sdkSign(b, req, body, keyA, secretA, "", "us-east-1", "bedrock", signedAt.Add(-time.Minute))
		r, got := received(b, req)
		if err := v.Verify(r, got); err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(got)))
			c0, ok := cpuTime()
			for b.Loop() {
				if err := v.Verify(r, got); err != nil {
					b.Fatal(err)
				}
			}
			if c1, _ := cpuTime(); ok {
				// CPU time, not wall time: on a shared machine the two differ.
				b.ReportMetric(float64(c1-c0)/float64(b.N), "cpu-ns/op")
			}
		})
		if bc.query == 0 {
			b.Run(bc.name+" sha256 only", func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(got)))
				for b.Loop() {
					_ = sha256.Sum256(got)
				}
			})
			// Both timed in each iteration, so a loaded machine slows
			// them alike: the ratio is about 1 at 1 MiB if the body is
			// hashed once, about 2 if twice.
			b.Run(bc.name+" interleaved", func(b *testing.B) {
				b.ReportAllocs()
				var tv, ts time.Duration
				for b.Loop() {
					t0 := time.Now()
					if err := v.Verify(r, got); err != nil {
						b.Fatal(err)
					}
					t1 := time.Now()
					_ = sha256.Sum256(got)
					ts += time.Since(t1)
					tv += t1.Sub(t0)
				}
				b.ReportMetric(float64(tv)/float64(ts), "verify/sha256")
			})
		}
	}
}
