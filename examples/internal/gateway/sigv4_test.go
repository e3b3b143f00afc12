package gateway_test

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

	"github.com/modelgate/modelgate/examples/internal/gateway"
)

const sigv4Keys = `
keys:
  - {key: AKIAWITHSECRET000001, aws_secret_access_key: issued-secret, models: ['*']}
  - {key: AKIAWITHOUTSECRET002, models: ['*']}
`

// sigv4Post signs a Bedrock invoke with the AWS SDK's signer and sends it.
func sigv4Post(t *testing.T, base, akid, secret string) (*http.Response, string) {
	t.Helper()
	const body = `{"max_tokens":1}`
	req, err := http.NewRequest(http.MethodPost, base+"/bedrock/model/global.anthropic.claude-opus-4-7/invoke", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	require.NoError(t, v4.NewSigner().SignHTTP(t.Context(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), "bedrock", "us-east-1", time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return resp, string(b)
}

func TestSigV4KeysAreVerified(t *testing.T) {
	url, mocks := start(t, sigv4Keys)
	cases := []struct {
		name, akid, secret string
		status             int
		errType            string
	}{
		{"issued key pair", "AKIAWITHSECRET000001", "issued-secret", 200, ""},
		{"issued ID with a guessed secret", "AKIAWITHSECRET000001", "guessed", 401, "InvalidSignatureException"},
		{"key without a secret is refused by default", "AKIAWITHOUTSECRET002", "anything", 401, "UnrecognizedClientException"},
		{"unknown access key ID", "AKIANOTCONFIGURED003", "anything", 401, "UnrecognizedClientException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mocks.Reset()
			resp, body := sigv4Post(t, url, c.akid, c.secret)
			assert.Equal(t, c.status, resp.StatusCode, body)
			assert.Equal(t, c.errType, resp.Header.Get("X-Amzn-ErrorType"))
			assert.NotContains(t, body, c.secret)
			if c.status == 200 {
				assert.Equal(t, 1, mocks.Total())
			} else {
				assert.Zero(t, mocks.Total(), "a refused request reached an upstream")
			}
		})
	}
	t.Run("issued access key ID as a bearer token", func(t *testing.T) {
		mocks.Reset()
		resp := post(t, url+"/bedrock/model/global.anthropic.claude-opus-4-7/invoke", "AKIAWITHSECRET000001", `{}`)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Zero(t, mocks.Total())
	})
}

func TestUnsafeTrustUnverifiedAccessKeyIDs(t *testing.T) {
	url, mocks := start(t, sigv4Keys+"unsafe_trust_unverified_access_key_ids: true\n")
	resp, body := sigv4Post(t, url, "AKIAWITHOUTSECRET002", "anything")
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, 1, mocks.Total())

	// A key that has a secret is verified all the same.
	mocks.Reset()
	resp, body = sigv4Post(t, url, "AKIAWITHSECRET000001", "guessed")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
	assert.Zero(t, mocks.Total())
}

func TestSigV4ConfigErrors(t *testing.T) {
	_, err := gateway.ParseConfig([]byte("keys: [{key: sk-not-an-access-key-id, aws_secret_access_key: s, models: []}]"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "must be an access key ID")
	assert.NotContains(t, err.Error(), "sk-not-an-access-key-id", "the error names the key by index, not by value")

	cfg, err := gateway.ParseConfig([]byte(sigv4Keys + "unsafe_trust_unverified_access_key_ids: true\n"))
	require.NoError(t, err)
	assert.True(t, cfg.UnsafeTrustUnverifiedAccessKeyIDs)
	assert.Equal(t, "issued-secret", cfg.Keys[0].AWSSecretAccessKey)
}

// The default config's SigV4 keys carry secrets: a SigV4 request is never
// trusted on its access key ID alone out of the box.
func TestDefaultConfigSigV4KeysHaveSecrets(t *testing.T) {
	cfg, err := gateway.ParseConfig(gateway.DefaultConfig)
	require.NoError(t, err)
	assert.False(t, cfg.UnsafeTrustUnverifiedAccessKeyIDs)
	n := 0
	for _, k := range cfg.Keys {
		if strings.HasPrefix(k.Key, "AKIA") {
			n++
			assert.NotEmpty(t, k.AWSSecretAccessKey, "key alias %q", k.KeyAlias)
		}
	}
	assert.Equal(t, 2, n)
}

// TestSigV4ClientResigned: a SigV4 client through a gateway that re-signs
// for AWS. The middleware verified the client's signature over the body
// and the signer signs with that sum instead of hashing again: the
// upstream gets the whole body under a signature that verifies over it.
func TestSigV4ClientResigned(t *testing.T) {
	url, mocks := start(t, sigv4Keys+"aws: {region: us-east-1, access_key_id: AKIAGATEWAY000000001, secret_access_key: gateway-secret}\n")
	resp, body := sigv4Post(t, url, "AKIAWITHSECRET000001", "issued-secret")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	got := mocks["bedrock"].Requests()
	require.Len(t, got, 1)
	assert.Equal(t, `{"max_tokens":1}`, string(got[0].Body))
	assert.Contains(t, got[0].Header.Get("Authorization"), "Credential=AKIAGATEWAY000000001/")
	verifyGatewaySignature(t, mocks, got[0])
}
