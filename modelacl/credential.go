package modelacl

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// Credential errors. [FindCredential] returns the first three; the host's
// authenticate function returns an error wrapping [ErrUnknownKey] when it
// does not know the credential. The middleware answers all four with 401.
var (
	// ErrNoCredential: the request carries no credential in any of the
	// places [FindCredential] looks.
	ErrNoCredential = errors.New("modelacl: no credential")
	// ErrAmbiguousCredential: the request carries two or more different
	// credentials (say a Bearer token and a different x-api-key). Which one
	// an upstream or a later handler would honour is not ours to guess, so
	// the request is refused.
	ErrAmbiguousCredential = errors.New("modelacl: several different credentials")
	// ErrMalformedCredential: a credential header is present but unusable:
	// an empty value, an Authorization scheme other than Bearer and
	// AWS4-HMAC-SHA256, a SigV4 header without an access key ID.
	ErrMalformedCredential = errors.New("modelacl: malformed credential")
	// ErrUnknownKey: the host does not know the credential. Authenticate
	// functions return an error wrapping it; the middleware answers 401.
	ErrUnknownKey = errors.New("modelacl: unknown key")
)

// CredentialKind says what a [Credential]'s Secret is.
type CredentialKind uint8

const (
	// CredentialNone is the zero Credential: nothing was found.
	CredentialNone CredentialKind = iota
	// CredentialToken is a bearer token or API key: the secret itself, as
	// sent in "Authorization: Bearer", x-api-key, api-key, x-goog-api-key
	// or the "key" query parameter.
	CredentialToken
	// CredentialAWSAccessKeyID is the access key ID from the Credential=
	// field of a SigV4 "Authorization: AWS4-HMAC-SHA256 ..." header, or
	// from the X-Amz-Credential query parameter of a presigned request. An
	// access key ID is an identifier, not a secret: anyone can copy one.
	// With Options.SigV4 set, the middleware verifies the signature before
	// calling Authenticate and says so in [Credential].Verified; a host
	// must not accept an unverified one unless it trusts the client by
	// other means. Treating the ID alone as proof of identity lets anyone
	// who has seen it act as its owner.
	CredentialAWSAccessKeyID
)

func (k CredentialKind) String() string {
	switch k {
	case CredentialToken:
		return "token"
	case CredentialAWSAccessKeyID:
		return "aws_access_key_id"
	default:
		return "none"
	}
}

// Where [FindCredential] looks, in this order. Source values of a
// [Credential] are these strings.
const (
	SourceAuthorization = "Authorization"  // "Bearer <token>" (OpenAI, Anthropic auth tokens, AWS_BEARER_TOKEN_BEDROCK) or SigV4
	SourceXAPIKey       = "X-Api-Key"      // Anthropic SDKs
	SourceAPIKey        = "Api-Key"        // Azure OpenAI
	SourceXGoogAPIKey   = "X-Goog-Api-Key" // google.golang.org/genai, Gemini API
	SourceQueryKey      = "key"            // Gemini API ?key=; the query parameter name
	// SourceXAmzCredential is the query parameter of a presigned SigV4
	// request.
	SourceXAmzCredential = "X-Amz-Credential"
)

// Credential is the caller's credential as found in the request. Its
// formatting methods never print Secret: fmt verbs, log/slog and
// encoding/json all see "[REDACTED]", so a Credential that ends up in a log
// line by accident does not leak. Read Secret explicitly to look it up.
type Credential struct {
	Kind CredentialKind
	// Source is where the credential was found: one of the Source
	// constants (a canonical header name, or "key" for the query parameter).
	Source string
	// Secret is the token, or for [CredentialAWSAccessKeyID] the access key
	// ID. Never log it.
	Secret string
	// Verified is true only for a [CredentialAWSAccessKeyID] whose SigV4
	// signature the middleware verified (with Options.SigV4, over the
	// request as received, body included) before calling Authenticate.
	// It is false for tokens, and for an access key ID that was not
	// verified: Options.SigV4 is nil, or its lookup holds no secret for the
	// ID (verify.ErrNoSecret). An unverified access key ID proves nothing.
	Verified bool
}

const redacted = "[REDACTED]"

// String describes the credential without its secret.
func (c Credential) String() string {
	if c.Kind == CredentialNone {
		return "Credential{none}"
	}
	v := ""
	if c.Verified {
		v = " (verified)"
	}
	return "Credential{" + c.Kind.String() + " from " + c.Source + v + ": " + redacted + "}"
}

// GoString is like String, for %#v.
func (c Credential) GoString() string { return c.String() }

// Format makes every fmt verb print String, so that %d or %x on a
// Credential does not fall back to printing its fields.
func (c Credential) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue implements [slog.LogValuer] without the secret.
func (c Credential) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("kind", c.Kind.String()),
		slog.String("source", c.Source),
		slog.String("secret", redacted),
		slog.Bool("verified", c.Verified),
	)
}

