package sigv4_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/bedrock/sigv4"
)

// BenchmarkSign measures Sign alone (stripping, path re-encoding, hashing
// the body from a replay, signing) on a request shaped like one a
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
	for _, bc := range []struct {
		name string
		size int
		path string
	}{
		{"1KiB", 1 << 10, "/model/us.anthropic.claude-3-5-sonnet-20241022-v2:0/converse"},
		{"1MiB", 1 << 20, "/model/us.anthropic.claude-3-5-sonnet-20241022-v2:0/converse"},
		// Adversarial: a long ARN path in which every byte needs escaping twice.
		{"1KiB-escaped-arn", 1 << 10, "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2F" + strings.Repeat("%3A", 300) + "/invoke"},
	} {
		body := bytes.Repeat([]byte("a"), bc.size)
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
				if err := s.Sign(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
