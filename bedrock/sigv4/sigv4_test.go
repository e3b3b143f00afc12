package sigv4_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock/sigv4"
	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
)

const (
	accessKey    = "AKIDEXAMPLEGATEWAY"
	secretKey    = "gateway-secret-key-0123456789abcdefghij"
	sessionToken = "gateway-session-token"
)

var fixedTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func staticCreds(token string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey, SessionToken: token, Source: "test"}, nil
	})
}

func newSigner(t *testing.T, endpoint string, mod ...func(*sigv4.Options)) *sigv4.Signer {
	t.Helper()
	o := sigv4.Options{
		Region:      "us-east-1",
		Credentials: staticCreds(sessionToken),
		Endpoint:    endpoint,
		Clock:       func() time.Time { return fixedTime },
	}
	for _, m := range mod {
		m(&o)
	}
	s, err := sigv4.New(o)
	require.NoError(t, err)
	return s
}

// newGateway is a minimal passthrough: strip the /bedrock prefix (keeping
// the escaped form), then sign and forward.
func newGateway(t *testing.T, s *sigv4.Signer) *httptest.Server {
	t.Helper()
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			escaped := strings.TrimPrefix(pr.In.URL.EscapedPath(), "/bedrock")
			dec, err := url.PathUnescape(escaped)
			require.NoError(t, err)
			pr.Out.URL.Path, pr.Out.URL.RawPath = dec, escaped
		},
		Transport: s.RoundTripper(nil),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, sigv4.ErrBodyTooLarge) {
				w.WriteHeader(http.StatusRequestEntityTooLarge)
				return
			}
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	gw := httptest.NewServer(proxy)
	t.Cleanup(gw.Close)
	return gw
}

