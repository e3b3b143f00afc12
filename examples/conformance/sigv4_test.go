package conformance_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
	"github.com/modelgate/modelgate/examples/internal/gateway"
)

// The AWS SDK signs with a gateway-issued key pair; an attacker changes
// the request after it was signed (a RoundTripper between the SDK and the
// wire), holds another key's secret, or sends at another time. Every case
// must be refused before the decision, nothing may reach the upstream, and
// the SDK must report the AWS error type an AWS service would.

const haikuBedrock = "global.anthropic.claude-haiku-4-5" // in the restricted key's access group

// tamper changes a signed request before it goes on the wire.
type tamper struct {
	base   http.RoundTripper
	mutate func(*http.Request)
}

func (t tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	t.mutate(r)
	return t.base.RoundTrip(r)
}

// signingClient is a bedrockruntime client signing with akid/secret against
// base, through mutate when it is not nil, with the SDK's standard retryer
// allowed attempts tries.
func signingClient(e *env, base, akid, secret string, mutate func(*http.Request), attempts int) *bedrockruntime.Client {
	hc := e.client
	if mutate != nil {
		hc = &http.Client{Transport: tamper{base: e.client.Transport, mutate: mutate}}
	}
	return bedrockruntime.New(bedrockruntime.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(base + "/bedrock"),
		HTTPClient:       hc,
		RetryMaxAttempts: attempts,
		Credentials:      credentials.NewStaticCredentialsProvider(akid, secret, ""),
	})
}

func invokeModel(c *bedrockruntime.Client, model string) error {
	_, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{
		ModelId: aws.String(model), Body: []byte(invokeBody), ContentType: aws.String("application/json"),
	})
	return err
}

// gatewayAt starts a second gateway on the same upstreams whose SigV4
// clock is offset from the real one.
func gatewayAt(t *testing.T, e *env, offset time.Duration) string {
	t.Helper()
	gw, err := gateway.New(e.cfg, gateway.Options{Logger: e.logger, Clock: func() time.Time { return time.Now().Add(offset) }})
	require.NoError(t, err)
	ts := httptest.NewTLSServer(gw)
	t.Cleanup(ts.Close)
	return ts.URL
}

// requireAWSError checks the SDK surfaced the AWS error type code.
func requireAWSError(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "want a smithy.APIError, got %T: %v", err, err)
	assert.Equal(t, code, ae.ErrorCode(), ae.ErrorMessage())
	for _, s := range awsSecret {
		assert.NotContains(t, ae.ErrorMessage(), s)
	}
}

func replace(old, new string) func(*http.Request) {
	return func(r *http.Request) {
		r.URL.Path = strings.Replace(r.URL.Path, old, new, 1)
		r.URL.RawPath = strings.Replace(r.URL.RawPath, old, new, 1)
	}
}

func TestSigV4TamperingIsRefused(t *testing.T) {
	restricted := awsSecret[restrictAKID]
	cases := []struct {
		name   string
		client func(e *env) *bedrockruntime.Client
		code   string
	}{
		{"model in the path swapped after signing", func(e *env) *bedrockruntime.Client {
			return signingClient(e, e.url, restrictAKID, restricted, replace("claude-haiku-4-5", "claude-opus-4-7"), 1)
		}, "InvalidSignatureException"},
		{"operation in the path swapped after signing", func(e *env) *bedrockruntime.Client {
			return signingClient(e, e.url, restrictAKID, restricted, replace("/invoke", "/invoke-with-response-stream"), 1)
		}, "InvalidSignatureException"},
		{"query added after signing", func(e *env) *bedrockruntime.Client {
			return signingClient(e, e.url, restrictAKID, restricted, func(r *http.Request) { r.URL.RawQuery = "trace=ENABLED" }, 1)
		}, "InvalidSignatureException"},
		{"signed header changed", func(e *env) *bedrockruntime.Client {
			return signingClient(e, e.url, restrictAKID, restricted, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, 1)
		}, "InvalidSignatureException"},
		{"body changed", func(e *env) *bedrockruntime.Client {
			return signingClient(e, e.url, restrictAKID, restricted, func(r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(bytes.Replace(b, []byte(`"max_tokens":16`), []byte(`"max_tokens":99`), 1)))
			}, 1)
		}, "InvalidSignatureException"},
		{"stale date: the gateway is six minutes ahead", func(e *env) *bedrockruntime.Client {
			return signingClient(e, gatewayAt(t, e, 6*time.Minute), restrictAKID, restricted, nil, 1)
		}, "InvalidSignatureException"},
		{"future date: the gateway is six minutes behind", func(e *env) *bedrockruntime.Client {
			return signingClient(e, gatewayAt(t, e, -6*time.Minute), restrictAKID, restricted, nil, 1)
		}, "InvalidSignatureException"},
		{"other service in the scope", func(e *env) *bedrockruntime.Client {
			return signingClient(e, e.url, restrictAKID, restricted, func(r *http.Request) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/bedrock/aws4_request", "/s3/aws4_request", 1))
			}, 1)
		}, "InvalidSignatureException"},
		{"other region in the scope", func(e *env) *bedrockruntime.Client {
			return signingClient(e, e.url, restrictAKID, restricted, func(r *http.Request) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/us-east-1/", "/eu-west-1/", 1))
			}, 1)
		}, "InvalidSignatureException"},
		{"one key's ID with another key's secret", func(e *env) *bedrockruntime.Client {
			return signingClient(e, e.url, restrictAKID, awsSecret[allowedAKID], nil, 1)
		}, "InvalidSignatureException"},
		{"unknown access key ID", func(e *env) *bedrockruntime.Client {
			return signingClient(e, e.url, "AKIANOTISSUED0000009", restricted, nil, 1)
		}, "UnrecognizedClientException"},
		{"duplicated Authorization", func(e *env) *bedrockruntime.Client {
			return signingClient(e, e.url, restrictAKID, restricted, func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) }, 1)
		}, "IncompleteSignatureException"},
		{"SigV4 plus a bearer token", func(e *env) *bedrockruntime.Client {
			return signingClient(e, e.url, restrictAKID, restricted, func(r *http.Request) { r.Header.Set("X-Api-Key", allowedKey) }, 1)
		}, "UnrecognizedClientException"},
		{"access key ID sent as a bearer token", func(e *env) *bedrockruntime.Client {
			return bedrockClient(e, "bearer", allowedAKID, "")
		}, "UnrecognizedClientException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := start(t)
			// The restricted key may call haiku: every refusal below is the
			// signature's, not the policy's.
			requireAWSError(t, invokeModel(c.client(e), haikuBedrock), c.code)
			e.expect(t, false, "", "")
		})
	}
	t.Run("untampered request passes", func(t *testing.T) {
		e := start(t)
		require.NoError(t, invokeModel(signingClient(e, e.url, restrictAKID, restricted, func(*http.Request) {}, 1), haikuBedrock))
		e.expect(t, true, "bedrock", haikuBedrock)
	})
}

