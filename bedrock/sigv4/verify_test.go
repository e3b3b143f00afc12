package sigv4_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// This file is an independent SigV4 verifier, written from the published
// algorithm (not from the SDK's signer), and a loopback upstream that
// records what it receives.

type recorded struct {
	Method     string
	RequestURI string
	Host       string
	Header     http.Header
	Body       []byte
	Length     int64
}

type recorder struct {
	mu   sync.Mutex
	reqs []recorded
	srv  *httptest.Server
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{r.Method, r.RequestURI, r.Host, r.Header.Clone(), body, r.ContentLength})
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) only(t *testing.T) recorded {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Len(t, rec.reqs, 1)
	return rec.reqs[0]
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.reqs)
}

type authHeader struct {
	AccessKey, Date, Region, Service string
	SignedHeaders                    []string
	Signature                        string
}

func parseAuthorization(t *testing.T, v string) authHeader {
	t.Helper()
	rest, ok := strings.CutPrefix(v, "AWS4-HMAC-SHA256 ")
	require.True(t, ok, "algorithm")
	var a authHeader
	for _, part := range strings.Split(rest, ", ") {
		k, val, ok := strings.Cut(part, "=")
		require.True(t, ok, part)
		switch k {
		case "Credential":
			f := strings.Split(val, "/")
			require.Len(t, f, 5)
			require.Equal(t, "aws4_request", f[4])
			a.AccessKey, a.Date, a.Region, a.Service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(val, ";")
		case "Signature":
			a.Signature = val
		default:
			t.Fatalf("unexpected Authorization field %q", k)
		}
	}
	return a
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func uriEncode(s string, keepSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (keepSlash && c == '/') {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

func collapseSpaces(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// canonicalRequest rebuilds the SigV4 canonical request from what the
// upstream received. The canonical URI is the received (escaped) path
// escaped once more, as AWS does for every service except S3.
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
				vals[i] = collapseSpaces(vals[i])
			}
			v = strings.Join(vals, ",")
		}
		hdrs.WriteString(h + ":" + v + "\n")
	}
	sum := sha256.Sum256(r.Body)
	return strings.Join([]string{
		r.Method,
		uriEncode(path, true),
		strings.Join(pairs, "&"),
		hdrs.String(),
		strings.Join(a.SignedHeaders, ";"),
		hex.EncodeToString(sum[:]),
	}, "\n")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// verify checks the received request's signature with the secret key and
// returns its canonical request.
func verify(t *testing.T, r recorded, secret string) (authHeader, string) {
	t.Helper()
	a := parseAuthorization(t, r.Header.Get("Authorization"))
	require.Len(t, r.Header.Values("Authorization"), 1)
	amzDate := r.Header.Get("X-Amz-Date")
	require.True(t, strings.HasPrefix(amzDate, a.Date), "X-Amz-Date matches the credential scope")
	canon := canonicalRequest(t, r, a)
	scope := a.Date + "/" + a.Region + "/" + a.Service + "/aws4_request"
	csum := sha256.Sum256([]byte(canon))
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(csum[:])
	k := hmacSHA256([]byte("AWS4"+secret), a.Date)
	k = hmacSHA256(k, a.Region)
	k = hmacSHA256(k, a.Service)
	k = hmacSHA256(k, "aws4_request")
	require.Equal(t, hex.EncodeToString(hmacSHA256(k, sts)), a.Signature, "signature over\n%s", canon)
	return a, canon
}