// clientRequest sends a raw request line so the test controls every path
// byte, as an attacker would.
func clientRequest(t *testing.T, gw *httptest.Server, method, target string, hdr map[string]string, body string) *http.Response {
	t.Helper()
	u, err := url.Parse(gw.URL)
	require.NoError(t, err)
	var b strings.Builder
	b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: " + u.Host + "\r\n")
	for k, v := range hdr {
		b.WriteString(k + ": " + v + "\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n" + body)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	_, err = conn.Write([]byte(b.String()))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	return resp
}

func TestSignedForwardMatchesAWSCanonicalForm(t *testing.T) {
	cases := []struct {
		name      string
		target    string // request target the client sends to the gateway
		wireURI   string // what the upstream must receive
		canonical string // canonical URI AWS will compute
	}{
		{
			name:      "literal colon in base ID",
			target:    "/bedrock/model/anthropic.claude-3-5-sonnet-20241022-v2:0/invoke",
			wireURI:   "/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke",
			canonical: "/model/anthropic.claude-3-5-sonnet-20241022-v2%253A0/invoke",
		},
		{
			name:      "SDK-escaped colon in geo profile",
			target:    "/bedrock/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse",
			wireURI:   "/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse",
			canonical: "/model/us.anthropic.claude-3-5-sonnet-20241022-v2%253A0/converse",
		},
		{
			name:      "lower-case hex escape",
			target:    "/bedrock/model/global.anthropic.claude-sonnet-4-5-20250929-v1%3a0/converse-stream",
			wireURI:   "/model/global.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream",
			canonical: "/model/global.anthropic.claude-sonnet-4-5-20250929-v1%253A0/converse-stream",
		},
		{
			name:      "application profile ARN with encoded slash",
			target:    "/bedrock/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc123xyz/invoke",
			wireURI:   "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc123xyz/invoke",
			canonical: "/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A123456789012%253Aapplication-inference-profile%252Fabc123xyz/invoke",
		},
		{
			name:      "needlessly escaped letters",
			target:    "/bedrock/model/%61nthropic.claude-v2/invoke",
			wireURI:   "/model/anthropic.claude-v2/invoke",
			canonical: "/model/anthropic.claude-v2/invoke",
		},
		{
			name:      "double-encoded percent stays a literal percent",
			target:    "/bedrock/model/anthropic.claude-v2%253A0/invoke",
			wireURI:   "/model/anthropic.claude-v2%253A0/invoke",
			canonical: "/model/anthropic.claude-v2%25253A0/invoke",
		},
		{
			name:      "plus and sub-delims are escaped",
			target:    "/bedrock/model/a+b!c/invoke",
			wireURI:   "/model/a%2Bb%21c/invoke",
			canonical: "/model/a%252Bb%2521c/invoke",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t)
			gw := newGateway(t, newSigner(t, rec.URL))
			body := `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`
			resp := clientRequest(t, gw, http.MethodPost, tc.target, map[string]string{
				"Authorization":         "Bearer sk-virtual-key",
				"X-Api-Key":             "sk-virtual-key",
				"X-Litellm-Api-Key":     "sk-virtual-key",
				"Cookie":                "session=abc",
				"Proxy-Authorization":   "Basic dXNlcjpwYXNz",
				"X-Amz-Date":            "19990101T000000Z",
				"X-Amz-Security-Token":  "client-session-token",
				"X-Amz-Content-Sha256":  "UNSIGNED-PAYLOAD",
				"X-Amz-Credential":      "AKIDCLIENT/19990101/us-east-1/bedrock/aws4_request",
				"X-Amzn-Bedrock-Trace":  "ENABLED",
				"Content-Type":          "application/json",
				"Accept":                "application/json",
				"Accept-Encoding":       "gzip",
				"User-Agent":            "test-client/1.0",
				"Amz-Sdk-Invocation-Id": "11111111-2222-3333-4444-555555555555",
			}, body)
			require.Equal(t, http.StatusOK, resp.StatusCode)

			got := rec.only(t)
			assert.Equal(t, tc.wireURI, got.RequestURI)
			assert.Equal(t, strings.TrimPrefix(rec.URL, "http://"), got.Host)
			assert.Equal(t, body, string(got.Body))
			assert.Equal(t, int64(len(body)), got.ContentLength)

			// Client credentials never survive.
			for _, h := range []string{"X-Api-Key", "X-Litellm-Api-Key", "Cookie", "Proxy-Authorization", "X-Amz-Content-Sha256", "X-Amz-Credential"} {
				assert.Empty(t, got.Header.Values(h), h)
			}
			assert.Equal(t, []string{"20240102T030405Z"}, got.Header.Values("X-Amz-Date"))
			assert.Equal(t, []string{sessionToken}, got.Header.Values("X-Amz-Security-Token"))
			assert.Equal(t, "ENABLED", got.Header.Get("X-Amzn-Bedrock-Trace"))
			assert.Equal(t, "gzip", got.Header.Get("Accept-Encoding"), "sent, though unsigned")

			a, canon := verify(t, got, secretKey)
			assert.Equal(t, accessKey, a.AccessKeyID)
			assert.Equal(t, "20240102", a.Date)
			assert.Equal(t, "us-east-1", a.Region)
			assert.Equal(t, "bedrock", a.Service)
			assert.Equal(t, []string{"accept", "amz-sdk-invocation-id", "content-length", "content-type", "host",
				"x-amz-date", "x-amz-security-token", "x-amzn-bedrock-trace"}, a.SignedHeaders)
			assert.Equal(t, tc.canonical, strings.Split(canon, "\n")[1])
		})
	}
}

func TestRejectsPathsThatWouldChangeMeaning(t *testing.T) {
	cases := []struct {
		name      string
		path, raw string
		opaque    string
	}{
		{name: "dot-dot segment", path: "/model/../invoke"},
		{name: "encoded dot-dot segment", path: "/model/../invoke", raw: "/model/%2E%2E/invoke"},
		{name: "dot segment", path: "/model/./invoke"},
		{name: "double slash", path: "/model//invoke"},
		{name: "trailing slash", path: "/model/anthropic.claude-v2/invoke/"},
		{name: "relative path", path: "model/anthropic.claude-v2/invoke"},
		{name: "opaque URL", opaque: "//example.com/model/x/invoke"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t)
			s := newSigner(t, rec.URL)
			req, err := http.NewRequest(http.MethodPost, rec.URL+"/", strings.NewReader("{}"))
			require.NoError(t, err)
			req.URL.Path, req.URL.RawPath, req.URL.Opaque = tc.path, tc.raw, tc.opaque
			resp, err := s.RoundTripper(nil).RoundTrip(req)
			if resp != nil {
				resp.Body.Close()
			}
			require.ErrorIs(t, err, sigv4.ErrInvalidPath)
			assert.Zero(t, rec.count(), "nothing reaches the upstream")
		})
	}
}

type trackingBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *trackingBody) Close() error { b.closed.Store(true); return nil }

func TestBodyLimit(t *testing.T) {
	cases := []struct {
		name        string
		body        string
		knownLength bool
		wantErr     error
		declared    int64 // overrides the declared length when non-zero
	}{
		{name: "body longer than declared", body: "12345", knownLength: true, declared: 3, wantErr: sigv4.ErrBody},
		{name: "body shorter than declared", body: "12345", knownLength: true, declared: 8, wantErr: sigv4.ErrBody},
		{name: "declared length over limit", body: "12345678901", knownLength: true, wantErr: sigv4.ErrBodyTooLarge},
		{name: "undeclared length over limit", body: "12345678901", wantErr: sigv4.ErrBodyTooLarge},
		{name: "exactly the limit, undeclared", body: "1234567890"},
		{name: "exactly the limit, declared", body: "1234567890", knownLength: true},
		{name: "empty body", body: "", knownLength: true},
	}
	// Each case twice: a body read once (buffered by the signer) and a
	// body that can replay itself (GetBody: hashed from one replay, sent
	// from another), which must fail and pass alike.
	for _, replayable := range []bool{false, true} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/replayable=%t", tc.name, replayable), func(t *testing.T) {
				testBodyLimit(t, tc.body, tc.knownLength, tc.declared, replayable, tc.wantErr)
			})
		}
	}
}

func testBodyLimit(t *testing.T, content string, knownLength bool, declared int64, replayable bool, wantErr error) {
	rec := newRecorder(t)
	s := newSigner(t, rec.URL, func(o *sigv4.Options) { o.MaxBodyBytes = 10 })
	body := &trackingBody{Reader: strings.NewReader(content)}
	req, err := http.NewRequest(http.MethodPost, rec.URL+"/model/anthropic.claude-v2/invoke", body)
	require.NoError(t, err)
	var replays []*trackingBody
	if replayable {
		req.GetBody = func() (io.ReadCloser, error) {
			b := &trackingBody{Reader: strings.NewReader(content)}
			replays = append(replays, b)
			return b, nil
		}
	}
	if knownLength {
		req.ContentLength = int64(len(content))
		if declared != 0 {
			req.ContentLength = declared
		}
	} else {
		req.ContentLength = -1
	}
	resp, err := s.RoundTripper(nil).RoundTrip(req)
	assert.True(t, body.closed.Load(), "the request body is closed")
	for _, b := range replays {
		assert.True(t, b.closed.Load(), "every replay is closed")
	}
	if got, ok := sent(t, rec, resp, err, wantErr, content); ok {
		verify(t, got, secretKey)
	}
}

// sent checks how a RoundTrip ended: refused with wantErr and nothing
// sent, or sent with content as the body; ok reports which, and got is
// what the upstream received.
func sent(t *testing.T, rec recorder, resp *http.Response, err, wantErr error, content string) (got sigv4test.Request, ok bool) {
	t.Helper()
	if wantErr != nil {
		require.ErrorIs(t, err, wantErr)
		assert.Zero(t, rec.count())
		return got, false
	}
	require.NoError(t, err)
	resp.Body.Close()
	got = rec.only(t)
	assert.Equal(t, content, string(got.Body))
	return got, true
}

