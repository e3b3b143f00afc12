package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/modelgate/modelgate/bedrock"
	"github.com/modelgate/modelgate/internal/wire"
)

// SigningName is the SigV4 service name of the Bedrock runtime API. It
// differs from the host name's "bedrock-runtime".
const SigningName = "bedrock"

// DefaultMaxBodyBytes is the body limit when [Options.MaxBodyBytes] is zero:
// 32 MiB, above Bedrock's documented 25,000,000-byte InvokeModel limit. It
// is the same constant as modelacl.DefaultMaxBodyBytes, so a body the
// middleware accepted is one the signer accepts.
const DefaultMaxBodyBytes = wire.MaxBodyBytes

// Sentinel errors. Every error the package returns wraps exactly one of them.
var (
	// ErrBodyTooLarge: the request body exceeds Options.MaxBodyBytes. A
	// ReverseProxy's ErrorHandler can map it to 413.
	ErrBodyTooLarge = errors.New("sigv4: request body too large")
	// ErrInvalidPath: the path cannot be re-encoded without changing its
	// meaning (empty or dot segment, bad percent-encoding, opaque URL).
	ErrInvalidPath = errors.New("sigv4: invalid request path")
	// ErrInvalidQuery: the query string is not well-formed.
	ErrInvalidQuery = errors.New("sigv4: invalid query string")
	// ErrCredentials: the credentials provider failed.
	ErrCredentials = errors.New("sigv4: cannot retrieve AWS credentials")
	// ErrInvalidOptions: New was given unusable options.
	ErrInvalidOptions = errors.New("sigv4: invalid options")
	// ErrBody: reading the request body failed.
	ErrBody = errors.New("sigv4: cannot read request body")
)

// Options configures a [Signer]. Region and Credentials are required.
type Options struct {
	// Region is the AWS Region to sign for and, unless Endpoint is set, to
	// send to, e.g. "us-east-1".
	Region string

	// Credentials provides the AWS credentials that replace the caller's.
	// It is wrapped in an aws.CredentialsCache unless it already is one.
	Credentials aws.CredentialsProvider

	// Endpoint is the upstream base URL, scheme and host (with an optional
	// port) only, no path, query or user info. Zero value:
	// https://bedrock-runtime.{Region}.amazonaws.com. Set it for FIPS or
	// VPC endpoints, or for tests.
	Endpoint string

	// MaxBodyBytes bounds the request body (hashed, and buffered when it
	// cannot replay itself). Zero means
	// DefaultMaxBodyBytes; negative is an error.
	MaxBodyBytes int64

	// RemoveHeaders names extra request headers to remove before signing
	// (case-insensitive), e.g. the gateway's own tenant or routing headers.
	// The client credentials listed in the package documentation are always
	// removed.
	RemoveHeaders []string

	// Clock returns the signing time. Zero value: time.Now. Tests set it to
	// reproduce a signature.
	Clock func() time.Time
}

// Signer rewrites and signs requests for the Bedrock runtime API. Create it
// with [New]; it is immutable and safe for concurrent use. Most callers want
// [Signer.RoundTripper] as an httputil.ReverseProxy Transport.
type Signer struct {
	region   string
	scheme   string
	host     string
	creds    aws.CredentialsProvider
	maxBody  int64
	remove   []string // canonical header keys
	now      func() time.Time
	signer   *v4.Signer
	emptySum string
}

// New validates o and returns a Signer.
func New(o Options) (*Signer, error) {
	if !bedrock.IsRegion(o.Region) {
		return nil, fmt.Errorf("%w: Region %q is not a Region code", ErrInvalidOptions, o.Region)
	}
	if o.Credentials == nil {
		return nil, fmt.Errorf("%w: Credentials is nil", ErrInvalidOptions)
	}
	if o.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("%w: MaxBodyBytes is negative", ErrInvalidOptions)
	}
	s := &Signer{
		region:  o.Region,
		creds:   o.Credentials,
		maxBody: o.MaxBodyBytes,
		now:     o.Clock,
		signer:  v4.NewSigner(),
	}
	if _, ok := s.creds.(*aws.CredentialsCache); !ok {
		s.creds = aws.NewCredentialsCache(s.creds)
	}
	if s.maxBody == 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = "https://bedrock-runtime." + o.Region + ".amazonaws.com"
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("%w: Endpoint must be http(s)://host[:port]", ErrInvalidOptions)
	}
	s.scheme, s.host = u.Scheme, u.Host
	for _, h := range o.RemoveHeaders {
		s.remove = append(s.remove, http.CanonicalHeaderKey(h))
	}
	sum := sha256.Sum256(nil)
	s.emptySum = hex.EncodeToString(sum[:])
	return s, nil
}

// RoundTripper returns an http.RoundTripper that prepares and signs each
// request as [Signer.Sign] does, on a copy, then sends it with next
// (http.DefaultTransport if nil). The response is returned as next returns
// it, streaming bodies included. The request body is always closed.
func (s *Signer) RoundTripper(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{s: s, next: next}
}