// MarshalJSON encodes the credential without its secret.
func (c Credential) MarshalJSON() ([]byte, error) {
	// encoding/json quotes Source, which a Credential made by hand may fill
	// with anything.
	return json.Marshal(struct {
		Kind     string `json:"kind"`
		Source   string `json:"source"`
		Secret   string `json:"secret"`
		Verified bool   `json:"verified"`
	}{c.Kind.String(), c.Source, redacted, c.Verified})
}

// FindCredential finds the caller's credential wherever the official
// clients of the supported providers put it:
//
//   - Authorization: Bearer <token> (OpenAI and compatible SDKs, Anthropic
//     auth tokens, and the AWS SDKs when AWS_BEARER_TOKEN_BEDROCK is set);
//   - Authorization: AWS4-HMAC-SHA256 Credential=<access key ID>/... (SigV4;
//     see [CredentialAWSAccessKeyID] for what that does and does not prove);
//   - x-api-key (Anthropic), api-key (Azure OpenAI), x-goog-api-key (Gemini);
//   - the "key" query parameter (Gemini API keys in the URL);
//   - the X-Amz-Credential query parameter of a presigned SigV4 request.
//
// The scheme name is matched case-insensitively (RFC 9110, section 11.1);
// header and query values are taken as sent, without trimming.
//
// It fails closed: two different credentials in one request (in different
// places, or the same header twice with different values) are
// [ErrAmbiguousCredential]; the same secret sent in two places (some
// clients send both Authorization and x-api-key) is accepted and reported
// from the first place in the list above. An unusable credential header is
// [ErrMalformedCredential] even when another, usable one is present. No
// credential at all is [ErrNoCredential] with the zero Credential.
//
// FindCredential does not allocate unless the query string holds a "key"
// parameter that needs unescaping.
func FindCredential(r *http.Request) (Credential, error) {
	hs := headersOf(r.Header)
	return findCredential(r, &hs)
}

// findCredential is FindCredential on r, whose headers are hs.
func findCredential(r *http.Request, hs *requestHeaders) (Credential, error) {
	var f finder
	for _, v := range hs.authorization {
		f.add(parseAuthorization(v))
	}
	if len(hs.xAPIKey)+len(hs.apiKey)+len(hs.xGoogAPIKey) > 0 {
		f.addTokens(SourceXAPIKey, hs.xAPIKey)
		f.addTokens(SourceAPIKey, hs.apiKey)
		f.addTokens(SourceXGoogAPIKey, hs.xGoogAPIKey)
	}
	if r.URL != nil && r.URL.RawQuery != "" {
		forEachQueryKey(r.URL.RawQuery, func(value string, err error) {
			if err == nil && value == "" {
				err = ErrMalformedCredential
			}
			f.add(Credential{Kind: CredentialToken, Source: SourceQueryKey, Secret: value}, err)
		})
		forEachQueryAmzCredential(r.URL.RawQuery, func(akid string, err error) {
			f.add(Credential{Kind: CredentialAWSAccessKeyID, Source: SourceXAmzCredential, Secret: akid}, err)
		})
	}
	if f.err != nil {
		return Credential{}, f.err
	}
	if f.found.Kind == CredentialNone {
		return Credential{}, ErrNoCredential
	}
	return f.found, nil
}

// finder accumulates credentials and keeps the first error.
type finder struct {
	found Credential
	err   error
}

func (f *finder) add(c Credential, err error) {
	if f.err != nil {
		return
	}
	if err != nil {
		f.err = err
		return
	}
	switch {
	case f.found.Kind == CredentialNone:
		f.found = c
	case f.found.Kind != c.Kind || f.found.Secret != c.Secret:
		f.err = ErrAmbiguousCredential
	}
}

// addTokens adds the values of an API key header, src.
func (f *finder) addTokens(src string, values []string) {
	for _, v := range values {
		if v == "" {
			f.add(Credential{}, ErrMalformedCredential)
			continue
		}
		f.add(Credential{Kind: CredentialToken, Source: src, Secret: v}, nil)
	}
}

// parseAuthorization reads one Authorization header value.
func parseAuthorization(v string) (Credential, error) {
	scheme, rest := v, ""
	if i := strings.IndexByte(v, ' '); i >= 0 {
		scheme, rest = v[:i], v[i+1:]
	}
	switch {
	case scheme == "Bearer" || strings.EqualFold(scheme, "Bearer"): // the spelling every SDK sends, first
		// RFC 6750 token68: no spaces; extra spaces before it are tolerated
		// by some servers, but an empty or space-containing token is not a
		// token.
		// (Byte searches, not TrimLeft and ContainsAny with their set
		// building: this runs on every request.)
		for rest != "" && rest[0] == ' ' {
			rest = rest[1:]
		}
		if rest == "" || strings.IndexByte(rest, ' ') >= 0 || strings.IndexByte(rest, '\t') >= 0 {
			return Credential{}, ErrMalformedCredential
		}
		return Credential{Kind: CredentialToken, Source: SourceAuthorization, Secret: rest}, nil
	case strings.EqualFold(scheme, "AWS4-HMAC-SHA256"):
		akid, ok := sigV4AccessKeyID(rest)
		if !ok {
			return Credential{}, ErrMalformedCredential
		}
		return Credential{Kind: CredentialAWSAccessKeyID, Source: SourceAuthorization, Secret: akid}, nil
	default:
		return Credential{}, ErrMalformedCredential
	}
}

