package verify_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
	"github.com/modelgate/modelgate/bedrock/sigv4/verify"
)

// Requests are signed on the client side (by the AWS SDK's signer, or by
// hand for the published vectors), written to the wire and read back with
// http.ReadRequest, so the verifier sees what a server sees.

const (
	keyA     = "AKIAGATEWAYKEYA00001"
	secretA  = "gateway-secret-a/with+chars"
	keyB     = "AKIAGATEWAYKEYB00002"
	secretB  = "gateway-secret-b"
	keyTok   = "ASIAGATEWAYTOKEN0003"
	secretT  = "gateway-secret-token"
	tokenT   = "session-token-for-keyTok"
	keyNoSec = "AKIAGATEWAYNOSECRET4"
	host     = "gateway.example:8443"
	invoke   = "/bedrock/model/global.anthropic.claude-opus-4-7/invoke"
	body1    = `{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`
)

var signedAt = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func lookup(_ context.Context, id string) (verify.Credentials, error) {
	switch id {
	case keyA:
		return verify.Credentials{SecretAccessKey: secretA}, nil
	case keyB:
		return verify.Credentials{SecretAccessKey: secretB}, nil
	case keyTok:
		return verify.Credentials{SecretAccessKey: secretT, SessionToken: tokenT}, nil
	case keyNoSec:
		return verify.Credentials{}, verify.ErrNoSecret
	}
	return verify.Credentials{}, errors.New("no such key")
}

func newVerifier(t testing.TB, now time.Time) *verify.Verifier {
	t.Helper()
	v, err := verify.New(verify.Options{Lookup: lookup, Clock: func() time.Time { return now }})
	require.NoError(t, err)
	return v
}

// clientRequest is a request as the bedrockruntime client builds it.
func clientRequest(t testing.TB, method, target, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, "https://"+host+target, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req
}

func sdkSign(t testing.TB, req *http.Request, body string, id, secret, token, region, service string, at time.Time) {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token}
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, at))
}

// received writes req to the wire and reads it back as a server does.
func received(t testing.TB, req *http.Request) (*http.Request, []byte) {
	t.Helper()
	var wire bytes.Buffer
	require.NoError(t, req.Write(&wire))
	return receivedRaw(t, wire.Bytes())
}

func receivedRaw(t testing.TB, wire []byte) (*http.Request, []byte) {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
	require.NoError(t, err)
	body, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return r, body
}

// signedInvoke is a correctly signed InvokeModel request under keyA.
func signedInvoke(t testing.TB) *http.Request {
	req := clientRequest(t, "POST", invoke, body1)
	sdkSign(t, req, body1, keyA, secretA, "", "us-east-1", "bedrock", signedAt)
	return req
}

func TestPublishedVectors(t *testing.T) {
	at, err := time.Parse("20060102T150405Z", sigv4test.ExampleAmzDate)
	require.NoError(t, err)
	for _, vec := range sigv4test.Vectors() {
		t.Run(vec.Name, func(t *testing.T) {
			v, err := verify.New(verify.Options{
				Service: vec.Service,
				Clock:   func() time.Time { return at.Add(time.Minute) },
				Lookup: func(_ context.Context, id string) (verify.Credentials, error) {
					if id != sigv4test.ExampleAccessKeyID {
						return verify.Credentials{}, errors.New("unknown")
					}
					return verify.Credentials{SecretAccessKey: sigv4test.ExampleSecret}, nil
				},
			})
			require.NoError(t, err)
			wire := vec.Request.Method + " " + vec.Request.RequestURI + " HTTP/1.1\r\nHost: " + vec.Request.Host + "\r\n"
			for k, vs := range vec.Request.Header {
				for _, val := range vs {
					wire += k + ": " + val + "\r\n"
				}
			}
			r, body := receivedRaw(t, []byte(wire+"\r\n"))
			require.NoError(t, v.Verify(r, body))

			// The published signature with one digit changed does not verify.
			last := vec.Signature[len(vec.Signature)-1:]
			flip := map[string]string{"0": "1"}[last]
			if flip == "" {
				flip = "0"
			}
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), vec.Signature, vec.Signature[:63]+flip, 1))
			require.ErrorIs(t, v.Verify(r, body), verify.ErrInvalidSignature)
		})
	}
}

