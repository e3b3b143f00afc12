package modelacl_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock/sigv4"
	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
	"github.com/modelgate/modelgate/bedrock/sigv4/verify"
	"github.com/modelgate/modelgate/modelacl"
)

// SigV4 through the middleware. Requests are signed with sigv4test (the
// published algorithm, written apart from the verifier), so a test cannot
// pass by the verifier agreeing with itself.

const (
	akidAllowed    = "AKIAALLOWEDSIGV40001"
	akidRestricted = "AKIARESTRICTEDSIG002"
	akidNoSecret   = "AKIANOSECRETSIGV4003"
	secretAllowed  = "allowed-secret"
	secretRestrict = "restricted-secret"
	opusInvoke     = "/bedrock/model/global.anthropic.claude-opus-4-7/invoke"
	haikuInvoke    = "/bedrock/model/global.anthropic.claude-haiku-4-5/invoke"
	invokeJSON     = `{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[]}`
)

var sigNow = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

type sigv4Host struct {
	mu      sync.Mutex
	creds   []modelacl.Credential // every credential Authenticate saw
	lookups int
}

func (h *sigv4Host) lookup(_ context.Context, id string) (verify.Credentials, error) {
	h.mu.Lock()
	h.lookups++
	h.mu.Unlock()
	switch id {
	case akidAllowed:
		return verify.Credentials{SecretAccessKey: secretAllowed}, nil
	case akidRestricted:
		return verify.Credentials{SecretAccessKey: secretRestrict}, nil
	case akidNoSecret:
		return verify.Credentials{}, verify.ErrNoSecret
	}
	return verify.Credentials{}, errors.New("unknown access key ID")
}

// authenticate knows the two signing keys, and accepts an access key ID
// only when the middleware verified it.
func (h *sigv4Host) authenticate(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
	h.mu.Lock()
	h.creds = append(h.creds, c)
	h.mu.Unlock()
	if c.Kind == modelacl.CredentialAWSAccessKeyID && c.Verified {
		switch c.Secret {
		case akidAllowed:
			return &modelacl.Principal{KeyID: "allowed-sigv4", Key: modelacl.Allow("common-models", "premium-models")}, nil
		case akidRestricted:
			return &modelacl.Principal{KeyID: "restricted-sigv4", Key: modelacl.Allow("common-models")}, nil
		}
	}
	return fixtureKeys().authenticate(nil, c)
}

// sigV4Options are middleware options that verify SigV4 signatures with
// host's keys at the time now, over the fixture policy.
func sigV4Options(tb testing.TB, now time.Time) (modelacl.Options, *sigv4Host) {
	tb.Helper()
	host := &sigv4Host{}
	v, err := verify.New(verify.Options{Lookup: host.lookup, Clock: func() time.Time { return now }})
	require.NoError(tb, err)
	return modelacl.Options{Policy: fixturePolicy(tb), Authenticate: host.authenticate, SigV4: v}, host
}

func newSigV4Handler(t *testing.T, now time.Time) (http.Handler, *recorder, *sigv4Host) {
	t.Helper()
	o, host := sigV4Options(t, now)
	h, rec := newHandler(t, o)
	return h, rec, host
}

// signedRequest is a server-side request for target, signed by sigv4test
// under id/secret at the given time.
func signedRequest(t testing.TB, method, target, body, id, secret string, at time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Host = "gateway.example"
	r.Header.Set("Content-Type", "application/json")
	sign(t, r, []byte(body), id, secret, at)
	return r
}

func sign(t testing.TB, r *http.Request, body []byte, id, secret string, at time.Time) {
	t.Helper()
	amz := at.UTC().Format(sigv4test.AmzDateFormat)
	r.Header.Set("X-Amz-Date", amz)
	a := sigv4test.Authorization{Algorithm: sigv4test.Algorithm, AccessKeyID: id, Date: amz[:8], Region: "us-east-1",
		Service: "bedrock", SignedHeaders: []string{"content-type", "host", "x-amz-date"}}
	canon, err := sigv4test.CanonicalRequest(r.Method, r.RequestURI, r.Host, r.Header, r.ContentLength, body, a.SignedHeaders)
	require.NoError(t, err)
	r.Header.Set("Authorization", sigv4test.Algorithm+" Credential="+id+"/"+a.Scope()+
		", SignedHeaders="+strings.Join(a.SignedHeaders, ";")+", Signature="+sigv4test.Signature(secret, a, amz, canon))
}