// TestReplayableBodyIsNotCopied: a body that can replay itself, as
// http.NewRequest's over a bytes.Reader and the middleware's buffered body
// can, is signed without a copy of its own (the body is in memory once),
// and the signature is the one of the same bytes read once and buffered.
func TestReplayableBodyIsNotCopied(t *testing.T) {
	rec := newRecorder(t)
	s := newSigner(t, rec.URL)
	content := bytes.Repeat([]byte(`{"messages":[]} `), 1<<16) // 1 MiB
	newReq := func(replayable bool) *http.Request {
		req, err := http.NewRequest(http.MethodPost, rec.URL+"/model/anthropic.claude-v2/invoke", bytes.NewReader(content))
		require.NoError(t, err)
		if !replayable {
			req.GetBody = nil
		}
		return req
	}

	buffered, replayed := newReq(false), newReq(true)
	require.NoError(t, s.Sign(buffered))
	require.NoError(t, s.Sign(replayed))
	assert.Equal(t, buffered.Header.Get("Authorization"), replayed.Header.Get("Authorization"))
	sent, err := io.ReadAll(replayed.Body)
	require.NoError(t, err)
	assert.Equal(t, content, sent)

	allocated := func(replayable bool) uint64 {
		const n = 8
		reqs := make([]*http.Request, n)
		for i := range reqs {
			reqs[i] = newReq(replayable)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for _, req := range reqs {
			if err := s.Sign(req); err != nil {
				t.Fatal(err)
			}
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / n
	}
	assert.GreaterOrEqual(t, allocated(false), uint64(len(content)), "the buffered path copies the body")
	assert.Less(t, allocated(true), uint64(len(content)/16), "a replayable body is not copied")

	resp, err := s.RoundTripper(nil).RoundTrip(newReq(true))
	require.NoError(t, err)
	resp.Body.Close()
	got := rec.only(t)
	assert.Equal(t, content, got.Body)
	verify(t, got, secretKey)
}

// TestReplayIsSignedNotTheUnreadRest: a body read from before it reaches
// the signer is signed and sent whole, from its replays, so the signature
// covers exactly the bytes sent.
func TestReplayIsSignedNotTheUnreadRest(t *testing.T) {
	rec := newRecorder(t)
	s := newSigner(t, rec.URL)
	req, err := http.NewRequest(http.MethodPost, rec.URL+"/model/anthropic.claude-v2/invoke", strings.NewReader(`{"prompt":"hello"}`))
	require.NoError(t, err)
	_, err = io.ReadFull(req.Body, make([]byte, 5))
	require.NoError(t, err)
	resp, err := s.RoundTripper(nil).RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	got := rec.only(t)
	assert.Equal(t, `{"prompt":"hello"}`, string(got.Body))
	verify(t, got, secretKey)
}

func TestBodyTooLargeThroughProxyIs413(t *testing.T) {
	rec := newRecorder(t)
	gw := newGateway(t, newSigner(t, rec.URL, func(o *sigv4.Options) { o.MaxBodyBytes = 4 }))
	resp := clientRequest(t, gw, http.MethodPost, "/bedrock/model/anthropic.claude-v2/invoke", nil, "too long")
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Zero(t, rec.count())
}

func TestQueryCredentialsRemoved(t *testing.T) {
	rec := newRecorder(t)
	s := newSigner(t, rec.URL)
	req, err := http.NewRequest(http.MethodGet, rec.URL+
		"/async-invoke?X-Amz-Signature=abc&x-amz-credential=AKIDCLIENT&X-Amz-Security-Token=t&key=sk-1&api-key=sk-2&maxResults=5&nextToken=a%2Fb+c", nil)
	require.NoError(t, err)
	resp, err := s.RoundTripper(nil).RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	got := rec.only(t)
	assert.Equal(t, "/async-invoke?maxResults=5&nextToken=a%2Fb%20c", got.RequestURI)
	_, canon := verify(t, got, secretKey)
	assert.Equal(t, "maxResults=5&nextToken=a%2Fb%20c", strings.Split(canon, "\n")[2])

	req, err = http.NewRequest(http.MethodGet, rec.URL+"/async-invoke?a=%zz", nil)
	require.NoError(t, err)
	_, err = s.RoundTripper(nil).RoundTrip(req)
	assert.ErrorIs(t, err, sigv4.ErrInvalidQuery)
}

func TestStreamingResponseIsNotBuffered(t *testing.T) {
	release := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
		_, _ = w.Write([]byte("event-1\n"))
		w.(http.Flusher).Flush()
		<-release
		_, _ = w.Write([]byte("event-2\n"))
	}))
	defer upstream.Close()
	defer close(release)
	gw := newGateway(t, newSigner(t, upstream.URL))

	resp := clientRequest(t, gw, http.MethodPost, "/bedrock/model/anthropic.claude-v2/invoke-with-response-stream", nil, "{}")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	first := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(resp.Body).ReadString('\n')
		first <- line
	}()
	select {
	case line := <-first:
		assert.Equal(t, "event-1\n", line)
	case <-time.After(5 * time.Second):
		t.Fatal("the first event did not arrive before the stream ended: the response is buffered")
	}
}