// Requests signed by the AWS SDK's own signer verify, over every shape
// a Bedrock client sends.
func TestSDKSignedRequestsVerify(t *testing.T) {
	v := newVerifier(t, signedAt.Add(90*time.Second))
	cases := []struct {
		name, method, target, body string
		id, secret, token          string
		header                     http.Header
	}{
		{name: "invoke", method: "POST", target: invoke, body: body1, id: keyA, secret: secretA},
		{name: "escaped colon in a model ID", method: "POST", target: "/model/anthropic.claude-v2%3A0/invoke", body: body1, id: keyA, secret: secretA},
		{name: "application profile ARN with an encoded slash", method: "POST",
			target: "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc/converse", body: `{}`, id: keyB, secret: secretB},
		{name: "query with spaces, slashes and a repeated name", method: "GET", target: "/async-invoke?nextToken=a%2Fb+c&maxResults=5&z=2&z=1", id: keyA, secret: secretA},
		{name: "header with runs of spaces and several values", method: "POST", target: "/model/m/invoke", body: "x", id: keyA, secret: secretA,
			header: http.Header{"X-Amzn-Bedrock-Guardrailidentifier": {"  g   1 "}, "X-Custom": {"a", "b  c"}}},
		{name: "session token", method: "POST", target: "/model/m/converse", body: `{}`, id: keyTok, secret: secretT, token: tokenT},
		{name: "empty body", method: "POST", target: "/model/m/invoke", id: keyA, secret: secretA},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := clientRequest(t, c.method, c.target, c.body)
			for k, vs := range c.header {
				req.Header[k] = vs
			}
			sdkSign(t, req, c.body, c.id, c.secret, c.token, "us-east-1", "bedrock", signedAt)
			r, body := received(t, req)
			s, err := v.Parse(r)
			require.NoError(t, err)
			assert.Equal(t, c.id, s.AccessKeyID)
			assert.Equal(t, "us-east-1", s.Region)
			assert.False(t, s.Presigned)
			assert.True(t, signedAt.Equal(s.Time))
			require.NoError(t, s.Verify(r, body))
			// A replay within the window verifies again, as at AWS.
			require.NoError(t, v.Verify(r, body))
		})
	}
}

