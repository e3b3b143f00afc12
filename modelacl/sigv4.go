package modelacl

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"

	"github.com/modelgate/modelgate/bedrock/sigv4/verify"
)

// ErrAccessKeyIDAsToken: a bearer token or API key that is an AWS access
// key ID which Options.SigV4 holds a secret for. An access key ID is never
// a credential by itself; a key that has a secret authenticates only
// through a verified signature. It wraps [ErrUnknownKey] (401).
var ErrAccessKeyIDAsToken = fmt.Errorf("%w: an AWS access key ID sent as a token", ErrUnknownKey)

// errSigV4Mismatch: the access key ID the signature names is not the one
// FindCredential found (they parse the same field, so this is a bug, and
// refused as one).
var errSigV4Mismatch = errors.New("modelacl: SigV4 access key ID does not match the credential")

// verifySigV4 is the SigV4 part of step 2 (authenticate), run when
// Options.SigV4 is set, before Authenticate:
//
//   - a token that is an access key ID the verifier holds a secret for is
//     refused, unread;
//   - a SigV4 credential is parsed and its access key ID looked up before
//     anything is read, so an unknown ID, a malformed signature, a stale
//     or future request time or a foreign scope costs no body read; then
//     the body is read (bounded by MaxBodyBytes, on every route: the
//     payload hash covers it even where the model is in the path) and the
//     signature verified over the request as received. cred.Verified
//     records success.
//
// The body it read is returned, for steps 3 and 5 to reuse: it is read
// once and hashed once, and the body handed on reports that hash
// (ContentSHA256, which bedrock/sigv4's signer takes instead of hashing
// the bytes again).
func (m *Middleware) verifySigV4(r *http.Request, cred *Credential, l *lease) (body, error) {
	v := m.c.sigv4 // set: authenticate calls this only then
	switch {
	case cred.Kind == CredentialToken:
		if IsAccessKeyID(cred.Secret) && v.HasSecret(r.Context(), cred.Secret) {
			return body{}, ErrAccessKeyIDAsToken
		}
		return body{}, nil
	case cred.Kind != CredentialAWSAccessKeyID:
		return body{}, nil
	}
	s, err := v.Parse(r)
	if errors.Is(err, verify.ErrNoSecret) {
		// Known to the host, but nothing to verify with: Authenticate sees
		// Verified false and decides (the safe answer is to refuse).
		return body{}, nil
	}
	if err != nil {
		return body{}, err
	}
	if s.AccessKeyID != cred.Secret {
		return body{}, errSigV4Mismatch
	}
	b, err := m.readBody(r, l)
	if err != nil {
		return b, err
	}
	// Hashed here, not in Verify, to keep the sum: the body handed on
	// reports it (bodyReader.ContentSHA256), so a signer that re-signs the
	// request over the same bytes does not hash them again.
	sum := new([sha256.Size]byte)
	*sum = sha256.Sum256(b.bytes)
	if err := s.VerifySum(r, *sum); err != nil {
		return b, err
	}
	b.sum = sum
	cred.Verified = true
	return b, nil
}

// sigV4Date sets the response's Date header from the verifier's clock when
// the refusal is a SigV4 one: the AWS SDKs correct their clock from it and
// retry once after an expired signature, so it must be the time the request
// was judged by (net/http's own Date is the same clock unless a host, or a
// test, gave the verifier another).
func (m *Middleware) sigV4Date(w http.ResponseWriter, err error) {
	var ve *verify.Error
	if m.c.sigv4 != nil && errors.As(err, &ve) {
		w.Header().Set("Date", m.c.sigv4.Now().UTC().Format(http.TimeFormat))
	}
}

// IsAccessKeyID reports whether s has the shape of an AWS access key ID:
// 16 to 128 upper-case letters and digits (AKIA..., ASIA...). It is the
// only shape [FindCredential] reads from a SigV4 credential, so a host
// should hold every key it stores a SigV4 secret for to it: a key of
// another shape could never authenticate by signature.
func IsAccessKeyID(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