func serve(h http.Handler, r *http.Request) (*http.Response, string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestSigV4VerifiedThenDecided(t *testing.T) {
	h, rec, host := newSigV4Handler(t, sigNow)

	res, body := serve(h, signedRequest(t, "POST", opusInvoke, invokeJSON, akidAllowed, secretAllowed, sigNow))
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	require.True(t, rec.last.called)
	assert.Equal(t, invokeJSON, string(rec.last.body), "the body read for the signature is handed on whole")
	assert.Equal(t, invokeJSON, string(rec.last.getBody))
	for _, k := range []string{"Authorization", "X-Amz-Date"} {
		assert.Empty(t, rec.last.header.Get(k), "%s reaches the next handler", k)
	}
	require.Len(t, host.creds, 1)
	assert.True(t, host.creds[0].Verified)
	assert.Equal(t, modelacl.CredentialAWSAccessKeyID, host.creds[0].Kind)

	// A verified key is still held to its allowlist.
	rec.last = seen{}
	res, body = serve(h, signedRequest(t, "POST", opusInvoke, invokeJSON, akidRestricted, secretRestrict, sigNow))
	assert.Equal(t, http.StatusForbidden, res.StatusCode, body)
	assert.Equal(t, "AccessDeniedException", res.Header.Get("X-Amzn-ErrorType"))
	assert.False(t, rec.last.called)

	res, body = serve(h, signedRequest(t, "POST", haikuInvoke, invokeJSON, akidRestricted, secretRestrict, sigNow))
	assert.Equal(t, http.StatusOK, res.StatusCode, body)
}

// Each case is an attack on a signed request; the middleware refuses it
// with the AWS error type, before the decision, and nothing reaches the
// next handler.
func TestSigV4AttacksAreRefusedBeforeTheDecision(t *testing.T) {
	cases := []struct {
		name    string
		req     func(t *testing.T) *http.Request
		status  int
		errType string
	}{
		{"model in the path swapped after signing", func(t *testing.T) *http.Request {
			r := signedRequest(t, "POST", haikuInvoke, invokeJSON, akidRestricted, secretRestrict, sigNow)
			r2 := httptest.NewRequest("POST", opusInvoke, strings.NewReader(invokeJSON))
			r2.Host, r2.Header = r.Host, r.Header
			return r2
		}, 401, "InvalidSignatureException"},
		{"body changed after signing", func(t *testing.T) *http.Request {
			r := signedRequest(t, "POST", opusInvoke, invokeJSON, akidAllowed, secretAllowed, sigNow)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(invokeJSON, "16", "99", 1)))
			return r
		}, 401, "InvalidSignatureException"},
		{"query added after signing", func(t *testing.T) *http.Request {
			r := signedRequest(t, "POST", opusInvoke, invokeJSON, akidAllowed, secretAllowed, sigNow)
			r2 := httptest.NewRequest("POST", opusInvoke+"?x=1", strings.NewReader(invokeJSON))
			r2.Host, r2.Header = r.Host, r.Header
			return r2
		}, 401, "InvalidSignatureException"},
		{"stale date", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", opusInvoke, invokeJSON, akidAllowed, secretAllowed, sigNow.Add(-6*time.Minute))
		}, 401, "InvalidSignatureException"},
		{"future date", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", opusInvoke, invokeJSON, akidAllowed, secretAllowed, sigNow.Add(6*time.Minute))
		}, 401, "InvalidSignatureException"},
		{"one key's ID with another key's secret", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", opusInvoke, invokeJSON, akidAllowed, secretRestrict, sigNow)
		}, 401, "InvalidSignatureException"},
		{"unknown access key ID", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", opusInvoke, invokeJSON, "AKIAUNKNOWNSIGV40009", secretAllowed, sigNow)
		}, 401, "UnrecognizedClientException"},
		{"duplicated Authorization", func(t *testing.T) *http.Request {
			r := signedRequest(t, "POST", opusInvoke, invokeJSON, akidAllowed, secretAllowed, sigNow)
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
			return r
		}, 400, "IncompleteSignatureException"},
		{"SigV4 plus a bearer token", func(t *testing.T) *http.Request {
			r := signedRequest(t, "POST", opusInvoke, invokeJSON, akidRestricted, secretRestrict, sigNow)
			r.Header.Set("X-Api-Key", allowedKey)
			return r
		}, 401, "UnrecognizedClientException"},
		{"access key ID sent as a bearer token", func(t *testing.T) *http.Request {
			r := httptest.NewRequest("POST", opusInvoke, strings.NewReader(invokeJSON))
			r.Header.Set("Authorization", "Bearer "+akidAllowed)
			return r
		}, 401, "UnrecognizedClientException"},
		{"access key ID sent as x-api-key", func(t *testing.T) *http.Request {
			r := httptest.NewRequest("POST", opusInvoke, strings.NewReader(invokeJSON))
			r.Header.Set("X-Api-Key", akidAllowed)
			return r
		}, 401, "UnrecognizedClientException"},
		{"access key ID without a secret, not trusted by the host", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", opusInvoke, invokeJSON, akidNoSecret, "whatever", sigNow)
		}, 401, "UnrecognizedClientException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, rec, host := newSigV4Handler(t, sigNow)
			res, body := serve(h, c.req(t))
			assert.Equal(t, c.status, res.StatusCode, body)
			assert.Equal(t, c.errType, res.Header.Get("X-Amzn-ErrorType"))
			assert.False(t, rec.last.called, "the request reached the next handler")
			for _, s := range []string{secretAllowed, secretRestrict, "Signature="} {
				assert.NotContains(t, body, s)
			}
			for _, cr := range host.creds {
				assert.False(t, cr.Verified && cr.Kind == modelacl.CredentialAWSAccessKeyID, "Authenticate saw a verified credential")
			}
		})
	}
}

