package sigv4test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm this package understands.
const Algorithm = "AWS4-HMAC-SHA256"

// AmzDateFormat is the layout of the X-Amz-Date header.
const AmzDateFormat = "20060102T150405Z"

// Authorization is a parsed SigV4 Authorization header.
type Authorization struct {
	Algorithm   string // always [Algorithm]
	AccessKeyID string
	// Date, Region and Service are the credential scope; Date is YYYYMMDD.
	Date, Region, Service string
	// SignedHeaders are the lower-case names of the signed headers, sorted.
	SignedHeaders []string
	// Signature is the lower-case hex HMAC-SHA256 signature.
	Signature string
}

// Scope returns the credential scope, "date/region/service/aws4_request".
func (a Authorization) Scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/aws4_request"
}

// ParseAuthorization parses an Authorization header of the form
//
//	AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=<64 hex digits>
//
// It is strict: each of the three fields exactly once, in any order,
// separated by ", "; no other field; a five-part credential ending in
// aws4_request; signed header names lower case, sorted and distinct; a
// signature of 64 lower-case hex digits.
func ParseAuthorization(v string) (Authorization, error) {
	rest, ok := strings.CutPrefix(v, Algorithm+" ")
	if !ok {
		return Authorization{}, errors.New("sigv4test: Authorization does not start with " + Algorithm)
	}
	a := Authorization{Algorithm: Algorithm}
	seen := map[string]bool{}
	for _, part := range strings.Split(rest, ", ") {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return Authorization{}, fmt.Errorf("sigv4test: Authorization field %q has no '='", k)
		}
		if seen[k] {
			return Authorization{}, fmt.Errorf("sigv4test: Authorization field %q repeated", k)
		}
		seen[k] = true
		switch k {
		case "Credential":
			f := strings.Split(val, "/")
			if len(f) != 5 || f[4] != "aws4_request" {
				return Authorization{}, errors.New("sigv4test: Credential is not AKID/date/region/service/aws4_request")
			}
			for _, s := range f[:4] {
				if s == "" {
					return Authorization{}, errors.New("sigv4test: Credential has an empty part")
				}
			}
			a.AccessKeyID, a.Date, a.Region, a.Service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(val, ";")
			for i, h := range a.SignedHeaders {
				if h == "" || h != strings.ToLower(h) {
					return Authorization{}, fmt.Errorf("sigv4test: signed header %q is empty or not lower case", h)
				}
				if i > 0 && a.SignedHeaders[i-1] >= h {
					return Authorization{}, fmt.Errorf("sigv4test: signed header %q is not sorted or repeated", h)
				}
			}
		case "Signature":
			if len(val) != 64 || strings.Trim(val, "0123456789abcdef") != "" {
				return Authorization{}, errors.New("sigv4test: Signature is not 64 lower-case hex digits")
			}
			a.Signature = val
		default:
			return Authorization{}, fmt.Errorf("sigv4test: unexpected Authorization field %q", k)
		}
	}
	if len(seen) != 3 {
		return Authorization{}, errors.New("sigv4test: Authorization needs Credential, SignedHeaders and Signature")
	}
	return a, nil
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// uriEncode is SigV4's UriEncode: every byte but the unreserved characters
// (and '/', if keepSlash) as %XY with upper-case hex.
func uriEncode(s string, keepSlash bool) string {
	const hexUpper = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&15])
	}
	return b.String()
}

func canonicalQuery(rawQuery string) (string, error) {
	if rawQuery == "" {
		return "", nil
	}
	type pair struct{ k, v string }
	var pairs []pair
	for _, kv := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			return "", fmt.Errorf("sigv4test: query name %q: %w", k, err)
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			return "", fmt.Errorf("sigv4test: query value of %q: %w", k, err)
		}
		pairs = append(pairs, pair{uriEncode(dk, false), uriEncode(dv, false)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k + "=" + p.v)
	}
	return b.String(), nil
}