// A request replayed unchanged within the 5-minute window is accepted, as
// AWS accepts it: SigV4 has no nonce, and the replay can only repeat what
// its signer was already allowed to do. (Decided and documented in
// bedrock/sigv4/verify.)
func TestSigV4ReplayWithinTheWindowIsAccepted(t *testing.T) {
	e := start(t)
	var mu sync.Mutex
	var captured *http.Request
	var body []byte
	c := signingClient(e, e.url, restrictAKID, awsSecret[restrictAKID], func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		captured = r.Clone(context.Background())
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}, 1)
	require.NoError(t, invokeModel(c, haikuBedrock))

	replay := captured.Clone(context.Background())
	replay.Body = io.NopCloser(bytes.NewReader(body))
	replay.RequestURI = ""
	resp, err := e.client.Do(replay)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, e.upstream("bedrock"), 2)
}

// Refusals carry the Date of the clock that judged the request, so the
// SDK's retryer corrects its clock and its one retry succeeds.
func TestSigV4ClockSkewIsCorrectedByTheSDK(t *testing.T) {
	e := start(t)
	url := gatewayAt(t, e, 10*time.Minute)
	c := signingClient(e, url, restrictAKID, awsSecret[restrictAKID], nil, 2)
	require.NoError(t, invokeModel(c, haikuBedrock))
	e.expect(t, true, "bedrock", haikuBedrock)

	// Without a retry the SDK reports the expired signature.
	e = start(t)
	requireAWSError(t, invokeModel(signingClient(e, url, restrictAKID, awsSecret[restrictAKID], nil, 1), haikuBedrock), "InvalidSignatureException")
	e.expect(t, false, "", "")
}

// The streams are signed and verified like the rest: a tampered
// ConverseStream is refused with the AWS error type, a good one streams.
func TestSigV4Streams(t *testing.T) {
	msgs := []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}}
	e := start(t)
	c := signingClient(e, e.url, restrictAKID, awsSecret[restrictAKID], replace("claude-haiku-4-5", "claude-opus-4-7"), 1)
	_, err := c.ConverseStream(context.Background(), &bedrockruntime.ConverseStreamInput{ModelId: aws.String(haikuBedrock), Messages: msgs})
	requireAWSError(t, err, "InvalidSignatureException")
	e.expect(t, false, "", "")

	e = start(t)
	c = signingClient(e, e.url, restrictAKID, awsSecret[restrictAKID], nil, 1)
	out, err := c.ConverseStream(context.Background(), &bedrockruntime.ConverseStreamInput{ModelId: aws.String(haikuBedrock), Messages: msgs})
	require.NoError(t, err)
	stream := out.GetStream()
	n := 0
	for range stream.Events() {
		n++
	}
	require.NoError(t, stream.Err())
	_ = stream.Close()
	assert.Positive(t, n)
	e.expect(t, true, "bedrock", haikuBedrock)
}

// The official SDK through a gateway that re-signs for AWS (aws set): the
// middleware verifies the SDK's signature over the body and the signer
// signs with the SHA-256 that verification computed, without hashing the
// body again. The upstream receives the SDK's body whole under a gateway
// signature that verifies over the bytes it received.
func TestSigV4ClientThroughResigningGateway(t *testing.T) {
	e := start(t)
	cfg := *e.cfg
	cfg.AWS = &gateway.AWS{Region: "us-east-1", AccessKeyID: "AKIAGATEWAY000000001", SecretAccessKey: "gateway-secret"}
	gw, err := gateway.New(&cfg, gateway.Options{Logger: e.logger})
	require.NoError(t, err)
	ts := httptest.NewTLSServer(gw)
	t.Cleanup(ts.Close)

	require.NoError(t, invokeModel(signingClient(e, ts.URL, restrictAKID, awsSecret[restrictAKID], nil, 1), haikuBedrock))
	got := e.upstream("bedrock")
	require.Len(t, got, 1)
	assert.Equal(t, invokeBody, string(got[0].Body))
	assert.Contains(t, got[0].Header.Get("Authorization"), "Credential=AKIAGATEWAY000000001/")
	host := strings.TrimPrefix(e.mocks["bedrock"].URL(), "http://")
	_, _, err = sigv4test.Verify("gateway-secret", sigv4test.Request{
		Method: got[0].Method, RequestURI: got[0].RawPath, Host: host,
		Header: got[0].Header, Body: got[0].Body, ContentLength: int64(len(got[0].Body)),
	})
	require.NoError(t, err, "the gateway's signature over the bytes the upstream received")
}