// An unsigned caller learns nothing about what a key may call: a bad
// signature gets the same answer whether the model would be allowed or not.
func TestSigV4BadSignatureHidesTheDecision(t *testing.T) {
	h, _, _ := newSigV4Handler(t, sigNow)
	var answers []string
	for _, target := range []string{opusInvoke, haikuInvoke} {
		res, body := serve(h, signedRequest(t, "POST", target, invokeJSON, akidRestricted, "guessed-secret", sigNow))
		answers = append(answers, res.Status+" "+res.Header.Get("X-Amzn-ErrorType")+" "+body)
	}
	assert.Equal(t, answers[0], answers[1])
	assert.Contains(t, answers[0], "InvalidSignatureException")
}

// An unknown access key ID, or a signature that cannot become valid, is
// refused without reading the body; a valid one has its body read once.
func TestSigV4BodyReads(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	cases := []struct {
		name     string
		req      func(t *testing.T) *http.Request
		wantRead int
	}{
		{"unknown access key ID", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", opusInvoke, big, "AKIAUNKNOWNSIGV40009", secretAllowed, sigNow)
		}, 0},
		{"stale date", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", opusInvoke, big, akidAllowed, secretAllowed, sigNow.Add(-time.Hour))
		}, 0},
		{"access key ID without a secret", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", opusInvoke, big, akidNoSecret, "x", sigNow)
		}, 0},
		{"valid signature over 1 MiB", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", opusInvoke, big, akidAllowed, secretAllowed, sigNow)
		}, len(big)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, rec, _ := newSigV4Handler(t, sigNow)
			r := c.req(t)
			cr := &countingReader{r: r.Body}
			r.Body = io.NopCloser(cr)
			serve(h, r)
			assert.Equal(t, c.wantRead, cr.n, "bytes read from the client")
			if c.wantRead > 0 {
				assert.Equal(t, len(big), len(rec.last.body))
			}
		})
	}
}

func TestSigV4OverTheBodyLimitIsRefused(t *testing.T) {
	o, _ := sigV4Options(t, sigNow)
	o.MaxBodyBytes, o.ReportOnly = 64, true
	h, rec := newHandler(t, o)
	res, body := serve(h, signedRequest(t, "POST", opusInvoke, invokeJSON+strings.Repeat(" ", 64), akidAllowed, secretAllowed, sigNow))
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, body)
	assert.False(t, rec.last.called, "ReportOnly does not relax authentication")
}

func TestSigV4PresignedQueryNeverReachesTheUpstream(t *testing.T) {
	h, rec, host := newSigV4Handler(t, sigNow)
	amz := sigNow.Format(sigv4test.AmzDateFormat)
	a := sigv4test.Authorization{Algorithm: sigv4test.Algorithm, AccessKeyID: akidAllowed, Date: amz[:8], Region: "us-east-1",
		Service: "bedrock", SignedHeaders: []string{"host"}}
	q := url.Values{
		"maxResults":          {"5"},
		"X-Amz-Algorithm":     {sigv4test.Algorithm},
		"X-Amz-Credential":    {akidAllowed + "/" + a.Scope()},
		"X-Amz-Date":          {amz},
		"X-Amz-Expires":       {"300"},
		"X-Amz-SignedHeaders": {"host"},
	}
	target := "/bedrock/async-invoke?" + q.Encode()
	r := httptest.NewRequest("GET", target, nil)
	r.Host = "gateway.example"
	canon, err := sigv4test.CanonicalRequest("GET", target, r.Host, r.Header, 0, nil, a.SignedHeaders)
	require.NoError(t, err)
	q.Set("X-Amz-Signature", sigv4test.Signature(secretAllowed, a, amz, canon))
	r = httptest.NewRequest("GET", "/bedrock/async-invoke?"+q.Encode(), nil)
	r.Host = "gateway.example"

	res, body := serve(h, r)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, "maxResults=5", rec.last.rawQuery)
	assert.Equal(t, "/bedrock/async-invoke?maxResults=5", rec.last.requestURI)
	require.Len(t, host.creds, 1)
	assert.True(t, host.creds[0].Verified)
	assert.Equal(t, modelacl.SourceXAmzCredential, host.creds[0].Source)
}

