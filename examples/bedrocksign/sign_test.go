// Package bedrocksign_test proves that the gateway's SigV4 re-signing
// (github.com/modelgate/modelgate/bedrock/sigv4) produces the request AWS
// expects, without reaching AWS: the official bedrockruntime client sends
// the same call twice, once straight to a loopback recorder and once through
// a loopback ReverseProxy gateway that strips the client's credential and
// re-signs, and both arrivals must carry the same canonical request and the
// same Authorization header.
//
// Reproducibility: the SDK signs with the current time and a random
// amz-sdk-invocation-id header. The test pins both through public client
// options: Options.HTTPSignerV4 wraps the SDK's own v4 signer and replaces
// the signing time with a fixed one, and an APIOptions build-step middleware
// (after the SDK's ClientRequestID) overwrites the invocation ID.
package bedrocksign_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go/auth/bearer"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock/sigv4"
	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
)

const (
	region       = "us-east-1"
	accessKey    = "AKIDEXAMPLEUPSTREAM"
	secretKey    = "upstream-secret-key-0123456789abcdefghijk"
	sessionToken = "upstream-session-token"
	invocationID = "00000000-1111-2222-3333-444444444444"
)

var signingTime = time.Date(2025, 9, 30, 12, 34, 56, 0, time.UTC)

// fixedTimeSigner is the SDK's own v4 signer with the signing time pinned.
type fixedTimeSigner struct{ s *v4.Signer }

func (f fixedTimeSigner) SignHTTP(ctx context.Context, c aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, opts ...func(*v4.SignerOptions)) error {
	return f.s.SignHTTP(ctx, c, r, payloadHash, service, region, signingTime, opts...)
}

func pinInvocationID(stack *middleware.Stack) error {
	return stack.Build.Add(middleware.BuildMiddlewareFunc("PinInvocationID",
		func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				req.Header.Set("Amz-Sdk-Invocation-Id", invocationID)
			}
			return next.HandleBuild(ctx, in)
		}), middleware.After)
}

type clientAuth int

const (
	upstreamSigV4 clientAuth = iota // the direct call: the real AWS keys
	gatewayBearer                   // a virtual key as a Bedrock API key (bearer token)
	gatewaySigV4                    // a virtual key as SigV4 access keys issued by the gateway
)

func newClient(endpoint string, httpClient *http.Client, auth clientAuth) *bedrockruntime.Client {
	return bedrockruntime.New(bedrockruntime.Options{
		Region:           region,
		BaseEndpoint:     aws.String(endpoint),
		HTTPSignerV4:     fixedTimeSigner{v4.NewSigner()},
		APIOptions:       []func(*middleware.Stack) error{pinInvocationID},
		RetryMaxAttempts: 1,
		HTTPClient:       httpClient,
	}, func(o *bedrockruntime.Options) {
		switch auth {
		case upstreamSigV4:
			o.Credentials = credentials.NewStaticCredentialsProvider(accessKey, secretKey, sessionToken)
		case gatewayBearer:
			o.BearerAuthTokenProvider = bearer.StaticTokenProvider{Token: bearer.Token{Value: "sk-virtual-key"}}
			o.AuthSchemePreference = []string{"httpBearerAuth"}
		case gatewaySigV4:
			o.Credentials = credentials.NewStaticCredentialsProvider("AKIDVIRTUALKEY", "virtual-secret", "virtual-token")
		}
	})
}

const converseReply = `{"output":{"message":{"role":"assistant","content":[{"text":"hello"}]}},"stopReason":"end_turn",` +
	`"usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2},"metrics":{"latencyMs":1}}`

// recorder is a loopback stand-in for bedrock-runtime that records each
// request as it arrived and answers Converse and InvokeModel.
type recorder struct{ *sigv4test.Upstream }

func newRecorder(t *testing.T) recorder {
	rec := recorder{sigv4test.NewUpstream(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/converse") {
			_, _ = io.WriteString(w, converseReply)
			return
		}
		_, _ = io.WriteString(w, `{"completion":"hello"}`)
	}))}
	t.Cleanup(rec.Close)
	return rec
}

func (rec recorder) take(t *testing.T) sigv4test.Request {
	t.Helper()
	reqs := rec.Take()
	require.Len(t, reqs, 1)
	return reqs[0]
}