func TestPresignedRequestsVerify(t *testing.T) {
	presign := func(t *testing.T, target string, expires time.Duration, token string) *http.Request {
		req := clientRequest(t, "GET", target, "")
		q := req.URL.Query()
		q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
		req.URL.RawQuery = q.Encode()
		creds := aws.Credentials{AccessKeyID: keyA, SecretAccessKey: secretA, SessionToken: token}
		if token != "" {
			creds.AccessKeyID, creds.SecretAccessKey = keyTok, secretT
		}
		sum := sha256.Sum256(nil)
		u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "bedrock", "us-east-1", signedAt)
		require.NoError(t, err)
		out, err := http.NewRequest("GET", u, nil)
		require.NoError(t, err)
		for k, vs := range hdr {
			if k != "Host" {
				out.Header[k] = vs
			}
		}
		return out
	}
	t.Run("valid", func(t *testing.T) {
		r, body := received(t, presign(t, "/async-invoke?maxResults=5", 15*time.Minute, ""))
		s, err := newVerifier(t, signedAt.Add(10*time.Minute)).Parse(r)
		require.NoError(t, err)
		assert.True(t, s.Presigned)
		require.NoError(t, s.Verify(r, body))
	})
	t.Run("valid with a session token in the query", func(t *testing.T) {
		r, body := received(t, presign(t, "/async-invoke", time.Minute, tokenT))
		require.NoError(t, newVerifier(t, signedAt).Verify(r, body))
	})
	t.Run("past X-Amz-Expires", func(t *testing.T) {
		r, body := received(t, presign(t, "/async-invoke", 15*time.Minute, ""))
		err := newVerifier(t, signedAt.Add(16*time.Minute)).Verify(r, body)
		requireAWS(t, err, verify.ErrSignatureExpired, "InvalidSignatureException", 403)
	})
	t.Run("query parameter added after presigning", func(t *testing.T) {
		req := presign(t, "/async-invoke", 15*time.Minute, "")
		req.URL.RawQuery += "&maxResults=1000"
		r, body := received(t, req)
		requireAWS(t, newVerifier(t, signedAt).Verify(r, body), verify.ErrInvalidSignature, "InvalidSignatureException", 403)
	})
	t.Run("X-Amz-Expires past seven days", func(t *testing.T) {
		req := presign(t, "/async-invoke", 15*time.Minute, "")
		req.URL.RawQuery = strings.Replace(req.URL.RawQuery, "X-Amz-Expires=900", "X-Amz-Expires=604801", 1)
		r, body := received(t, req)
		requireAWS(t, newVerifier(t, signedAt).Verify(r, body), verify.ErrIncompleteSignature, "IncompleteSignatureException", 400)
	})
	t.Run("presigned query and an Authorization header", func(t *testing.T) {
		req := presign(t, "/async-invoke", 15*time.Minute, "")
		sdkSign(t, req, "", keyB, secretB, "", "us-east-1", "bedrock", signedAt)
		r, body := received(t, req)
		requireAWS(t, newVerifier(t, signedAt).Verify(r, body), verify.ErrIncompleteSignature, "IncompleteSignatureException", 400)
	})
}

// requireAWS checks the category, the AWS error type and status of a
// refusal, and that its message gives nothing away.
func requireAWS(t *testing.T, err error, sentinel error, code string, status int) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, sentinel)
	var ve *verify.Error
	require.True(t, errors.As(err, &ve), "want *verify.Error, got %T", err)
	assert.Equal(t, code, ve.Code)
	assert.Equal(t, status, ve.Status)
	assert.NotEmpty(t, ve.Message)
	for _, secret := range []string{secretA, secretB, secretT, tokenT} {
		assert.NotContains(t, err.Error(), secret)
	}
	assert.NotContains(t, err.Error(), "AWS4-HMAC-SHA256\n", "no string to sign")
	assert.NotContains(t, err.Error(), "Signature=")
}