// Refusals carry a Date header from the verifier's clock (which the AWS
// SDKs correct their clock from), and a real server's answers carry an
// accurate one on every path.
func TestSigV4RefusalsCarryTheVerifiersDate(t *testing.T) {
	skewed := sigNow.Add(10 * time.Minute)
	h, _, _ := newSigV4Handler(t, skewed)
	res, _ := serve(h, signedRequest(t, "POST", opusInvoke, invokeJSON, akidAllowed, secretAllowed, sigNow))
	assert.Equal(t, "InvalidSignatureException", res.Header.Get("X-Amzn-ErrorType"))
	assert.Equal(t, skewed.Format(http.TimeFormat), res.Header.Get("Date"))

	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, key := range []string{"", allowedKey, restrictedKey} {
		req, err := http.NewRequest("POST", srv.URL+opusInvoke, bytes.NewReader([]byte(invokeJSON)))
		require.NoError(t, err)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		d, err := http.ParseTime(resp.Header.Get("Date"))
		require.NoError(t, err, "status %d has no Date", resp.StatusCode)
		assert.WithinDuration(t, time.Now(), d, 2*time.Second)
	}
}

func TestSigV4ReasonCodes(t *testing.T) {
	var reasons []modelacl.Reason
	o, _ := sigV4Options(t, sigNow)
	o.OnDecision = func(_ context.Context, d *modelacl.Decision) { reasons = append(reasons, d.Reason()) }
	h, _ := newHandler(t, o)
	serve(h, signedRequest(t, "POST", opusInvoke, invokeJSON, akidAllowed, "wrong", sigNow))
	serve(h, signedRequest(t, "POST", opusInvoke, invokeJSON, akidAllowed, secretAllowed, sigNow.Add(time.Hour)))
	serve(h, signedRequest(t, "POST", opusInvoke, invokeJSON, "AKIAUNKNOWNSIGV40009", "x", sigNow))
	serve(h, signedRequest(t, "POST", opusInvoke, invokeJSON, akidAllowed, secretAllowed, sigNow))
	assert.Equal(t, []modelacl.Reason{modelacl.ReasonBadSignature, modelacl.ReasonBadSignature, modelacl.ReasonUnknownKey, modelacl.ReasonAllowed}, reasons)
}

// BenchmarkMiddlewareSigV4 is the whole middleware on a 1 KiB
// InvokeModel: classification, lookup, one body read, verification,
// decision, beside the same request with a bearer token. The request is
// rebuilt each iteration (its body is consumed, its credentials stripped).
func BenchmarkMiddlewareSigV4(b *testing.B) {
	o, _ := sigV4Options(b, sigNow)
	mw, err := modelacl.New(o)
	require.NoError(b, err)
	h := mw.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	body := `{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"` + strings.Repeat("x", 900) + `"}]}`
	bearer := httptest.NewRequest("POST", haikuInvoke, nil)
	bearer.Header.Set("Authorization", "Bearer "+restrictedKey)
	for _, bc := range []struct {
		name string
		req  *http.Request
	}{
		{"sigv4", signedRequest(b, "POST", haikuInvoke, body, akidRestricted, secretRestrict, sigNow)},
		{"bearer", bearer},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rd := strings.NewReader(body)
			r := bc.req.Clone(context.Background())
			r.ContentLength = int64(len(body))
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(body)
				r.Body = io.NopCloser(rd)
				r.Header = bc.req.Header.Clone()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code, w.Body.String())
				}
			}
		})
	}
}

