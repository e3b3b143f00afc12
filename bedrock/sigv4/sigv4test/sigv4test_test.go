package sigv4test_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
)

const (
	exampleAccessKey = sigv4test.ExampleAccessKeyID
	exampleSecret    = sigv4test.ExampleSecret
	exampleDate      = sigv4test.ExampleAmzDate
)

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestPublishedVectors(t *testing.T) {
	for _, v := range sigv4test.Vectors() {
		t.Run(v.Name, func(t *testing.T) {
			a, canon, err := sigv4test.Verify(exampleSecret, v.Request)
			require.NoError(t, err)
			assert.Equal(t, exampleAccessKey, a.AccessKeyID)
			assert.Equal(t, "20150830", a.Date)
			assert.Equal(t, "us-east-1", a.Region)
			if v.Canonical != "" {
				assert.Equal(t, v.Canonical, canon)
			}
			if v.CanonicalHash != "" {
				sum := sha256.Sum256([]byte(canon))
				assert.Equal(t, v.CanonicalHash, hex.EncodeToString(sum[:]))
				assert.True(t, strings.HasSuffix(sigv4test.StringToSign(a, exampleDate, canon), "\n"+v.CanonicalHash))
			}
			if v.Query != "" {
				assert.Equal(t, v.Query, strings.Split(canon, "\n")[2])
			}
			assert.Equal(t, v.Signature, sigv4test.Signature(exampleSecret, a, exampleDate, canon))

			// The same canonical request from the exported builder.
			again, err := sigv4test.CanonicalRequest(v.Request.Method, v.Request.RequestURI, v.Request.Host, v.Request.Header, 0, nil, a.SignedHeaders)
			require.NoError(t, err)
			assert.Equal(t, canon, again)
		})
	}
}

// Each case changes one thing about a correctly signed request, as an
// attacker or a broken signer would; every one must fail to verify.
func TestTamperedRequestsFail(t *testing.T) {
	base := func() sigv4test.Request {
		r := sigv4test.Vectors()[2].Request // iam ListUsers: a query and a signed content-type
		r.Header = r.Header.Clone()
		return r
	}
	cases := []struct {
		name   string
		mutate func(*sigv4test.Request)
		secret string
	}{
		{name: "wrong secret key", secret: "not-the-secret"},
		{name: "body added after signing", mutate: func(r *sigv4test.Request) { r.Body = []byte("{}") }},
		{name: "path changed", mutate: func(r *sigv4test.Request) { r.RequestURI = "/admin?Action=ListUsers&Version=2010-05-08" }},
		{name: "path escaped differently", mutate: func(r *sigv4test.Request) { r.RequestURI = "/%2F?Action=ListUsers&Version=2010-05-08" }},
		{name: "query parameter added", mutate: func(r *sigv4test.Request) { r.RequestURI += "&MaxItems=1" }},
		{name: "query value changed", mutate: func(r *sigv4test.Request) { r.RequestURI = "/?Action=DeleteUser&Version=2010-05-08" }},
		{name: "host changed", mutate: func(r *sigv4test.Request) { r.Host = "iam.example.com" }},
		{name: "signed header value changed", mutate: func(r *sigv4test.Request) { r.Header.Set("Content-Type", "application/json") }},
		{name: "signed header removed", mutate: func(r *sigv4test.Request) { r.Header.Del("Content-Type") }},
		{name: "signed header repeated", mutate: func(r *sigv4test.Request) { r.Header.Add("Content-Type", "text/plain") }},
		{name: "later time on the same day", mutate: func(r *sigv4test.Request) { r.Header.Set("X-Amz-Date", "20150830T123601Z") }},
		{name: "date outside the credential scope", mutate: func(r *sigv4test.Request) { r.Header.Set("X-Amz-Date", "20150831T123600Z") }},
		{name: "malformed date", mutate: func(r *sigv4test.Request) { r.Header.Set("X-Amz-Date", "20150830") }},
		{name: "two dates", mutate: func(r *sigv4test.Request) { r.Header.Add("X-Amz-Date", exampleDate) }},
		{name: "no date", mutate: func(r *sigv4test.Request) { r.Header.Del("X-Amz-Date") }},
		{name: "second Authorization header", mutate: func(r *sigv4test.Request) {
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
		}},
		{name: "no Authorization header", mutate: func(r *sigv4test.Request) { r.Header.Del("Authorization") }},
		{name: "method changed", mutate: func(r *sigv4test.Request) { r.Method = "POST" }},
		{name: "signature does not cover host", mutate: func(r *sigv4test.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "content-type;host;x-amz-date", "content-type;x-amz-date", 1))
		}},
		{name: "region in the scope changed", mutate: func(r *sigv4test.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/us-east-1/", "/us-west-2/", 1))
		}},
		{name: "service in the scope changed", mutate: func(r *sigv4test.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/iam/", "/bedrock/", 1))
		}},
		{name: "absolute-form request target", mutate: func(r *sigv4test.Request) {
			r.RequestURI = "http://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"
		}},
		{name: "query that does not decode", mutate: func(r *sigv4test.Request) { r.RequestURI += "&a=%zz" }},
		{name: "signed content-length of unknown length", mutate: func(r *sigv4test.Request) {
			r.ContentLength = -1
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "content-type;host", "content-length;content-type;host", 1))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := base()
			if c.mutate != nil {
				c.mutate(&r)
			}
			secret := exampleSecret
			if c.secret != "" {
				secret = c.secret
			}
			_, _, err := sigv4test.Verify(secret, r)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, err.Error(), "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
		})
	}
	_, _, err := sigv4test.Verify(exampleSecret, base())
	require.NoError(t, err, "the untampered request verifies")
}

