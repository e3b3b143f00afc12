package gateway_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
)

// BenchmarkSigV4Resign measures a Bedrock invoke from a SigV4 client
// through a gateway that re-signs for AWS (aws set): the middleware
// verifies the client's signature over the body, the signer signs the
// forwarded request over the same bytes. In process, in front of an
// upstream that reads the whole body.
func BenchmarkSigV4Resign(b *testing.B) {
	cfg, err := gateway.ParseConfig([]byte(sigv4Keys + `
aws: {region: us-east-1, access_key_id: AKIAGATEWAY000000001, secret_access_key: gateway-secret}
upstreams: {bedrock: http://upstream.test}
`))
	require.NoError(b, err)
	tr := &discardTransport{}
	gw, err := gateway.New(cfg, gateway.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Transport: tr})
	require.NoError(b, err)

	for _, size := range []int{1 << 10, 64 << 10, 1 << 20} {
		body := []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":1,"messages":[{"role":"user","content":"` +
			strings.Repeat("a", size-100) + `"}]}`)
		const target = "/bedrock/model/global.anthropic.claude-opus-4-7/invoke"
		signed, err := http.NewRequest(http.MethodPost, "http://example.com"+target, nil)
		require.NoError(b, err)
		signed.Header.Set("Content-Type", "application/json")
		sum := sha256.Sum256(body)
		require.NoError(b, v4.NewSigner().SignHTTP(b.Context(), aws.Credentials{AccessKeyID: "AKIAWITHSECRET000001", SecretAccessKey: "issued-secret"},
			signed, hex.EncodeToString(sum[:]), "bedrock", "us-east-1", time.Now()))

		b.Run(sizeName(size), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
				for k, v := range signed.Header {
					req.Header[k] = v
				}
				rec := httptest.NewRecorder()
				gw.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || tr.got != int64(len(body)) {
					b.Fatalf("status %d, upstream read %d bytes: %s", rec.Code, tr.got, rec.Body)
				}
			}
		})
	}
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return strconv.Itoa(n>>20) + "MiB"
	default:
		return strconv.Itoa(n>>10) + "KiB"
	}
}