type transport struct {
	s    *Signer
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	if err := t.s.Sign(out); err != nil {
		// Sign has consumed and closed the body, which Clone shares.
		return nil, err
	}
	return t.next.RoundTrip(out)
}

// Sign prepares r in place for the upstream and signs it; see the package
// documentation for every change it makes. r is an outgoing client request
// (as a ReverseProxy's outbound request is). Sign closes r.Body and
// replaces it with a replay from r.GetBody, or, when r cannot replay its
// body, with a buffered copy. On error, r must not be sent.
func (s *Signer) Sign(r *http.Request) error {
	if r.URL == nil {
		return fmt.Errorf("%w: request has no URL", ErrInvalidPath)
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	payload, err := s.bodyHash(r)
	if err != nil {
		return err
	}

	// Credentials: drop everything the client may have authenticated with.
	for k := range r.Header {
		if s.isClientCredential(k) {
			delete(r.Header, k)
		}
	}
	delete(r.Header, "Host")
	delete(r.Header, "Content-Length")
	if err := stripQuery(r.URL); err != nil {
		return err
	}

	// Upstream location and wire path.
	if r.URL.Opaque != "" {
		return fmt.Errorf("%w: opaque URL", ErrInvalidPath)
	}
	raw, decoded, err := wirePath(r.URL.EscapedPath())
	if err != nil {
		return err
	}
	r.URL.Scheme, r.URL.Host, r.Host = s.scheme, s.host, s.host
	r.URL.User, r.URL.Fragment, r.URL.RawFragment = nil, "", ""
	r.URL.Path, r.URL.RawPath = decoded, raw
	if r.URL.EscapedPath() != raw {
		// net/http would send other bytes than the ones we sign.
		return fmt.Errorf("%w: path does not round-trip", ErrInvalidPath)
	}

	creds, err := s.creds.Retrieve(r.Context())
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCredentials, err)
	}

	// Accept-Encoding is sent but not signed (see the package doc).
	ae, hasAE := r.Header["Accept-Encoding"]
	delete(r.Header, "Accept-Encoding")
	err = s.signer.SignHTTP(r.Context(), creds, r, payload, SigningName, s.region, s.now().UTC())
	if hasAE {
		r.Header["Accept-Encoding"] = ae
	}
	if err != nil {
		return fmt.Errorf("sigv4: signing failed: %w", err)
	}
	return nil
}

// bodyHash returns the hex SHA-256 of the body r will send, bounded by
// s.maxBody, leaving r with a body it can send and replay.
func (s *Signer) bodyHash(r *http.Request) (string, error) {
	// The body is sent with a Content-Length and no trailers: trailers
	// would be unsigned headers that arrive after the policy check.
	r.TransferEncoding, r.Trailer = nil, nil
	if r.Body == nil || r.Body == http.NoBody {
		r.Body, r.GetBody, r.ContentLength = http.NoBody, nil, 0
		return s.emptySum, nil
	}
	if r.ContentLength > s.maxBody {
		r.Body.Close()
		return "", fmt.Errorf("%w: %d bytes declared, limit %d", ErrBodyTooLarge, r.ContentLength, s.maxBody)
	}
	if r.GetBody != nil && r.ContentLength > 0 {
		return replayHash(r)
	}
	body, err := s.readBody(r)
	if err != nil || len(body) == 0 {
		return s.emptySum, err
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:]), nil
}

// replayHash hashes a body that can replay itself (GetBody, and a declared
// length) without keeping a copy: it reads one replay into the hash and
// sends another. Both come from GetBody, so the bytes signed are the bytes
// sent even when r.Body was read from before; a replay longer or shorter
// than declared fails as a body that disagrees with its Content-Length
// does. The body is held in memory once, by its owner (net/http's
// NewRequest for a bytes or strings reader, a buffering middleware); a
// replay that can write itself out (io.WriterTo, as bytes.Reader does) is
// hashed straight from its source, and a replay that knows its sum
// ([SummedBody]) is not hashed at all: it is sent as it is.
func replayHash(r *http.Request) (string, error) {
	r.Body.Close()
	r.Body = http.NoBody // not sent if anything below fails
	src, err := r.GetBody()
	if err != nil {
		return "", fmt.Errorf("%w: GetBody: %w", ErrBody, err)
	}
	if sb, ok := src.(SummedBody); ok && sb.Size() == r.ContentLength {
		if sum, ok := sb.ContentSHA256(); ok {
			r.Body = src // unread: sent whole
			return hex.EncodeToString(sum[:]), nil
		}
	}
	h := &boundedHash{h: sha256.New(), left: r.ContentLength}
	_, err = io.Copy(h, src)
	src.Close()
	switch {
	case errors.Is(err, errPastLength):
		return "", fmt.Errorf("%w: body longer than its declared length", ErrBody)
	case err != nil:
		return "", fmt.Errorf("%w: %w", ErrBody, err)
	case h.left != 0:
		return "", fmt.Errorf("%w: body shorter than its declared length", ErrBody)
	}
	if r.Body, err = r.GetBody(); err != nil {
		r.Body = http.NoBody
		return "", fmt.Errorf("%w: GetBody: %w", ErrBody, err)
	}
	return hex.EncodeToString(h.h.Sum(nil)), nil
}

