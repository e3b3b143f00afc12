package modelacl_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

const sigV4Auth = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/bedrock/aws4_request, " +
	"SignedHeaders=content-type;host;x-amz-date, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestFindCredential(t *testing.T) {
	type want struct {
		kind   modelacl.CredentialKind
		source string
		secret string
	}
	tests := []struct {
		name    string
		target  string
		headers [][2]string
		want    want
		err     error
	}{
		{name: "openai bearer", headers: [][2]string{{"Authorization", "Bearer sk-1"}},
			want: want{modelacl.CredentialToken, "Authorization", "sk-1"}},
		{name: "bearer scheme in lower case", headers: [][2]string{{"Authorization", "bearer sk-1"}},
			want: want{modelacl.CredentialToken, "Authorization", "sk-1"}},
		{name: "bedrock api key as bearer (AWS_BEARER_TOKEN_BEDROCK)", headers: [][2]string{{"Authorization", "Bearer ABSKQmVkcm9ja0FQSUtleS1"}},
			want: want{modelacl.CredentialToken, "Authorization", "ABSKQmVkcm9ja0FQSUtleS1"}},
		{name: "anthropic x-api-key", headers: [][2]string{{"x-api-key", "sk-ant-1"}},
			want: want{modelacl.CredentialToken, "X-Api-Key", "sk-ant-1"}},
		{name: "azure api-key", headers: [][2]string{{"api-key", "az-1"}},
			want: want{modelacl.CredentialToken, "Api-Key", "az-1"}},
		{name: "gemini x-goog-api-key", headers: [][2]string{{"x-goog-api-key", "AIza-1"}},
			want: want{modelacl.CredentialToken, "X-Goog-Api-Key", "AIza-1"}},
		{name: "gemini key query parameter", target: "/v1beta/models/gemini-2.5-pro:generateContent?key=AIza-2",
			want: want{modelacl.CredentialToken, "key", "AIza-2"}},
		{name: "percent-encoded key query parameter is decoded once", target: "/x?alt=sse&key=a%2Bb%252F",
			want: want{modelacl.CredentialToken, "key", "a+b%2F"}},
		{name: "sigv4 access key id", headers: [][2]string{{"Authorization", sigV4Auth}},
			want: want{modelacl.CredentialAWSAccessKeyID, "Authorization", "AKIAIOSFODNN7EXAMPLE"}},
		{name: "same secret in authorization and x-api-key", headers: [][2]string{{"Authorization", "Bearer sk-1"}, {"x-api-key", "sk-1"}},
			want: want{modelacl.CredentialToken, "Authorization", "sk-1"}},
		{name: "same header sent twice with the same value", headers: [][2]string{{"x-api-key", "sk-1"}, {"x-api-key", "sk-1"}},
			want: want{modelacl.CredentialToken, "X-Api-Key", "sk-1"}},

		{name: "nothing", err: modelacl.ErrNoCredential},
		{name: "bearer and a different x-api-key", headers: [][2]string{{"Authorization", "Bearer sk-1"}, {"x-api-key", "sk-2"}},
			err: modelacl.ErrAmbiguousCredential},
		{name: "x-api-key twice with different values", headers: [][2]string{{"x-api-key", "sk-1"}, {"x-api-key", "sk-2"}},
			err: modelacl.ErrAmbiguousCredential},
		{name: "header key and a different query key", target: "/x?key=AIza-2", headers: [][2]string{{"x-goog-api-key", "AIza-1"}},
			err: modelacl.ErrAmbiguousCredential},
		{name: "query key smuggled in upper case", target: "/x?key=a&KEY=b", err: modelacl.ErrAmbiguousCredential},
		{name: "query key smuggled percent-encoded", target: "/x?key=a&%6Bey=b", err: modelacl.ErrAmbiguousCredential},
		{name: "sigv4 access key id next to a token", headers: [][2]string{{"Authorization", sigV4Auth}, {"x-api-key", "sk-1"}},
			err: modelacl.ErrAmbiguousCredential},
		{name: "basic auth", headers: [][2]string{{"Authorization", "Basic dXNlcjpwYXNz"}}, err: modelacl.ErrMalformedCredential},
		{name: "empty bearer", headers: [][2]string{{"Authorization", "Bearer "}}, err: modelacl.ErrMalformedCredential},
		{name: "bearer token with a space", headers: [][2]string{{"Authorization", "Bearer a b"}}, err: modelacl.ErrMalformedCredential},
		{name: "bearer token with a tab smuggling a second value", headers: [][2]string{{"Authorization", "Bearer sk-1\tsk-2"}}, err: modelacl.ErrMalformedCredential},
		{name: "bearer of spaces only", headers: [][2]string{{"Authorization", "Bearer    "}}, err: modelacl.ErrMalformedCredential},
		{name: "bearer token after extra spaces", headers: [][2]string{{"Authorization", "Bearer   sk-1"}},
			want: want{modelacl.CredentialToken, "Authorization", "sk-1"}},
		{name: "empty x-api-key", headers: [][2]string{{"x-api-key", ""}}, err: modelacl.ErrMalformedCredential},
		{name: "empty key query parameter", target: "/x?key=", err: modelacl.ErrMalformedCredential},
		{name: "bad escape in key query parameter", target: "/x?key=%zz", err: modelacl.ErrMalformedCredential},
		{name: "sigv4 without credential", headers: [][2]string{{"Authorization", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00"}},
			err: modelacl.ErrMalformedCredential},
		{name: "sigv4 with two credentials", headers: [][2]string{{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/bedrock/aws4_request, Credential=AKIAIOSFODNN7EXAMPL2/20260101/us-east-1/bedrock/aws4_request"}},
			err: modelacl.ErrMalformedCredential},
		{name: "sigv4 with a short scope", headers: [][2]string{{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101, Signature=00"}},
			err: modelacl.ErrMalformedCredential},
		{name: "unusable header next to a usable one", headers: [][2]string{{"Authorization", "Basic x"}, {"x-api-key", "sk-1"}},
			err: modelacl.ErrMalformedCredential},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				target = "/v1/chat/completions"
			}
			r := httptest.NewRequest(http.MethodPost, target, nil)
			for _, h := range tt.headers {
				r.Header.Add(h[0], h[1])
			}
			got, err := modelacl.FindCredential(r)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				assert.Equal(t, modelacl.Credential{}, got, "no credential is returned with an error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.kind, got.Kind)
			assert.Equal(t, tt.want.source, got.Source)
			assert.Equal(t, tt.want.secret, got.Secret)
		})
	}
}

func TestCredentialNeverPrintsSecret(t *testing.T) {
	const secret = "sk-very-secret-0123"
	c := modelacl.Credential{Kind: modelacl.CredentialToken, Source: modelacl.SourceXAPIKey, Secret: secret}

	var sb strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%T %v"} {
		fmt.Fprintf(&sb, verb+"\n", c)
	}
	fmt.Fprintf(&sb, "%v\n", []modelacl.Credential{c})
	fmt.Fprintf(&sb, "%+v\n", struct{ C modelacl.Credential }{c})
	j, err := json.Marshal(map[string]any{"c": c})
	require.NoError(t, err)
	sb.Write(j)
	logger := slog.New(slog.NewJSONHandler(&sb, nil))
	logger.Info("x", "cred", c)
	slog.New(slog.NewTextHandler(&sb, nil)).Info("x", "cred", c)

	out := sb.String()
	assert.NotContains(t, out, secret)
	assert.NotContains(t, out, fmt.Sprintf("%x", secret), "hex of the secret")
	assert.Contains(t, out, "X-Api-Key", "the source is shown")
}

// FuzzFindCredential: no panic; an error comes with the zero Credential; a
// found credential has a kind, a source and a non-empty secret; and the
// request the next handler sees never carries a "key" query parameter in
// any spelling net/url would decode.
func FuzzFindCredential(f *testing.F) {
	f.Add("Bearer sk-1", "", "alt=sse&key=AIza")
	f.Add(sigV4Auth, "sk-1", "")
	f.Add("", "", "%6Bey=a&KEY=a&key=a")
	f.Add("bearer  x", "x", "key=x&&key=x")
	mw := modelacl.MustNew(modelacl.Options{
		Policy: modelacl.NewStore(nil),
		Authenticate: func(*http.Request, modelacl.Credential) (*modelacl.Principal, error) {
			return &modelacl.Principal{KeyID: "k", Key: modelacl.AllowAll()}, nil
		},
		UnsafeAllowUnknownReadOnly: true,
	})
	f.Fuzz(func(t *testing.T, authorization, apiKey, rawQuery string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.RawQuery = rawQuery
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		if apiKey != "" {
			r.Header.Set("X-Api-Key", apiKey)
		}
		c, err := modelacl.FindCredential(r)
		if err != nil {
			require.Equal(t, modelacl.Credential{}, c)
		} else {
			require.NotEqual(t, modelacl.CredentialNone, c.Kind)
			require.NotEmpty(t, c.Source)
			require.NotEmpty(t, c.Secret)
		}

		var forwarded *http.Request
		h := mw.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { forwarded = r }))
		h.ServeHTTP(httptest.NewRecorder(), r)
		if forwarded == nil {
			return
		}
		for _, pair := range strings.Split(forwarded.URL.RawQuery, "&") {
			name, _, _ := strings.Cut(pair, "=")
			if dec, err := url.QueryUnescape(name); err == nil {
				require.NotEqual(t, "key", strings.ToLower(dec), "query %q forwarded a key parameter", forwarded.URL.RawQuery)
			}
		}
		require.Empty(t, forwarded.Header.Values("Authorization"))
		require.Empty(t, forwarded.Header.Values("X-Api-Key"))
	})
}