// Each case changes one thing of a correctly signed request, as an attacker
// who saw it (or holds another key) would; every one is refused with the
// AWS error type an AWS service answers with.
func TestTamperedRequestsAreRefused(t *testing.T) {
	now := signedAt.Add(time.Minute)
	type tc struct {
		name     string
		build    func(t *testing.T) *http.Request // client side, before the wire
		received func(r *http.Request, body []byte) []byte
		sentinel error
		code     string
		status   int
	}
	signed := func(mut func(req *http.Request)) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			req := signedInvoke(t)
			mut(req)
			return req
		}
	}
	signWith := func(target, body, id, secret, token, region, service string, at time.Time, pre func(*http.Request)) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			req := clientRequest(t, "POST", target, body)
			if pre != nil {
				pre(req)
			}
			sdkSign(t, req, body, id, secret, token, region, service, at)
			return req
		}
	}
	setAuth := func(f func(string) string) func(*http.Request) {
		return func(req *http.Request) { req.Header.Set("Authorization", f(req.Header.Get("Authorization"))) }
	}
	const invalidSig, incompleteSig, expiredSig = "InvalidSignatureException", "IncompleteSignatureException", "InvalidSignatureException"
	cases := []tc{
		{name: "model in the path swapped after signing", build: signed(func(req *http.Request) {
			req.URL.Path = "/bedrock/model/global.anthropic.claude-haiku-4-5/invoke"
		}), sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "path swapped to another operation", build: signed(func(req *http.Request) {
			req.URL.Path = "/bedrock/model/global.anthropic.claude-opus-4-7/invoke-with-response-stream"
		}), sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "path escaped differently after signing", build: signed(func(req *http.Request) {
			req.URL.RawPath = "/bedrock/model/global.anthropic.claude%2Dopus-4-7/invoke"
		}), sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "query parameter added", build: signed(func(req *http.Request) { req.URL.RawQuery = "trace=1" }),
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "signed header changed", build: signed(func(req *http.Request) { req.Header.Set("Content-Type", "text/plain") }),
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "signed header removed", build: signed(func(req *http.Request) { req.Header.Del("Accept") }),
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "signed header repeated", build: signed(func(req *http.Request) { req.Header.Add("Accept", "text/event-stream") }),
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "body changed, same length", received: func(_ *http.Request, b []byte) []byte {
			return bytes.Replace(b, []byte(`"max_tokens":16`), []byte(`"max_tokens":99`), 1)
		}, sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "host changed", build: signed(func(req *http.Request) { req.Host = "other.example" }),
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "method changed", build: signed(func(req *http.Request) { req.Method = "PUT" }),
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "stale date, six minutes old", build: signWith(invoke, body1, keyA, secretA, "", "us-east-1", "bedrock", now.Add(-6*time.Minute), nil),
			sentinel: verify.ErrSignatureExpired, code: expiredSig, status: 403},
		{name: "future date, six minutes ahead", build: signWith(invoke, body1, keyA, secretA, "", "us-east-1", "bedrock", now.Add(6*time.Minute), nil),
			sentinel: verify.ErrSignatureExpired, code: expiredSig, status: 403},
		{name: "X-Amz-Date moved within the window after signing", build: signed(func(req *http.Request) {
			req.Header.Set("X-Amz-Date", signedAt.Add(time.Second).Format("20060102T150405Z"))
		}), sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "scope date other than X-Amz-Date", build: signed(setAuth(func(a string) string {
			return strings.Replace(a, "/20260304/", "/20260305/", 1)
		})), sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "other service in the scope", build: signWith(invoke, body1, keyA, secretA, "", "us-east-1", "s3", signedAt, nil),
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "region that is not a Region in the scope", build: signWith(invoke, body1, keyA, secretA, "", "us-east-1/x", "bedrock", signedAt, nil),
			sentinel: verify.ErrIncompleteSignature, code: incompleteSig, status: 400},
		{name: "scope region swapped after signing", build: signed(setAuth(func(a string) string {
			return strings.Replace(a, "/us-east-1/", "/us-west-2/", 1)
		})), sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "one key's ID with another key's secret", build: signWith(invoke, body1, keyA, secretB, "", "us-east-1", "bedrock", signedAt, nil),
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "unknown access key ID", build: signWith(invoke, body1, "AKIAUNKNOWN000000000", secretA, "", "us-east-1", "bedrock", signedAt, nil),
			sentinel: verify.ErrUnrecognizedClient, code: "UnrecognizedClientException", status: 403},
		{name: "access key ID known without a secret", build: signWith(invoke, body1, keyNoSec, "anything", "", "us-east-1", "bedrock", signedAt, nil),
			sentinel: verify.ErrNoSecret, code: "UnrecognizedClientException", status: 403},
		{name: "duplicated Authorization", build: signed(func(req *http.Request) { req.Header.Add("Authorization", req.Header.Get("Authorization")) }),
			sentinel: verify.ErrIncompleteSignature, code: incompleteSig, status: 400},
		{name: "Authorization without Signature", build: signed(setAuth(func(a string) string { return a[:strings.Index(a, ", Signature=")] })),
			sentinel: verify.ErrIncompleteSignature, code: incompleteSig, status: 400},
		{name: "Signature in upper-case hex", build: signed(setAuth(func(a string) string {
			i := strings.Index(a, "Signature=") + len("Signature=")
			return a[:i] + strings.ToUpper(a[i:])
		})), sentinel: verify.ErrIncompleteSignature, code: incompleteSig, status: 400},
		{name: "host not among the signed headers", build: signed(setAuth(func(a string) string { return strings.Replace(a, "host;", "", 1) })),
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "x-amz-date not among the signed headers", build: signed(setAuth(func(a string) string { return strings.Replace(a, ";x-amz-date", "", 1) })),
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "no X-Amz-Date", build: signed(func(req *http.Request) { req.Header.Del("X-Amz-Date") }),
			sentinel: verify.ErrIncompleteSignature, code: incompleteSig, status: 400},
		{name: "Date header instead of X-Amz-Date", build: signed(func(req *http.Request) {
			req.Header.Del("X-Amz-Date")
			req.Header.Set("Date", signedAt.Format(http.TimeFormat))
		}), sentinel: verify.ErrUnsupported, code: invalidSig, status: 400},
		{name: "SigV4a algorithm", build: signed(setAuth(func(a string) string { return strings.Replace(a, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1) })),
			sentinel: verify.ErrUnsupported, code: invalidSig, status: 400},
		{name: "UNSIGNED-PAYLOAD", build: signWith(invoke, body1, keyA, secretA, "", "us-east-1", "bedrock", signedAt, func(req *http.Request) {
			req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		}), sentinel: verify.ErrUnsupported, code: invalidSig, status: 400},
		{name: "event-stream payload signing", build: signWith(invoke, body1, keyA, secretA, "", "us-east-1", "bedrock", signedAt, func(req *http.Request) {
			req.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-EVENTS")
		}), sentinel: verify.ErrUnsupported, code: invalidSig, status: 400},
		{name: "payload hash header of another body", build: signWith(invoke, body1, keyA, secretA, "", "us-east-1", "bedrock", signedAt, func(req *http.Request) {
			sum := sha256.Sum256([]byte("another body"))
			req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		}), sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "payload hash header added unsigned", build: signed(func(req *http.Request) {
			sum := sha256.Sum256([]byte(body1))
			req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		}), sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "session token added unsigned", build: signed(func(req *http.Request) { req.Header.Set("X-Amz-Security-Token", tokenT) }),
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "wrong session token", build: signWith(invoke, body1, keyTok, secretT, "another-token", "us-east-1", "bedrock", signedAt, nil),
			sentinel: verify.ErrUnrecognizedClient, code: "UnrecognizedClientException", status: 403},
		{name: "session token missing for a key that has one", build: signWith(invoke, body1, keyTok, secretT, "", "us-east-1", "bedrock", signedAt, nil),
			sentinel: verify.ErrUnrecognizedClient, code: "UnrecognizedClientException", status: 403},
		{name: "session token on a key without one", build: signWith(invoke, body1, keyA, secretA, tokenT, "us-east-1", "bedrock", signedAt, nil),
			sentinel: verify.ErrUnrecognizedClient, code: "UnrecognizedClientException", status: 403},
		{name: "empty query parameter inserted after signing", build: func(t *testing.T) *http.Request {
			req := signWith(invoke+"?a=1&b=2", body1, keyA, secretA, "", "us-east-1", "bedrock", signedAt, nil)(t)
			req.URL.RawQuery = "a=1&&b=2"
			return req
		},
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "trailing empty query parameter appended after signing", build: func(t *testing.T) *http.Request {
			req := signWith(invoke+"?a=1&b=2", body1, keyA, secretA, "", "us-east-1", "bedrock", signedAt, nil)(t)
			req.URL.RawQuery = "a=1&b=2&"
			return req
		},
			sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
		{name: "signed header value with a tab", build: signWith(invoke, body1, keyA, secretA, "", "us-east-1", "bedrock", signedAt, func(req *http.Request) {
			req.Header.Set("X-Amzn-Bedrock-Trace", "a\tb")
		}), sentinel: verify.ErrInvalidSignature, code: invalidSig, status: 403},
	}
	v := newVerifier(t, now)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			build := c.build
			if build == nil {
				build = signed(func(*http.Request) {})
			}
			r, body := received(t, build(t))
			if c.received != nil {
				body = c.received(r, body)
			}
			requireAWS(t, v.Verify(r, body), c.sentinel, c.code, c.status)
		})
	}
	t.Run("untampered request verifies", func(t *testing.T) {
		r, body := received(t, signedInvoke(t))
		require.NoError(t, v.Verify(r, body))
	})
}

