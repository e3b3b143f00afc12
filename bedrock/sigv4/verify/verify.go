package verify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/modelgate/modelgate/bedrock"
	"github.com/modelgate/modelgate/internal/hexdigit"
)

// Algorithm is the only signing algorithm verified.
const Algorithm = "AWS4-HMAC-SHA256"

// DefaultService is the credential scope's service when [Options].Service
// is empty: the SigV4 signing name of the Bedrock runtime API.
const DefaultService = "bedrock"

// DefaultMaxSkew is the request time window when [Options].MaxSkew is
// zero: 5 minutes either side, as AWS services accept.
const DefaultMaxSkew = 5 * time.Minute

// MaxPresignExpires is the longest X-Amz-Expires a presigned request may
// carry: 7 days (604,800 seconds), AWS's limit.
const MaxPresignExpires = 7 * 24 * time.Hour

// amzDateFormat is the layout of X-Amz-Date.
const amzDateFormat = "20060102T150405Z"

// Credentials are what a host issued for one access key ID.
type Credentials struct {
	// SecretAccessKey verifies the signature. Required: a lookup that
	// returns an empty one is treated as not knowing the ID.
	SecretAccessKey string
	// SessionToken, if set, must equal the request's X-Amz-Security-Token
	// (a header, or the query parameter of a presigned request), which
	// must then be signed. If empty, a request that carries a session
	// token is refused.
	SessionToken string
}

// Options configures a [Verifier]. Lookup is required; every other field
// has a documented zero value.
type Options struct {
	// Lookup returns the credentials the host issued for an access key ID.
	// It returns an error wrapping [ErrNoSecret] for an ID it knows but
	// holds no secret for, and any other error for an ID it does not know
	// (both refused as UnrecognizedClientException; the error is never
	// shown to the client). It runs before the body is read, and must be
	// safe for concurrent use.
	Lookup func(ctx context.Context, accessKeyID string) (Credentials, error)

	// Regions are the Regions a credential scope may name. Nil or empty:
	// any string of the shape of an AWS Region code
	// ([bedrock.IsRegion]); a signature covers its Region, so it cannot be
	// moved to another one either way.
	Regions []string

	// Service is the credential scope's service. Empty: [DefaultService]
	// ("bedrock").
	Service string

	// MaxSkew is how far the request time may lie from the verifier's
	// clock, either way. Zero: [DefaultMaxSkew] (5 minutes). Negative, or
	// more than an hour, is an error.
	MaxSkew time.Duration

	// Clock is the verifier's time. Nil: time.Now. Tests set it.
	Clock func() time.Time
}

// Verifier verifies AWS Signature Version 4 signatures of incoming
// requests. Create it with [New]; it is immutable and safe for concurrent
// use. Most callers want [Verifier.Parse] before reading the body and
// [Signature.Verify] after; [Verifier.Verify] does both.
type Verifier struct {
	lookup  func(context.Context, string) (Credentials, error)
	regions []string
	service string
	skew    time.Duration
	now     func() time.Time
	window  string // the skew as AWS's messages write it, "5 min."
}

// New validates o and returns a Verifier.
func New(o Options) (*Verifier, error) {
	if o.Lookup == nil {
		return nil, errors.New("sigv4 verify: Options.Lookup is required")
	}
	v := &Verifier{lookup: o.Lookup, service: o.Service, skew: o.MaxSkew, now: o.Clock}
	for _, r := range o.Regions {
		if !bedrock.IsRegion(r) {
			return nil, fmt.Errorf("sigv4 verify: Regions entry %q is not a Region code", r)
		}
		v.regions = append(v.regions, r)
	}
	if v.service == "" {
		v.service = DefaultService
	}
	if strings.ContainsAny(v.service, "/ ") {
		return nil, fmt.Errorf("sigv4 verify: Service %q is not a signing name", v.service)
	}
	switch {
	case v.skew == 0:
		v.skew = DefaultMaxSkew
	case v.skew < 0 || v.skew > time.Hour:
		return nil, fmt.Errorf("sigv4 verify: MaxSkew %v is not in (0, 1h]", o.MaxSkew)
	}
	if v.now == nil {
		v.now = time.Now
	}
	v.window = v.skew.String()
	if v.skew%time.Minute == 0 {
		v.window = strconv.Itoa(int(v.skew/time.Minute)) + " min."
	}
	return v, nil
}