func TestCallerRequestIsNotModified(t *testing.T) {
	rec := newRecorder(t)
	s := newSigner(t, rec.URL)
	req, err := http.NewRequest(http.MethodPost, "http://gateway.invalid/model/anthropic.claude-v2:0/invoke", strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer sk-virtual")
	resp, err := s.RoundTripper(nil).RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "Bearer sk-virtual", req.Header.Get("Authorization"))
	assert.Equal(t, "gateway.invalid", req.URL.Host)
	assert.Empty(t, req.Header.Get("X-Amz-Date"))
	verify(t, rec.only(t), secretKey)
}

func TestCredentialsAreCachedAndErrorsDoNotLeak(t *testing.T) {
	rec := newRecorder(t)
	var calls atomic.Int32
	s := newSigner(t, rec.URL, func(o *sigv4.Options) {
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			calls.Add(1)
			return aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}, nil
		})
	})
	rt := s.RoundTripper(nil)
	for range 5 {
		req, err := http.NewRequest(http.MethodPost, rec.URL+"/model/anthropic.claude-v2/invoke", strings.NewReader("{}"))
		require.NoError(t, err)
		resp, err := rt.RoundTrip(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	assert.Equal(t, int32(1), calls.Load(), "credentials are retrieved once, not per request")
	for _, r := range rec.Requests() {
		assert.Empty(t, r.Header.Values("X-Amz-Security-Token"), "no session token when the credentials have none")
		verify(t, r, secretKey)
	}

	failing := newSigner(t, rec.URL, func(o *sigv4.Options) {
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, errors.New("no credentials configured")
		})
	})
	req, err := http.NewRequest(http.MethodPost, rec.URL+"/model/anthropic.claude-v2/invoke", strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer sk-virtual-secret")
	_, err = failing.RoundTripper(nil).RoundTrip(req)
	require.ErrorIs(t, err, sigv4.ErrCredentials)
	assert.NotContains(t, err.Error(), "sk-virtual-secret")
	assert.Equal(t, 5, rec.count())
}

func TestRemoveHeaders(t *testing.T) {
	rec := newRecorder(t)
	s := newSigner(t, rec.URL, func(o *sigv4.Options) { o.RemoveHeaders = []string{"x-gateway-team"} })
	req, err := http.NewRequest(http.MethodPost, rec.URL+"/model/anthropic.claude-v2/invoke", strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header["X-Gateway-Team"] = []string{"alpha"}
	req.Header["x-api-key"] = []string{"non-canonical key spelling"}
	req.Header["x-amz-date"] = []string{"19990101T000000Z"}
	resp, err := s.RoundTripper(nil).RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	got := rec.only(t)
	assert.Empty(t, got.Header.Values("X-Gateway-Team"))
	assert.Empty(t, got.Header.Values("X-Api-Key"))
	assert.Equal(t, []string{"20240102T030405Z"}, got.Header.Values("X-Amz-Date"))
	verify(t, got, secretKey)
}

func TestDefaultEndpoint(t *testing.T) {
	s, err := sigv4.New(sigv4.Options{Region: "eu-west-1", Credentials: staticCreds(""), Clock: func() time.Time { return fixedTime }})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "http://gateway.invalid/bedrock/x", bytes.NewReader([]byte("{}")))
	require.NoError(t, err)
	req.URL.Path = "/model/eu.anthropic.claude-v2:0/converse"
	require.NoError(t, s.Sign(req))
	assert.Equal(t, "https://bedrock-runtime.eu-west-1.amazonaws.com/model/eu.anthropic.claude-v2%3A0/converse", req.URL.String())
	assert.Equal(t, "bedrock-runtime.eu-west-1.amazonaws.com", req.Host)
	assert.Contains(t, req.Header.Get("Authorization"), "/20240102/eu-west-1/bedrock/aws4_request")
}