// SummedBody is a request body that knows the SHA-256 of its content, as
// the body the modelacl middleware hands on does once it has verified a
// SigV4 client's signature over it: ContentSHA256 reports the SHA-256 of
// the Size bytes it yields when read from its start (ok false when it
// does not know it). When r.GetBody returns a SummedBody whose Size is the
// declared length, [Signer.Sign] signs with its sum instead of hashing the
// body again, and sends it.
type SummedBody interface {
	ContentSHA256() (sum [sha256.Size]byte, ok bool)
	Size() int64
}

// boundedHash hashes at most left more bytes; a Write past them writes
// nothing and fails.
type boundedHash struct {
	h    hash.Hash
	left int64
}

var errPastLength = errors.New("sigv4: body past its declared length")

func (b *boundedHash) Write(p []byte) (int, error) {
	if int64(len(p)) > b.left {
		return 0, errPastLength
	}
	b.left -= int64(len(p))
	return b.h.Write(p)
}

// readBody buffers r's body, bounded by s.maxBody, and installs the copy.
// r.ContentLength is at most s.maxBody.
func (s *Signer) readBody(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	var body []byte
	if r.ContentLength > 0 {
		// Declared length: one exact allocation. A body shorter or longer
		// than declared is a framing error, and we refuse to guess which
		// bytes the client meant.
		body = make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBody, err)
		}
		var extra [1]byte
		if n, _ := r.Body.Read(extra[:]); n > 0 {
			return nil, fmt.Errorf("%w: body longer than its declared length", ErrBody)
		}
	} else {
		var buf bytes.Buffer
		n, err := buf.ReadFrom(io.LimitReader(r.Body, s.maxBody+1))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBody, err)
		}
		if n > s.maxBody {
			return nil, fmt.Errorf("%w: limit %d", ErrBodyTooLarge, s.maxBody)
		}
		body = buf.Bytes()
	}
	r.ContentLength = int64(len(body))
	if len(body) == 0 {
		r.Body, r.GetBody = http.NoBody, nil
		return nil, nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return body, nil
}

// credentialHeaders are the request headers that carry a caller's
// credential in one of the dialects a gateway accepts (the list the
// middleware strips, modelacl.CredentialHeaders), and Cookie, which may
// carry a session; none may reach AWS.
var credentialHeaders = slices.Concat(wire.CredentialHeaders[:], []string{"Cookie"})

func (s *Signer) isClientCredential(key string) bool {
	// X-Amz-* are SigV4 protocol and security headers; Bedrock's own
	// headers are X-Amzn-Bedrock-* and do not match this prefix.
	if len(key) >= 6 && strings.EqualFold(key[:6], "x-amz-") {
		return true
	}
	for _, h := range credentialHeaders {
		if strings.EqualFold(key, h) {
			return true
		}
	}
	for _, h := range s.remove {
		if strings.EqualFold(key, h) {
			return true
		}
	}
	return false
}

// stripQuery removes credential-bearing query parameters. The signer
// rewrites RawQuery into its canonical form when it signs, so what is sent
// is what is signed.
func stripQuery(u *url.URL) error {
	if u.RawQuery == "" {
		u.ForceQuery = false
		return nil
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidQuery, err)
	}
	for k := range q {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") || lk == "key" || lk == "api-key" || lk == "api_key" {
			delete(q, k)
		}
	}
	u.RawQuery = q.Encode()
	u.ForceQuery = false
	return nil
}

// wirePath decodes each segment of an escaped path exactly once and
// re-encodes it the way the AWS SDKs do. It returns the escaped form and the
// decoded form (for URL.RawPath and URL.Path).
func wirePath(escaped string) (raw, decoded string, err error) {
	if escaped == "" || escaped == "/" {
		return "/", "/", nil
	}
	if escaped[0] != '/' {
		return "", "", fmt.Errorf("%w: path does not start with /", ErrInvalidPath)
	}
	var rb, db strings.Builder
	rb.Grow(len(escaped) + 16)
	db.Grow(len(escaped))
	rest := escaped[1:]
	for {
		seg, tail, more := strings.Cut(rest, "/")
		if seg == "" {
			return "", "", fmt.Errorf("%w: empty path segment", ErrInvalidPath)
		}
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return "", "", fmt.Errorf("%w: bad percent-encoding", ErrInvalidPath)
		}
		if dec == "." || dec == ".." {
			return "", "", fmt.Errorf("%w: dot segment", ErrInvalidPath)
		}
		rb.WriteByte('/')
		db.WriteByte('/')
		escapeSegment(&rb, dec)
		db.WriteString(dec)
		if !more {
			break
		}
		rest = tail
	}
	return rb.String(), db.String(), nil
}

const upperHex = "0123456789ABCDEF"

// escapeSegment writes s with every byte outside the RFC 3986 unreserved set
// percent-encoded in upper-case hex, '/' included.
func escapeSegment(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
}