// A handler that changed the URL after the request arrived (a prefix
// stripped, a path re-encoded) no longer acts on the bytes the client
// signed; the verifier refuses rather than verify one and pass on another.
func TestURLChangedAfterReceiptIsRefused(t *testing.T) {
	r, body := received(t, signedInvoke(t))
	r.URL.Path = strings.TrimPrefix(r.URL.Path, "/bedrock")
	r.URL.RawPath = ""
	requireAWS(t, newVerifier(t, signedAt).Verify(r, body), verify.ErrInvalidSignature, "InvalidSignatureException", 403)
}

func TestExpiredMessagesUseAWSWording(t *testing.T) {
	r, body := received(t, signedInvoke(t))
	err := newVerifier(t, signedAt.Add(10*time.Minute)).Verify(r, body)
	var ve *verify.Error
	require.True(t, errors.As(err, &ve))
	assert.Equal(t, "Signature expired: 20260304T050607Z is now earlier than 20260304T051107Z (20260304T051607Z - 5 min.)", ve.Message)

	err = newVerifier(t, signedAt.Add(-10*time.Minute)).Verify(r, body)
	require.True(t, errors.As(err, &ve))
	assert.Equal(t, "Signature not yet current: 20260304T050607Z is still later than 20260304T050107Z (20260304T045607Z + 5 min.)", ve.Message)

	// Exactly five minutes either way is inside the window.
	require.NoError(t, newVerifier(t, signedAt.Add(5*time.Minute)).Verify(r, body))
	require.NoError(t, newVerifier(t, signedAt.Add(-5*time.Minute)).Verify(r, body))
}

