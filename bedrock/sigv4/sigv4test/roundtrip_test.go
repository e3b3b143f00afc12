package sigv4test_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
)

// Requests signed by the AWS SDK's own signer, sent over loopback to an
// Upstream, must verify: the two implementations agree on what AWS checks.
func TestSDKSignedRequestsVerify(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIDROUNDTRIP", SecretAccessKey: "round-trip-secret", SessionToken: "round-trip-token"}
	signedAt := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	cases := []struct {
		name, method, target, body string
		header                     http.Header
	}{
		{name: "invoke with an escaped colon", method: "POST", target: "/model/anthropic.claude-v2%3A0/invoke", body: `{"prompt":"hi"}`,
			header: header("Content-Type", "application/json", "X-Amzn-Bedrock-Trace", "ENABLED")},
		{name: "application profile ARN with an encoded slash", method: "POST",
			target: "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc/converse", body: `{}`},
		{name: "query with spaces, slashes and a repeated name", method: "GET", target: "/async-invoke?nextToken=a%2Fb+c&maxResults=5&z=2&z=1"},
		{name: "header with runs of spaces and several values", method: "POST", target: "/model/m/invoke", body: "x",
			header: header("X-Amzn-Bedrock-Guardrailidentifier", "  g   1 ", "X-Custom", "a", "X-Custom", "b  c")},
		{name: "empty body", method: "POST", target: "/model/m/invoke"},
	}
	up := sigv4test.NewUpstream(nil)
	defer up.Close()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, up.URL+c.target, strings.NewReader(c.body))
			require.NoError(t, err)
			for k, vs := range c.header {
				req.Header[k] = vs
			}
			sum := sha256.Sum256([]byte(c.body))
			require.NoError(t, v4.NewSigner().SignHTTP(t.Context(), creds, req, hex.EncodeToString(sum[:]), "bedrock", "us-east-1", signedAt))
			resp, err := up.Client().Do(req)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, http.StatusOK, resp.StatusCode)

			got := up.Take()
			require.Len(t, got, 1)
			a, canon, err := sigv4test.Verify(creds.SecretAccessKey, got[0])
			require.NoError(t, err)
			assert.Equal(t, "AKIDROUNDTRIP", a.AccessKeyID)
			assert.Equal(t, "20250304", a.Date)
			assert.Equal(t, "bedrock", a.Service)
			assert.Contains(t, a.SignedHeaders, "x-amz-security-token")
			for k := range c.header {
				assert.Contains(t, a.SignedHeaders, strings.ToLower(k))
			}
			assert.Equal(t, c.body, string(got[0].Body))
			assert.Contains(t, canon, "\n"+hex.EncodeToString(sum[:]))

			// The same bytes with another secret do not verify.
			_, _, err = sigv4test.Verify("another-secret", got[0])
			require.Error(t, err)
		})
	}
	assert.Empty(t, up.Requests(), "Take forgets what it returned")
}

func TestUpstreamReply(t *testing.T) {
	up := sigv4test.NewUpstream(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, r.URL.Path)
	}))
	defer up.Close()
	resp, err := up.Client().Post(up.URL+"/a%2Fb?x=1", "text/plain", strings.NewReader("body"))
	require.NoError(t, err)
	reply, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusTeapot, resp.StatusCode)
	assert.Equal(t, "/a/b", string(reply))

	got := up.Requests()
	require.Len(t, got, 1)
	assert.Equal(t, "POST", got[0].Method)
	assert.Equal(t, "/a%2Fb?x=1", got[0].RequestURI)
	assert.Equal(t, strings.TrimPrefix(up.URL, "http://"), got[0].Host)
	assert.Equal(t, "text/plain", got[0].Header.Get("Content-Type"))
	assert.Equal(t, "body", string(got[0].Body))
	assert.Equal(t, int64(4), got[0].ContentLength)
	assert.Len(t, up.Requests(), 1, "Requests does not forget")
}