func TestCanonicalRequestNormalises(t *testing.T) {
	cases := []struct {
		name       string
		requestURI string
		header     http.Header
		signed     []string
		wantURI    string
		wantQuery  string
		wantHeader string
	}{
		{
			name:       "escaped colon in a model ID is escaped again",
			requestURI: "/model/anthropic.claude-v2%3A0/invoke",
			wantURI:    "/model/anthropic.claude-v2%253A0/invoke",
		},
		{
			name:       "literal sub-delims in the path are escaped",
			requestURI: "/model/a+b!c:d/invoke",
			wantURI:    "/model/a%2Bb%21c%3Ad/invoke",
		},
		{
			name:       "plus in the query is a space, encoded %20",
			requestURI: "/x?q=a+b&r=a%2Fb",
			wantURI:    "/x",
			wantQuery:  "q=a%20b&r=a%2Fb",
		},
		{
			name:       "query sorted by name before value, not as whole pairs",
			requestURI: "/x?a-b=1&a=2&a=1",
			wantURI:    "/x",
			wantQuery:  "a=1&a=2&a-b=1",
		},
		{
			name:       "parameter without a value",
			requestURI: "/x?flag",
			wantURI:    "/x",
			wantQuery:  "flag=",
		},
		{
			name:       "header values trimmed, spaces collapsed, repeated values joined",
			requestURI: "/",
			header:     header("X-Test", "  a   b  ", "X-Test", "c"),
			signed:     []string{"x-test"},
			wantURI:    "/",
			wantHeader: "x-test:a b,c\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			canon, err := sigv4test.CanonicalRequest("POST", c.requestURI, "h", c.header, 0, []byte("x"), c.signed)
			require.NoError(t, err)
			lines := strings.SplitN(canon, "\n", 4)
			assert.Equal(t, "POST", lines[0])
			assert.Equal(t, c.wantURI, lines[1])
			assert.Equal(t, c.wantQuery, lines[2])
			if c.wantHeader != "" {
				assert.True(t, strings.HasPrefix(lines[3], c.wantHeader), lines[3])
			}
			// sha256("x"), computed independently with sha256sum.
			assert.True(t, strings.HasSuffix(canon, "\n2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"))
		})
	}
}

func TestParseAuthorizationRejectsMalformed(t *testing.T) {
	const sig = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	const cred = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
	good := "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date, Signature=" + sig
	a, err := sigv4test.ParseAuthorization(good)
	require.NoError(t, err)
	assert.Equal(t, sigv4test.Authorization{
		Algorithm: "AWS4-HMAC-SHA256", AccessKeyID: "AKIDEXAMPLE", Date: "20150830", Region: "us-east-1",
		Service: "service", SignedHeaders: []string{"host", "x-amz-date"}, Signature: sig,
	}, a)
	assert.Equal(t, "20150830/us-east-1/service/aws4_request", a.Scope())

	cases := map[string]string{
		"bearer token":                   "Bearer sk-virtual-key",
		"SigV4a algorithm":               "AWS4-ECDSA-P256-SHA256 " + cred + ", SignedHeaders=host, Signature=" + sig,
		"missing signature":              "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date",
		"repeated signature":             good + ", Signature=" + sig,
		"unknown field":                  good + ", Extra=1",
		"field without value":            "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders, Signature=" + sig,
		"credential with four parts":     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service, SignedHeaders=host, Signature=" + sig,
		"credential without terminator":  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws5_request, SignedHeaders=host, Signature=" + sig,
		"credential with empty region":   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830//service/aws4_request, SignedHeaders=host, Signature=" + sig,
		"unsorted signed headers":        "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date;host, Signature=" + sig,
		"repeated signed header":         "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;host, Signature=" + sig,
		"upper-case signed header":       "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=Host, Signature=" + sig,
		"empty signed header":            "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;;x-amz-date, Signature=" + sig,
		"upper-case hex signature":       "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=" + strings.ToUpper(sig),
		"truncated signature":            "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=" + sig[:63],
		"separator without space":        "AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host, Signature=" + sig,
		"algorithm without the fields":   "AWS4-HMAC-SHA256",
		"empty header":                   "",
		"algorithm in lower case":        strings.Replace(good, "AWS4-HMAC-SHA256", "aws4-hmac-sha256", 1),
		"two spaces after the algorithm": strings.Replace(good, "SHA256 ", "SHA256  ", 1),
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := sigv4test.ParseAuthorization(v)
			require.Error(t, err)
		})
	}
}