func TestNewRejectsBadOptions(t *testing.T) {
	good := sigv4.Options{Region: "us-east-1", Credentials: staticCreds("")}
	cases := map[string]func(*sigv4.Options){
		"empty region":             func(o *sigv4.Options) { o.Region = "" },
		"region with a host part":  func(o *sigv4.Options) { o.Region = "us-east-1.evil.example" },
		"region without a number":  func(o *sigv4.Options) { o.Region = "local" },
		"region upper case":        func(o *sigv4.Options) { o.Region = "US-EAST-1" },
		"nil credentials":          func(o *sigv4.Options) { o.Credentials = nil },
		"negative body limit":      func(o *sigv4.Options) { o.MaxBodyBytes = -1 },
		"endpoint with a path":     func(o *sigv4.Options) { o.Endpoint = "https://example.com/prefix" },
		"endpoint with user info":  func(o *sigv4.Options) { o.Endpoint = "https://user:pw@example.com" },
		"endpoint with query":      func(o *sigv4.Options) { o.Endpoint = "https://example.com?x=1" },
		"endpoint without scheme":  func(o *sigv4.Options) { o.Endpoint = "example.com" },
		"endpoint with ftp scheme": func(o *sigv4.Options) { o.Endpoint = "ftp://example.com" },
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			o := good
			mod(&o)
			_, err := sigv4.New(o)
			require.ErrorIs(t, err, sigv4.ErrInvalidOptions)
			assert.NotContains(t, err.Error(), "pw@")
		})
	}
	_, err := sigv4.New(good)
	require.NoError(t, err)
}

func TestConcurrentUse(t *testing.T) {
	rec := newRecorder(t)
	rt := newSigner(t, rec.URL).RoundTripper(nil)
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			body := strings.Repeat("x", i+1)
			req, err := http.NewRequest(http.MethodPost, rec.URL+"/model/anthropic.claude-v2:0/invoke", strings.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			resp, err := rt.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	for range 16 {
		require.NoError(t, <-errs)
	}
	require.Equal(t, 16, rec.count())
	for _, r := range rec.Requests() {
		verify(t, r, secretKey)
	}
}

// summedBody is a body that knows its SHA-256, as the modelacl
// middleware's does after verifying a SigV4 signature over it.
type summedBody struct {
	*bytes.Reader
	sum [sha256.Size]byte
	ok  bool
}

func (b *summedBody) Close() error                                  { return nil }
func (b *summedBody) ContentSHA256() (s [sha256.Size]byte, ok bool) { return b.sum, b.ok }

// TestSummedBodyIsSignedWithItsSum: a replay that knows its sum
// (SummedBody) is signed with it and sent, never read by the signer; one
// that does not, or whose Size is not the declared length, is hashed.
func TestSummedBodyIsSignedWithItsSum(t *testing.T) {
	const content = `{"anthropic_version":"bedrock-2023-05-31","max_tokens":1}`
	right := sha256.Sum256([]byte(content))
	wrong := sha256.Sum256([]byte("other bytes"))
	cases := []struct {
		name        string
		sum         [sha256.Size]byte
		ok          bool
		declared    int64
		wantReplays int // GetBody calls: 1 sent, 2 hashed and sent
		wantErr     error
		wantVerify  bool
	}{
		{name: "known sum", sum: right, ok: true, declared: int64(len(content)), wantReplays: 1, wantVerify: true},
		{name: "no sum", ok: false, declared: int64(len(content)), wantReplays: 2, wantVerify: true},
		// The signer signs the sum it is given: a body that lied would be
		// refused by AWS, which hashes what it receives.
		{name: "a wrong sum is what gets signed", sum: wrong, ok: true, declared: int64(len(content)), wantReplays: 1, wantVerify: false},
		{name: "size is not the declared length", sum: right, ok: true, declared: int64(len(content)) - 1, wantReplays: 1, wantErr: sigv4.ErrBody},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t)
			s := newSigner(t, rec.URL)
			replays := 0
			newBody := func() *summedBody {
				return &summedBody{Reader: bytes.NewReader([]byte(content)), sum: tc.sum, ok: tc.ok}
			}
			req, err := http.NewRequest(http.MethodPost, rec.URL+"/model/anthropic.claude-v2/invoke", newBody())
			require.NoError(t, err)
			req.ContentLength = tc.declared
			req.GetBody = func() (io.ReadCloser, error) { replays++; return newBody(), nil }

			resp, err := s.RoundTripper(nil).RoundTrip(req)
			assert.Equal(t, tc.wantReplays, replays, "GetBody calls")
			got, ok := sent(t, rec, resp, err, tc.wantErr, content)
			if !ok {
				return
			}
			_, _, verr := sigv4test.Verify(secretKey, got)
			if tc.wantVerify {
				assert.NoError(t, verr)
			} else {
				assert.Error(t, verr, "the signature covers the sum given, not the bytes sent")
			}
		})
	}
}