// newGateway forwards /bedrock/... to the recorder, re-signed with the
// upstream keys.
func newGateway(t *testing.T, upstream string) *httptest.Server {
	signer, err := sigv4.New(sigv4.Options{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, sessionToken),
		Endpoint:    upstream,
		Clock:       func() time.Time { return signingTime },
	})
	require.NoError(t, err)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			escaped, ok := strings.CutPrefix(pr.In.URL.EscapedPath(), "/bedrock")
			require.True(t, ok)
			dec, err := url.PathUnescape(escaped)
			require.NoError(t, err)
			pr.Out.URL.Path, pr.Out.URL.RawPath = dec, escaped
		},
		Transport: signer.RoundTripper(nil),
	}
	// TLS, because the SDK refuses to send a bearer token over plain HTTP.
	gw := httptest.NewTLSServer(proxy)
	t.Cleanup(gw.Close)
	return gw
}

func TestGatewaySignatureEqualsSDKSignature(t *testing.T) {
	models := map[string]string{
		"base model ID":                     "anthropic.claude-3-5-sonnet-20241022-v2:0",
		"geo inference profile":             "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
		"application inference profile ARN": "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123xyz",
	}
	calls := map[string]func(context.Context, *bedrockruntime.Client, string) error{
		"InvokeModel": func(ctx context.Context, c *bedrockruntime.Client, model string) error {
			_, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
				ModelId:     aws.String(model),
				ContentType: aws.String("application/json"),
				Accept:      aws.String("application/json"),
				// Bedrock's own request headers (X-Amzn-Bedrock-*) are kept
				// and signed by the gateway just as the SDK signs them.
				Trace:                    types.TraceEnabled,
				PerformanceConfigLatency: types.PerformanceConfigLatencyOptimized,
				Body:                     []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`),
			})
			return err
		},
		"Converse": func(ctx context.Context, c *bedrockruntime.Client, model string) error {
			_, err := c.Converse(ctx, &bedrockruntime.ConverseInput{
				ModelId: aws.String(model),
				Messages: []types.Message{{
					Role:    types.ConversationRoleUser,
					Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}},
				}},
				InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(16)},
			})
			return err
		},
	}
	rec := newRecorder(t)
	gw := newGateway(t, rec.URL)
	direct := newClient(rec.URL, rec.Client(), upstreamSigV4)

	for modelName, model := range models {
		for callName, call := range calls {
			for _, via := range []struct {
				name string
				auth clientAuth
			}{{"bearer client", gatewayBearer}, {"sigv4 client", gatewaySigV4}} {
				t.Run(modelName+"/"+callName+"/"+via.name, func(t *testing.T) {
					ctx := context.Background()
					require.NoError(t, call(ctx, direct, model))
					want := rec.take(t)

					require.NoError(t, call(ctx, newClient(gw.URL+"/bedrock", gw.Client(), via.auth), model))
					got := rec.take(t)

					wantAuth, wantCanon := verify(t, want)
					gotAuth, gotCanon := verify(t, got)
					assert.Equal(t, wantCanon, gotCanon, "canonical requests")
					assert.Equal(t, want.Header.Get("Authorization"), got.Header.Get("Authorization"))
					assert.Equal(t, wantAuth.SignedHeaders, gotAuth.SignedHeaders)
					assert.Equal(t, want.RequestURI, got.RequestURI, "wire path")
					assert.Equal(t, want.Body, got.Body)
					if callName == "InvokeModel" {
						assert.Contains(t, gotAuth.SignedHeaders, "x-amzn-bedrock-trace")
						assert.Contains(t, gotAuth.SignedHeaders, "x-amzn-bedrock-performanceconfig-latency")
					}
					assert.Empty(t, got.Header.Values("X-Amz-Content-Sha256"))
					assert.Equal(t, []string{sessionToken}, got.Header.Values("X-Amz-Security-Token"))
					assert.NotContains(t, got.Header.Get("Authorization"), "AKIDVIRTUALKEY")
					for k, vs := range got.Header {
						for _, v := range vs {
							assert.NotContains(t, v, "sk-virtual-key", k)
							assert.NotContains(t, v, "virtual-token", k)
						}
					}
				})
			}
		}
	}
}

// verify checks the request's signature with sigv4test, an implementation
// of the published SigV4 algorithm written apart from the SDK's signer, and
// returns the parsed Authorization header and the canonical request.
func verify(t *testing.T, r sigv4test.Request) (sigv4test.Authorization, string) {
	t.Helper()
	require.Equal(t, signingTime.Format("20060102T150405Z"), r.Header.Get("X-Amz-Date"))
	a, canon, err := sigv4test.Verify(secretKey, r)
	require.NoError(t, err)
	require.Equal(t, accessKey, a.AccessKeyID)
	require.Equal(t, "bedrock", a.Service)
	return a, canon
}