func TestFindCredentialPresignedQuery(t *testing.T) {
	const scope = "/20260506/us-east-1/bedrock/aws4_request"
	cases := []struct {
		name    string
		query   string
		want    modelacl.Credential
		wantErr error
	}{
		{name: "presigned credential", query: "X-Amz-Credential=" + akidAllowed + url.QueryEscape(scope) + "&X-Amz-Signature=00",
			want: modelacl.Credential{Kind: modelacl.CredentialAWSAccessKeyID, Source: modelacl.SourceXAmzCredential, Secret: akidAllowed}},
		{name: "name in another letter case still counts", query: "x-amz-credential=" + akidAllowed + url.QueryEscape(scope),
			want: modelacl.Credential{Kind: modelacl.CredentialAWSAccessKeyID, Source: modelacl.SourceXAmzCredential, Secret: akidAllowed}},
		{name: "percent-encoded name still counts", query: "X-Amz-%43redential=" + akidAllowed + url.QueryEscape(scope),
			want: modelacl.Credential{Kind: modelacl.CredentialAWSAccessKeyID, Source: modelacl.SourceXAmzCredential, Secret: akidAllowed}},
		{name: "credential without a scope", query: "X-Amz-Credential=" + akidAllowed, wantErr: modelacl.ErrMalformedCredential},
		{name: "two different presigned credentials", query: "X-Amz-Credential=" + akidAllowed + url.QueryEscape(scope) +
			"&X-Amz-Credential=" + akidRestricted + url.QueryEscape(scope), wantErr: modelacl.ErrAmbiguousCredential},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := modelacl.FindCredential(httptest.NewRequest("GET", "/bedrock/async-invoke?"+c.query, nil))
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want.Kind, got.Kind)
			assert.Equal(t, c.want.Source, got.Source)
			assert.Equal(t, c.want.Secret, got.Secret)
			assert.False(t, got.Verified, "FindCredential verifies nothing")
		})
	}
	t.Run("presigned credential plus a bearer token", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/bedrock/async-invoke?X-Amz-Credential="+akidAllowed+url.QueryEscape(scope), nil)
		r.Header.Set("Authorization", "Bearer "+allowedKey)
		_, err := modelacl.FindCredential(r)
		require.ErrorIs(t, err, modelacl.ErrAmbiguousCredential)
	})
}

// Every spelling of a presigning parameter is a credential and is removed
// before the next handler; the other parameters keep their bytes.
func TestSigV4QueryParametersAreStrippedInEverySpelling(t *testing.T) {
	h, rec := newHandler(t, modelacl.Options{})
	r := httptest.NewRequest("GET", "/bedrock/async-invoke?maxResults=5&x-amz-signature=1&X-Amz-%53ecurity-Token=t&next=a%2Fb", nil)
	r.Header.Set("Authorization", "Bearer "+allowedKey)
	res, body := serve(h, r)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, "maxResults=5&next=a%2Fb", rec.last.rawQuery)
}

// TestSigV4VerifiedBodyKnowsItsSum: after a verified signature, the body
// handed on and each of its replays report the SHA-256 the verification
// computed over them (sigv4.SummedBody), so a signer that re-signs the
// request for the upstream does not hash the body again; a body nobody
// hashed (a bearer token's) reports none.
func TestSigV4VerifiedBodyKnowsItsSum(t *testing.T) {
	o, _ := sigV4Options(t, sigNow)
	m, err := modelacl.New(o)
	require.NoError(t, err)
	type report struct {
		ok    bool
		sum   [sha256.Size]byte
		size  int64
		bytes []byte
	}
	summed := func(body io.Reader) report {
		b, _ := io.ReadAll(body)
		sb, ok := body.(sigv4.SummedBody)
		if !ok {
			return report{bytes: b}
		}
		sum, ok := sb.ContentSHA256()
		return report{ok: ok, sum: sum, size: sb.Size(), bytes: b}
	}
	var body, replay report
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, replay = summed(r.Body), report{}
		if r.GetBody != nil {
			rc, err := r.GetBody()
			require.NoError(t, err)
			replay = summed(rc)
		}
	}))

	res, msg := serve(h, signedRequest(t, "POST", opusInvoke, invokeJSON, akidAllowed, secretAllowed, sigNow))
	require.Equal(t, http.StatusOK, res.StatusCode, msg)
	want := sha256.Sum256([]byte(invokeJSON))
	for _, got := range []report{body, replay} {
		assert.True(t, got.ok, "the verified body reports its sum")
		assert.Equal(t, want, got.sum)
		assert.Equal(t, int64(len(invokeJSON)), got.size)
		assert.Equal(t, invokeJSON, string(got.bytes))
	}

	// Buffered to read its model, not hashed.
	const chat = `{"model":"gpt-4o-mini","messages":[]}`
	r := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(chat))
	bearer(r, allowedKey)
	res, msg = serve(h, r)
	require.Equal(t, http.StatusOK, res.StatusCode, msg)
	assert.Equal(t, chat, string(replay.bytes), "the body was buffered")
	assert.False(t, body.ok, "a body nobody hashed reports no sum")
	assert.False(t, replay.ok)
}