func TestRegionsRestrictTheScope(t *testing.T) {
	v, err := verify.New(verify.Options{Lookup: lookup, Regions: []string{"eu-west-1"}, Clock: func() time.Time { return signedAt }})
	require.NoError(t, err)
	r, body := received(t, signedInvoke(t)) // signed for us-east-1
	requireAWS(t, v.Verify(r, body), verify.ErrInvalidSignature, "InvalidSignatureException", 403)

	req := clientRequest(t, "POST", invoke, body1)
	sdkSign(t, req, body1, keyA, secretA, "", "eu-west-1", "bedrock", signedAt)
	r, body = received(t, req)
	require.NoError(t, v.Verify(r, body))
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, o := range map[string]verify.Options{
		"no lookup":          {},
		"bad region":         {Lookup: lookup, Regions: []string{"US-EAST-1"}},
		"negative skew":      {Lookup: lookup, MaxSkew: -time.Second},
		"skew over one hour": {Lookup: lookup, MaxSkew: 2 * time.Hour},
		"service with slash": {Lookup: lookup, Service: "bedrock/x"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := verify.New(o)
			require.Error(t, err)
		})
	}
}

func TestSignatureFormatHidesSecrets(t *testing.T) {
	r, _ := received(t, signedInvoke(t))
	s, err := newVerifier(t, signedAt).Parse(r)
	require.NoError(t, err)
	sig := r.Header.Get("Authorization")[strings.Index(r.Header.Get("Authorization"), "Signature=")+10:]
	for _, out := range []string{s.String(), fmt.Sprintf("%v %+v %#v %s %d %x", s, s, s, s, s, s)} {
		assert.NotContains(t, out, secretA)
		assert.NotContains(t, out, sig)
		assert.Contains(t, out, "us-east-1")
	}
}