// sigV4AccessKeyID returns the access key ID of the parameters of a SigV4
// Authorization header:
//
//	Credential=AKID/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=..., Signature=...
//
// Exactly one Credential parameter with a five-part scope is accepted.
func sigV4AccessKeyID(params string) (string, bool) {
	var akid string
	seen := false
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ",")
		p = strings.TrimSpace(p)
		name, value, ok := strings.Cut(p, "=")
		if !ok || name != "Credential" {
			continue
		}
		if seen {
			return "", false
		}
		seen = true
		id, ok := scopedAccessKeyID(value)
		if !ok {
			return "", false
		}
		akid = id
	}
	return akid, seen
}

// scopedAccessKeyID returns the access key ID of a SigV4 credential,
// AKID/date/region/service/aws4_request.
func scopedAccessKeyID(cred string) (string, bool) {
	id, scope, ok := strings.Cut(cred, "/")
	if !ok || strings.Count(scope, "/") != 3 || !IsAccessKeyID(id) {
		return "", false
	}
	return id, true
}

// forEachQueryAmzCredential calls fn with the access key ID of every query
// parameter whose decoded name is X-Amz-Credential in any letter case (a
// presigned SigV4 request), or an error if its value is not a credential.
func forEachQueryAmzCredential(rawQuery string, fn func(akid string, err error)) {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		name, value, _ := strings.Cut(pair, "=")
		if len(name) < len(SourceXAmzCredential) || !isAmzParam(name) {
			continue
		}
		if n, err := url.QueryUnescape(name); err != nil || !strings.EqualFold(n, SourceXAmzCredential) {
			continue
		}
		v, err := url.QueryUnescape(value)
		id, ok := scopedAccessKeyID(v)
		if err != nil || !ok {
			fn("", ErrMalformedCredential)
			continue
		}
		fn(id, nil)
	}
}

// isAmzParam reports whether a raw (still escaped) query parameter name
// decodes to one starting "x-amz-" in any letter case: the SigV4
// presigning parameters, which are credentials and never go upstream.
func isAmzParam(raw string) bool {
	if len(raw) >= 6 && strings.EqualFold(raw[:6], "x-amz-") {
		return true
	}
	if strings.IndexByte(raw, '%') < 0 {
		return false
	}
	name, err := url.QueryUnescape(raw)
	return err == nil && len(name) >= 6 && strings.EqualFold(name[:6], "x-amz-")
}

// forEachQueryKey calls fn with the decoded value of every query parameter
// whose decoded name is "key" in any letter case. The upstream's reading
// of the name is not ours to guess, so every spelling counts as a
// credential (and is stripped before the request goes on).
func forEachQueryKey(rawQuery string, fn func(value string, err error)) {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		name, value, _ := strings.Cut(pair, "=")
		if !isKeyParam(name) {
			continue
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			err = ErrMalformedCredential
		}
		fn(v, err)
	}
}

// isKeyParam reports whether a raw (still escaped) query parameter name
// decodes to "key" in any letter case.
func isKeyParam(raw string) bool {
	if len(raw) == 3 {
		return strings.EqualFold(raw, "key")
	}
	if len(raw) > 9 || strings.IndexByte(raw, '%') < 0 {
		return false // "%6B%65%79" is the longest spelling
	}
	name, err := url.QueryUnescape(raw)
	return err == nil && strings.EqualFold(name, "key")
}

// stripQueryKeys returns rawQuery without its credential parameters
// ("key", and the X-Amz-* parameters of a presigned SigV4 request), and
// whether it removed any. The other parameters keep their bytes and order.
func stripQueryKeys(rawQuery string) (string, bool) {
	if rawQuery == "" { // inlined: most requests have no query
		return rawQuery, false
	}
	return stripQueryKeysIn(rawQuery)
}

// stripQueryKeysIn is stripQueryKeys on a query that is not empty.
func stripQueryKeysIn(rawQuery string) (string, bool) {
	found := false
	for q := rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		name, _, _ := strings.Cut(pair, "=")
		if isKeyParam(name) || isAmzParam(name) {
			found = true
			break
		}
	}
	if !found {
		return rawQuery, false
	}
	var b strings.Builder
	b.Grow(len(rawQuery))
	for q := rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		name, _, _ := strings.Cut(pair, "=")
		if isKeyParam(name) || isAmzParam(name) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(pair)
	}
	return b.String(), true
}