// Now returns the verifier's time, the clock requests are judged by. A
// server that answers a refusal should send it as the Date header, which
// is what the AWS SDKs correct their clock from.
func (v *Verifier) Now() time.Time { return v.now() }

// Signature is a request's SigV4 signature after [Verifier.Parse]: every
// check that needs neither the body nor the signing arithmetic is done,
// and the host's credentials for the access key ID are known. Its
// formatting methods print neither the secret nor the signature. It is
// for one request only.
type Signature struct {
	// AccessKeyID is the ID the request was signed under.
	AccessKeyID string
	// Presigned is true for query-string authentication (X-Amz-Signature in
	// the URL), false for the Authorization header.
	Presigned bool
	// Time is the signing time (X-Amz-Date).
	Time time.Time
	// Region is the credential scope's Region.
	Region string

	secret      string
	amzDate     string
	scope       string // date/region/service/aws4_request
	signed      string // the SignedHeaders value, names joined by ';'
	sig         [sha256.Size]byte
	payloadHash string // X-Amz-Content-Sha256 as sent, "" if absent
}

// String describes the signature without secret or signature bytes.
func (s *Signature) String() string {
	if s == nil {
		return "Signature{nil}"
	}
	kind := "header"
	if s.Presigned {
		kind = "presigned"
	}
	return "Signature{" + kind + " scope " + s.scope + " signed " + s.signed + "}"
}

// GoString is like String, for %#v.
func (s *Signature) GoString() string { return s.String() }

// Format makes every fmt verb print String.
func (s *Signature) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// LogValue implements [slog.LogValuer] without secret or signature.
func (s *Signature) LogValue() slog.Value { return slog.StringValue(s.String()) }

// HasSecret reports whether the lookup holds a secret for accessKeyID. A
// middleware uses it to refuse an access key ID sent as a bearer token or
// API key: a key that has a secret authenticates only through a verified
// signature.
func (v *Verifier) HasSecret(ctx context.Context, accessKeyID string) bool {
	c, err := v.lookup(ctx, accessKeyID)
	return err == nil && c.SecretAccessKey != ""
}

// Verify is [Verifier.Parse] then [Signature.Verify], for a host that has
// the whole body already.
func (v *Verifier) Verify(r *http.Request, body []byte) error {
	s, err := v.Parse(r)
	if err != nil {
		return err
	}
	return s.Verify(r, body)
}