// CanonicalRequest builds the SigV4 canonical request of a request as a
// server received it: requestURI is the request target as on the request
// line ([http.Request.RequestURI]: escaped path and raw query), host the
// Host header, contentLength the received length, body the received body
// and signedHeaders the lower-case names the signature covers.
//
// It fails if the request target is not a path, a query pair does not
// decode, or a signed header was not received.
func CanonicalRequest(method, requestURI, host string, header http.Header, contentLength int64, body []byte, signedHeaders []string) (string, error) {
	path, rawQuery, _ := strings.Cut(requestURI, "?")
	if !strings.HasPrefix(path, "/") {
		return "", fmt.Errorf("sigv4test: request target %q is not a path", requestURI)
	}
	query, err := canonicalQuery(rawQuery)
	if err != nil {
		return "", err
	}
	var hdrs strings.Builder
	for _, h := range signedHeaders {
		var v string
		switch h {
		case "host":
			if host == "" {
				return "", errors.New("sigv4test: signed header \"host\" not received")
			}
			v = host
		case "content-length":
			if contentLength < 0 {
				return "", errors.New("sigv4test: signed header \"content-length\" but the length is unknown")
			}
			v = strconv.FormatInt(contentLength, 10)
		default:
			vals := header.Values(h)
			if len(vals) == 0 {
				return "", fmt.Errorf("sigv4test: signed header %q not received", h)
			}
			clean := make([]string, len(vals))
			for i, s := range vals {
				clean[i] = strings.Join(strings.Fields(s), " ")
			}
			v = strings.Join(clean, ",")
		}
		hdrs.WriteString(h + ":" + v + "\n")
	}
	sum := sha256.Sum256(body)
	return strings.Join([]string{
		method,
		uriEncode(path, true),
		query,
		hdrs.String(),
		strings.Join(signedHeaders, ";"),
		hex.EncodeToString(sum[:]),
	}, "\n"), nil
}

// StringToSign returns the SigV4 string to sign for a canonical request
// signed at amzDate (in [AmzDateFormat]) under a's credential scope.
func StringToSign(a Authorization, amzDate, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return Algorithm + "\n" + amzDate + "\n" + a.Scope() + "\n" + hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// Signature returns the lower-case hex signature that the secret access key
// makes over canonicalRequest, signed at amzDate under a's credential scope
// (a.Signature is not used).
func Signature(secret string, a Authorization, amzDate, canonicalRequest string) string {
	k := hmacSHA256([]byte("AWS4"+secret), a.Date)
	k = hmacSHA256(k, a.Region)
	k = hmacSHA256(k, a.Service)
	k = hmacSHA256(k, "aws4_request")
	return hex.EncodeToString(hmacSHA256(k, StringToSign(a, amzDate, canonicalRequest)))
}

// Request is a request as a server received it; [Upstream] records these
// and [Capture] makes one from an [*http.Request] a handler is given.
type Request struct {
	Method string
	// RequestURI is the request target as on the request line.
	RequestURI string
	// Host is the Host header (Go's server removes it from Header).
	Host          string
	Header        http.Header
	Body          []byte
	ContentLength int64
}

// Verify checks r's SigV4 signature with the secret access key and returns
// the parsed Authorization header and the canonical request it rebuilt.
//
// r must carry exactly one Authorization header and one X-Amz-Date whose
// day is the credential scope's, and the signature must cover "host". The
// error says why verification failed and includes the canonical request
// (which holds the signed header values); it never includes the secret or
// the signatures.
func Verify(secret string, r Request) (Authorization, string, error) {
	auths := r.Header.Values("Authorization")
	if len(auths) != 1 {
		return Authorization{}, "", fmt.Errorf("sigv4test: %d Authorization headers, want 1", len(auths))
	}
	a, err := ParseAuthorization(auths[0])
	if err != nil {
		return Authorization{}, "", err
	}
	dates := r.Header.Values("X-Amz-Date")
	if len(dates) != 1 {
		return a, "", fmt.Errorf("sigv4test: %d X-Amz-Date headers, want 1", len(dates))
	}
	amzDate := dates[0]
	if _, err := time.Parse(AmzDateFormat, amzDate); err != nil {
		return a, "", fmt.Errorf("sigv4test: X-Amz-Date %q: %w", amzDate, err)
	}
	if !strings.HasPrefix(amzDate, a.Date) {
		return a, "", fmt.Errorf("sigv4test: X-Amz-Date %q is not on the credential scope's day %q", amzDate, a.Date)
	}
	if i := sort.SearchStrings(a.SignedHeaders, "host"); i == len(a.SignedHeaders) || a.SignedHeaders[i] != "host" {
		return a, "", errors.New("sigv4test: the signature does not cover host")
	}
	canon, err := CanonicalRequest(r.Method, r.RequestURI, r.Host, r.Header, r.ContentLength, r.Body, a.SignedHeaders)
	if err != nil {
		return a, "", err
	}
	want := Signature(secret, a, amzDate, canon)
	if !hmac.Equal([]byte(want), []byte(a.Signature)) {
		return a, canon, fmt.Errorf("sigv4test: signature mismatch over the canonical request\n%s", canon)
	}
	return a, canon, nil
}
