package sigv4_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/bedrock/sigv4"
)

// BenchmarkSign measures Sign alone (stripping, path re-encoding, hashing
// the body from a replay unless it knows its sum, signing) on a request shaped like one a
// ReverseProxy hands its Transport. Building the request is included; it is
// a small constant next to the signing cost.
func BenchmarkSign(b *testing.B) {
	s, err := sigv4.New(sigv4.Options{
		Region:      "us-east-1",
		Credentials: staticCreds(sessionToken),
		Endpoint:    "https://bedrock-runtime.us-east-1.amazonaws.com",
	})
	if err != nil {
		b.Fatal(err)
	}
	const converse = "/model/us.anthropic.claude-3-5-sonnet-20241022-v2:0/converse"
	for _, bc := range []struct {
		name   string
		size   int
		path   string
		summed bool // the body knows its SHA-256 (SummedBody), as a verified SigV4 client's does
	}{
		{"1KiB", 1 << 10, converse, false},
		{"1MiB", 1 << 20, converse, false},
		{"1MiB-summed", 1 << 20, converse, true},
		// Adversarial: a long ARN path in which every byte needs escaping twice.
		{"1KiB-escaped-arn", 1 << 10, "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2F" + strings.Repeat("%3A", 300) + "/invoke", false},
	} {
		body := bytes.Repeat([]byte("a"), bc.size)
		sum := sha256.Sum256(body)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(bc.size))
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodPost, "http://gateway.internal"+bc.path, bytes.NewReader(body))
				req.Header = http.Header{
					"Authorization":         {"Bearer sk-virtual-key"},
					"Content-Type":          {"application/json"},
					"Accept":                {"application/json"},
					"Amz-Sdk-Invocation-Id": {"11111111-2222-3333-4444-555555555555"},
					"Amz-Sdk-Request":       {"attempt=1; max=3"},
					"User-Agent":            {"aws-sdk-go-v2/1.0"},
				}
				if bc.summed {
					req.GetBody = func() (io.ReadCloser, error) {
						return &summedBody{Reader: bytes.NewReader(body), sum: sum, ok: true}, nil
					}
				}
				if err := s.Sign(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