// Parse reads the SigV4 signature of r (an incoming server request) from
// its Authorization header or its presigned query, and checks everything
// that does not need the body: the shape of the signature, the signed
// headers that must be there, the request time against the window, the
// credential scope (date, Region, service), the payload-hash header, and
// the host's credentials for the access key ID (Options.Lookup) and
// session token. It never reads r.Body. Every refusal is an [*Error].
func (v *Verifier) Parse(r *http.Request) (*Signature, error) {
	auths := r.Header["Authorization"]
	presigned := hasPresignParam(r.URL.RawQuery)
	var s *Signature
	var err *Error
	switch {
	case len(auths) > 1:
		return nil, incomplete("The request carries more than one Authorization header.")
	case len(auths) == 1 && presigned:
		return nil, incomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
	case len(auths) == 1:
		s, err = v.parseHeader(r, auths[0])
	case presigned:
		s, err = v.parsePresigned(r)
	default:
		return nil, incomplete("Missing Authentication Token")
	}
	if err != nil {
		return nil, err
	}
	if err := v.credentials(r, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (v *Verifier) parseHeader(r *http.Request, auth string) (*Signature, *Error) {
	rest, ok := strings.CutPrefix(auth, Algorithm+" ")
	if !ok {
		if strings.HasPrefix(auth, "AWS4-ECDSA-P256-SHA256") {
			return nil, unsupported("SigV4a (AWS4-ECDSA-P256-SHA256) signatures are not supported; sign with AWS4-HMAC-SHA256.")
		}
		return nil, incomplete("Unsupported AWS 'algorithm': only AWS4-HMAC-SHA256 is accepted.")
	}
	var cred, signed, sig string
	var seen [3]bool
	for rest != "" {
		var field string
		field, rest, _ = strings.Cut(rest, ",")
		field = strings.TrimLeft(field, " ")
		name, value, ok := strings.Cut(field, "=")
		if !ok {
			return nil, incomplete("An Authorization field is not a valid key=value pair (missing equal-sign).")
		}
		var i int
		switch name {
		case "Credential":
			i, cred = 0, value
		case "SignedHeaders":
			i, signed = 1, value
		case "Signature":
			i, sig = 2, value
		default:
			return nil, incomplete("The Authorization header has an unknown field.")
		}
		if seen[i] {
			return nil, incomplete("The Authorization header repeats a field.")
		}
		seen[i] = true
	}
	switch {
	case !seen[0]:
		return nil, incomplete("Authorization header requires 'Credential' parameter.")
	case !seen[1]:
		return nil, incomplete("Authorization header requires 'SignedHeaders' parameter.")
	case !seen[2]:
		return nil, incomplete("Authorization header requires 'Signature' parameter.")
	}
	if len(r.Header["Date"]) > 0 && len(r.Header["X-Amz-Date"]) == 0 {
		return nil, unsupported("Sign with an X-Amz-Date header; a Date header alone is not accepted.")
	}
	dates := r.Header["X-Amz-Date"]
	if len(dates) != 1 {
		return nil, incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	s := &Signature{signed: signed}
	if err := v.common(r, s, cred, dates[0], sig, 0); err != nil {
		return nil, err
	}
	if !hasName(signed, "x-amz-date") {
		return nil, invalid("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if len(r.Header["X-Amz-Security-Token"]) > 0 && !hasName(signed, "x-amz-security-token") {
		return nil, invalid("'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return s, nil
}

func (v *Verifier) parsePresigned(r *http.Request) (*Signature, *Error) {
	var p [len(presignParams)]string
	var seen [len(presignParams)]bool
	for q := r.URL.RawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		name, value, _ := strings.Cut(pair, "=")
		i := presignIndex(name)
		if i < 0 {
			continue
		}
		if seen[i] {
			return nil, incomplete("A presigned query repeats an X-Amz-* parameter.")
		}
		dv, err := queryUnescape(value)
		if err != nil {
			return nil, incomplete("A presigned query parameter is not well encoded.")
		}
		seen[i], p[i] = true, dv
	}
	for i, name := range presignParams {
		if !seen[i] && name != "X-Amz-Security-Token" {
			return nil, incomplete("AWS query-string parameters must include '" + name + "'.")
		}
	}
	if p[0] != Algorithm {
		if p[0] == "AWS4-ECDSA-P256-SHA256" {
			return nil, unsupported("SigV4a (AWS4-ECDSA-P256-SHA256) signatures are not supported; sign with AWS4-HMAC-SHA256.")
		}
		return nil, incomplete("Unsupported AWS 'algorithm': only AWS4-HMAC-SHA256 is accepted.")
	}
	n, err := strconv.ParseUint(p[3], 10, 32)
	if err != nil || n == 0 || time.Duration(n)*time.Second > MaxPresignExpires {
		return nil, incomplete("X-Amz-Expires must be a whole number of seconds between 1 and 604800.")
	}
	s := &Signature{signed: p[4], Presigned: true}
	if err := v.common(r, s, p[1], p[2], p[5], time.Duration(n)*time.Second); err != nil {
		return nil, err
	}
	return s, nil
}

// presignParams are the query parameters of a presigned request, in the
// order parsePresigned indexes them.
var presignParams = [...]string{
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
}

func presignIndex(rawName string) int {
	if !strings.HasPrefix(rawName, "X-Amz-") {
		return -1
	}
	for i, p := range presignParams {
		if rawName == p {
			return i
		}
	}
	return -1
}

// hasPresignParam reports whether the query names a presigning parameter
// (any letter case, escaped or not, counts: a parameter a lenient reader
// would take for one is not ignored).
func hasPresignParam(rawQuery string) bool {
	for q := rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		name, _, _ := strings.Cut(pair, "=")
		if strings.IndexByte(name, '%') >= 0 {
			if dn, err := queryUnescape(name); err == nil {
				name = dn
			}
		}
		for _, p := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"} {
			if strings.EqualFold(name, p) {
				return true
			}
		}
	}
	return false
}

// common checks what header and query authentication share: the
// credential scope, the date against the scope and the clock, the signed
// headers and the signature's shape. expires is zero for header auth.
func (v *Verifier) common(r *http.Request, s *Signature, cred, amzDate, sig string, expires time.Duration) *Error {
	// Credential: AKID/date/region/service/aws4_request.
	akid, scope, ok := strings.Cut(cred, "/")
	if !ok || akid == "" || len(akid) > 128 || strings.Count(scope, "/") != 3 {
		return incomplete("Credential must have the form <access key ID>/<date>/<Region>/<service>/aws4_request.")
	}
	date, rest, _ := strings.Cut(scope, "/")
	region, rest, _ := strings.Cut(rest, "/")
	service, term, _ := strings.Cut(rest, "/")
	if term != "aws4_request" {
		return invalid("Credential should be scoped with a valid terminator: 'aws4_request'.")
	}
	if !v.regionOK(region) {
		return invalid("Credential should be scoped to a valid region.")
	}
	if service != v.service {
		return invalid("Credential should be scoped to correct service: '" + v.service + "'.")
	}
	t, err := time.Parse(amzDateFormat, amzDate)
	if err != nil || len(amzDate) != len(amzDateFormat) {
		return incomplete("X-Amz-Date must be in the ISO-8601 basic format YYYYMMDD'T'HHMMSS'Z'.")
	}
	if date != amzDate[:8] {
		return invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			safeDate(date) + "' != '" + amzDate[:8] + "', from '" + amzDate + "'.")
	}
	if err := v.checkTime(t, expires); err != nil {
		return err
	}
	if err := checkSignedHeaders(s.signed); err != nil {
		return err
	}
	if !hasName(s.signed, "host") {
		return invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if len(sig) != 2*sha256.Size || strings.Trim(sig, "0123456789abcdef") != "" {
		return incomplete("Signature must be 64 lower-case hexadecimal digits.")
	}
	_, _ = hex.Decode(s.sig[:], []byte(sig))

	// The payload hash, when the client sends it, must be signed and a
	// hash of this body: the shapes that sign something else are refused.
	switch ph := r.Header["X-Amz-Content-Sha256"]; len(ph) {
	case 0:
	case 1:
		if !hasName(s.signed, "x-amz-content-sha256") {
			return invalid("'X-Amz-Content-Sha256' must be a 'SignedHeader' in the AWS Authorization.")
		}
		switch h := ph[0]; {
		case h == "UNSIGNED-PAYLOAD":
			return unsupported("UNSIGNED-PAYLOAD is not accepted: sign the payload.")
		case strings.HasPrefix(h, "STREAMING-"):
			return unsupported("Chunked and event-stream payload signing (" + safeToken(h) + ") is not supported: send the body whole.")
		case len(h) != 2*sha256.Size || strings.Trim(h, "0123456789abcdef") != "":
			return incomplete("X-Amz-Content-Sha256 must be the body's SHA-256 in lower-case hexadecimal.")
		}
		s.payloadHash = ph[0]
	default:
		return incomplete("The request carries more than one X-Amz-Content-Sha256 header.")
	}
	s.AccessKeyID, s.Time, s.Region, s.amzDate, s.scope = akid, t, region, amzDate, scope
	return nil
}

func (v *Verifier) regionOK(region string) bool {
	if len(v.regions) == 0 {
		return bedrock.IsRegion(region)
	}
	return slices.Contains(v.regions, region)
}

// checkTime holds the signing time to the window: within the skew of the
// clock for header auth; for a presigned request, no later than the skew
// ahead and not past its expiry.
func (v *Verifier) checkTime(t time.Time, expires time.Duration) *Error {
	now := v.now().UTC()
	mins := v.window
	if late := now.Add(v.skew); t.After(late) {
		return expired("Signature not yet current: " + t.Format(amzDateFormat) + " is still later than " +
			late.Format(amzDateFormat) + " (" + now.Format(amzDateFormat) + " + " + mins + ")")
	}
	if expires > 0 {
		if end := t.Add(expires); now.After(end) {
			return expired("Signature expired: " + end.Format(amzDateFormat) + " is now earlier than " + now.Format(amzDateFormat) + ".")
		}
		return nil
	}
	if early := now.Add(-v.skew); t.Before(early) {
		return expired("Signature expired: " + t.Format(amzDateFormat) + " is now earlier than " +
			early.Format(amzDateFormat) + " (" + now.Format(amzDateFormat) + " - " + mins + ")")
	}
	return nil
}

// credentials looks the access key ID up and checks the session token.
func (v *Verifier) credentials(r *http.Request, s *Signature) error {
	c, err := v.lookup(r.Context(), s.AccessKeyID)
	if err != nil {
		return unrecognized(err)
	}
	if c.SecretAccessKey == "" {
		return unrecognized(ErrNoSecret)
	}
	var tok string
	var has bool
	if s.Presigned {
		tok, has = queryValue(r.URL.RawQuery, "X-Amz-Security-Token")
	} else if ts := r.Header["X-Amz-Security-Token"]; len(ts) > 0 {
		if len(ts) > 1 {
			return incomplete("The request carries more than one X-Amz-Security-Token header.")
		}
		tok, has = ts[0], true
	}
	if has != (c.SessionToken != "") || subtle.ConstantTimeCompare([]byte(tok), []byte(c.SessionToken)) != 1 {
		return unrecognized(nil)
	}
	s.secret = c.SecretAccessKey
	return nil
}

// Verify checks the signature over r as received, with body the complete
// request body (which the caller read, bounded; it is hashed once). r must
// be the request s was parsed from, unchanged. The path is taken as the
// client sent it (r.RequestURI when set, which must still match r.URL, so
// what is verified is what goes on), never re-encoded from a decoded form.
func (s *Signature) Verify(r *http.Request, body []byte) error {
	return s.VerifySum(r, sha256.Sum256(body))
}

// VerifySum is [Signature.Verify] for a caller that hashed the complete
// body itself, to keep the sum: bodySum is its SHA-256. A gateway that
// re-signs the request for its upstream over the same bytes can then sign
// with the sum instead of hashing the body again.
func (s *Signature) VerifySum(r *http.Request, bodySum [sha256.Size]byte) error {
	var hashHex [2 * sha256.Size]byte
	hex.Encode(hashHex[:], bodySum[:])
	if s.payloadHash != "" && s.payloadHash != string(hashHex[:]) {
		return invalid("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}

	path, query, err := target(r)
	if err != nil {
		return err
	}
	var arr [1024]byte
	canon := append(arr[:0], r.Method...)
	canon = append(canon, '\n')
	canon = appendURIEncode(canon, path, true)
	canon = append(canon, '\n')
	if canon, err = appendCanonicalQuery(canon, query, s.Presigned); err != nil {
		return err
	}
	canon = append(canon, '\n')
	if canon, err = appendCanonicalHeaders(canon, r, s.signed); err != nil {
		return err
	}
	canon = append(canon, '\n')
	canon = append(canon, s.signed...)
	canon = append(canon, '\n')
	canon = append(canon, hashHex[:]...)
	canonSum := sha256.Sum256(canon)

	var sts [256]byte
	msg := append(sts[:0], Algorithm+"\n"...)
	msg = append(msg, s.amzDate...)
	msg = append(msg, '\n')
	msg = append(msg, s.scope...)
	msg = append(msg, '\n')
	msg = hex.AppendEncode(msg, canonSum[:])

	date, rest, _ := strings.Cut(s.scope, "/")
	region, rest, _ := strings.Cut(rest, "/")
	service, _, _ := strings.Cut(rest, "/")
	var kb [4 + 128]byte
	k := append(kb[:0], "AWS4"...)
	k = append(k, s.secret...)
	key := hmacSum(k, []byte(date))
	key = hmacSum(key[:], []byte(region))
	key = hmacSum(key[:], []byte(service))
	key = hmacSum(key[:], []byte("aws4_request"))
	want := hmacSum(key[:], msg)
	if !hmac.Equal(want[:], s.sig[:]) {
		return invalid(msgMismatch)
	}
	return nil
}

// target returns the escaped path and raw query as the client sent them.
func target(r *http.Request) (path, query string, err error) {
	path, query = r.URL.EscapedPath(), r.URL.RawQuery
	if r.RequestURI == "" {
		return path, query, nil
	}
	sent, sentQuery, _ := strings.Cut(r.RequestURI, "?")
	if sent != path || sentQuery != query {
		// The URL was changed after the request arrived, or re-encoded
		// from a decoded form: the signature covers the bytes sent, the
		// handler would act on others.
		return "", "", invalid("The request target does not match the request as received.")
	}
	return path, query, nil
}

// hmacSum is HMAC-SHA256 on stack buffers (keys here are at most 132 bytes
// and messages a few hundred).
func hmacSum(key, msg []byte) [sha256.Size]byte {
	const block = 64
	var k [block]byte
	if len(key) > block {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var buf [block + 512]byte
	in := buf[:0]
	for _, c := range k {
		in = append(in, c^0x36)
	}
	in = append(in, msg...)
	inner := sha256.Sum256(in)
	out := buf[:0]
	for _, c := range k {
		out = append(out, c^0x5c)
	}
	out = append(out, inner[:]...)
	return sha256.Sum256(out)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

const upperHex = "0123456789ABCDEF"

// appendURIEncode is SigV4's UriEncode: every byte but the unreserved ones
// (and '/', if keepSlash) as %XY in upper-case hex. For the path it is
// applied to the path as sent, still escaped, as AWS does for every
// service but S3: "%3A" on the wire is "%253A" in the canonical request.
func appendURIEncode(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return b
}

// appendCanonicalQuery appends the canonical query: each name=value pair
// decoded once ('+' is a space) and encoded again, sorted by name, then
// value. A presigned request's X-Amz-Signature is left out. An empty pair
// ("a=1&&b=2", "a=1&") or one that does not decode is refused rather than
// guessed.
func appendCanonicalQuery(b []byte, raw string, presigned bool) ([]byte, error) {
	if raw == "" {
		return b, nil
	}
	type pair struct{ k, v []byte }
	var arr [8]pair
	pairs := arr[:0]
	var scratch [256]byte
	buf := scratch[:0]
	for q, more := raw, true; more; {
		var p string
		// more, not q != "": a trailing '&' ends with an empty pair too,
		// which signers disagree on like any other.
		p, q, more = strings.Cut(q, "&")
		if p == "" {
			return b, invalid("The query string has an empty parameter.")
		}
		k, v, _ := strings.Cut(p, "=")
		dk, err := queryUnescape(k)
		if err != nil {
			return b, invalid("A query parameter name is not well encoded.")
		}
		if presigned && dk == "X-Amz-Signature" {
			continue
		}
		dv, err := queryUnescape(v)
		if err != nil {
			return b, invalid("A query parameter value is not well encoded.")
		}
		start := len(buf)
		buf = appendURIEncode(buf, dk, false)
		mid := len(buf)
		buf = appendURIEncode(buf, dv, false)
		pairs = append(pairs, pair{buf[start:mid:mid], buf[mid:len(buf):len(buf)]})
	}
	// buf may have moved while growing: the slices above still point into
	// whichever array held them, which append never modifies again.
	slices.SortFunc(pairs, func(x, y pair) int {
		if c := bytes.Compare(x.k, y.k); c != 0 {
			return c
		}
		return bytes.Compare(x.v, y.v)
	})
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.k...)
		b = append(b, '=')
		b = append(b, p.v...)
	}
	return b, nil
}

// queryUnescape decodes a query component ('+' is a space) without
// allocating when there is nothing to decode.
func queryUnescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) || !hexdigit.Is(s[i+1]) || !hexdigit.Is(s[i+2]) {
				return "", errors.New("bad percent-encoding")
			}
			b = append(b, hexdigit.Value(s[i+1])<<4|hexdigit.Value(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

// queryValue returns the decoded value of the first parameter named name.
func queryValue(raw, name string) (string, bool) {
	for q := raw; q != ""; {
		var p string
		p, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(p, "=")
		if k == name {
			dv, err := queryUnescape(v)
			return dv, err == nil
		}
	}
	return "", false
}

// checkSignedHeaders holds the SignedHeaders list to the form the AWS
// signers produce: lower-case header names, sorted, distinct.
func checkSignedHeaders(list string) *Error {
	if list == "" {
		return incomplete("SignedHeaders must name at least host.")
	}
	prev := ""
	for rest := list; ; {
		name, tail, more := strings.Cut(rest, ";")
		if name == "" || !lowerToken(name) {
			return incomplete("SignedHeaders must be lower-case header names separated by ';'.")
		}
		if prev != "" && name <= prev {
			return incomplete("SignedHeaders must be sorted and distinct.")
		}
		prev = name
		if !more {
			return nil
		}
		rest = tail
	}
}

func lowerToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// hasName reports whether the ';'-separated list holds name.
func hasName(list, name string) bool {
	for list != "" {
		var n string
		n, list, _ = strings.Cut(list, ";")
		if n == name {
			return true
		}
	}
	return false
}

// appendCanonicalHeaders appends "name:value\n" for each signed header,
// as received: host is r.Host, content-length the received length, every
// other header its values with surrounding spaces trimmed and runs of
// spaces collapsed, joined by ','. A signed header that was not received,
// or whose value holds a control character, is refused.
func appendCanonicalHeaders(b []byte, r *http.Request, signed string) ([]byte, error) {
	var kb [64]byte
	for rest := signed; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		b = append(b, name...)
		b = append(b, ':')
		switch name {
		case "host":
			if r.Host == "" {
				return b, invalid("The signed header 'host' was not received.")
			}
			b = appendTrimmed(b, r.Host)
			b = append(b, '\n')
			continue
		case "content-length":
			if r.ContentLength < 0 {
				return b, invalid("The signed header 'content-length' was not received.")
			}
			b = strconv.AppendInt(b, r.ContentLength, 10)
			b = append(b, '\n')
			continue
		}
		vals := r.Header[string(canonicalKey(kb[:0], name))]
		if len(vals) == 0 {
			return b, invalid("A signed header was not received.")
		}
		for i, v := range vals {
			for j := 0; j < len(v); j++ {
				if c := v[j]; c < ' ' || c == 0x7f {
					return b, invalid("A signed header value holds a control character.")
				}
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendTrimmed(b, v)
		}
		b = append(b, '\n')
	}
	return b, nil
}

// canonicalKey is http.CanonicalHeaderKey for a lower-case token, into buf.
func canonicalKey(buf []byte, lower string) []byte {
	upper := true
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf = append(buf, c)
		upper = c == '-'
	}
	return buf
}

// appendTrimmed appends v without leading and trailing spaces and with
// each run of spaces as one, as the AWS signers do.
func appendTrimmed(b []byte, v string) []byte {
	v = strings.Trim(v, " ")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			space = true
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
	}
	return b
}

// safeDate returns a scope date for a message only if it is 8 digits.
func safeDate(s string) string {
	if len(s) == 8 && strings.Trim(s, "0123456789") == "" {
		return s
	}
	return "?"
}

// safeToken returns an X-Amz-Content-Sha256 value for a message only if it
// is one of the short upper-case names AWS defines.
func safeToken(s string) string {
	if len(s) <= 64 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == "" {
		return s
	}
	return "STREAMING-*"
}
