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
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
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

type recorded struct {
	Method, RequestURI, Host string
	Header                   http.Header
	Body                     []byte
	Length                   int64
}

type recorder struct {
	mu   sync.Mutex
	reqs []recorded
	srv  *httptest.Server
}

const converseReply = `{"output":{"message":{"role":"assistant","content":[{"text":"hello"}]}},"stopReason":"end_turn",` +
	`"usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2},"metrics":{"latencyMs":1}}`

func newRecorder(t *testing.T) *recorder {
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{r.Method, r.RequestURI, r.Host, r.Header.Clone(), body, r.ContentLength})
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/converse") {
			_, _ = io.WriteString(w, converseReply)
			return
		}
		_, _ = io.WriteString(w, `{"completion":"hello"}`)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) take(t *testing.T) recorded {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Len(t, rec.reqs, 1)
	r := rec.reqs[0]
	rec.reqs = nil
	return r
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
		Transport:     signer.RoundTripper(nil),
		FlushInterval: -1,
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
	gw := newGateway(t, rec.srv.URL)
	direct := newClient(rec.srv.URL, rec.srv.Client(), upstreamSigV4)

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

// verify checks the request's signature with an implementation of the
// published SigV4 algorithm and returns the parsed Authorization header and
// the canonical request.
func verify(t *testing.T, r recorded) (authHeader, string) {
	t.Helper()
	a := parseAuthorization(t, r.Header.Get("Authorization"))
	amzDate := r.Header.Get("X-Amz-Date")
	require.Equal(t, signingTime.Format("20060102T150405Z"), amzDate)
	canon := canonicalRequest(t, r, a)
	scope := a.Date + "/" + a.Region + "/" + a.Service + "/aws4_request"
	csum := sha256.Sum256([]byte(canon))
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(csum[:])
	k := hmacSHA256([]byte("AWS4"+secretKey), a.Date)
	k = hmacSHA256(k, a.Region)
	k = hmacSHA256(k, a.Service)
	k = hmacSHA256(k, "aws4_request")
	require.Equal(t, hex.EncodeToString(hmacSHA256(k, sts)), a.Signature, "signature over\n%s", canon)
	require.Equal(t, accessKey, a.AccessKey)
	require.Equal(t, "bedrock", a.Service)
	return a, canon
}

type authHeader struct {
	AccessKey, Date, Region, Service string
	SignedHeaders                    []string
	Signature                        string
}

func parseAuthorization(t *testing.T, v string) authHeader {
	t.Helper()
	rest, ok := strings.CutPrefix(v, "AWS4-HMAC-SHA256 ")
	require.True(t, ok, "SigV4 Authorization header")
	var a authHeader
	for _, part := range strings.Split(rest, ", ") {
		k, val, _ := strings.Cut(part, "=")
		switch k {
		case "Credential":
			f := strings.Split(val, "/")
			require.Len(t, f, 5)
			a.AccessKey, a.Date, a.Region, a.Service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(val, ";")
		case "Signature":
			a.Signature = val
		}
	}
	return a
}

func uriEncode(s string, keepSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' || (keepSlash && c == '/') {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

func canonicalRequest(t *testing.T, r recorded, a authHeader) string {
	t.Helper()
	path, rawQuery, _ := strings.Cut(r.RequestURI, "?")
	var pairs []string
	if rawQuery != "" {
		for _, kv := range strings.Split(rawQuery, "&") {
			k, v, _ := strings.Cut(kv, "=")
			dk, err := url.QueryUnescape(k)
			require.NoError(t, err)
			dv, err := url.QueryUnescape(v)
			require.NoError(t, err)
			pairs = append(pairs, uriEncode(dk, false)+"="+uriEncode(dv, false))
		}
	}
	sort.Strings(pairs)
	var hdrs strings.Builder
	for _, h := range a.SignedHeaders {
		var v string
		switch h {
		case "host":
			v = r.Host
		case "content-length":
			v = strconv.FormatInt(r.Length, 10)
		default:
			vals := r.Header.Values(h)
			require.NotEmpty(t, vals, "signed header %q not received", h)
			for i := range vals {
				vals[i] = strings.Join(strings.Fields(vals[i]), " ")
			}
			v = strings.Join(vals, ",")
		}
		hdrs.WriteString(h + ":" + v + "\n")
	}
	sum := sha256.Sum256(r.Body)
	return strings.Join([]string{
		r.Method, uriEncode(path, true), strings.Join(pairs, "&"),
		hdrs.String(), strings.Join(a.SignedHeaders, ";"), hex.EncodeToString(sum[:]),
	}, "\n")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
