package verify

import (
	"errors"
	"net/http"
)

// Sentinel errors, one per category. Every error the package returns for a
// request is an [*Error] that wraps exactly one of them; test with
// [errors.Is].
var (
	// ErrIncompleteSignature: the signature is malformed or missing a part
	// (an Authorization header without Signature, two Authorization
	// headers, no X-Amz-Date, a presigned query without X-Amz-Expires).
	// AWS error type IncompleteSignatureException, status 400.
	ErrIncompleteSignature = errors.New("incomplete signature")
	// ErrInvalidSignature: the signature is well formed but does not
	// verify: another canonical request, another secret, a credential
	// scope for another day, Region or service, a signed-headers list
	// without host. AWS error type InvalidSignatureException, status 403.
	ErrInvalidSignature = errors.New("invalid signature")
	// ErrSignatureExpired: the request time lies outside the accepted
	// window (5 minutes either side of the verifier's clock, or past a
	// presigned request's X-Amz-Expires). AWS error type
	// InvalidSignatureException, status 403: the AWS SDKs retry it once
	// after correcting their clock from the response's Date header when the
	// two clocks differ by more than 4 minutes.
	ErrSignatureExpired = errors.New("signature expired")
	// ErrUnrecognizedClient: the lookup does not know the access key ID, or
	// the session token does not match. AWS error type
	// UnrecognizedClientException, status 403.
	ErrUnrecognizedClient = errors.New("unrecognized client")
	// ErrUnsupported: a signing shape this package cannot verify exactly
	// (UNSIGNED-PAYLOAD, STREAMING-* chunked or event-stream payload
	// signing, SigV4a, a Date header instead of X-Amz-Date). Refused,
	// never accepted. AWS error type InvalidSignatureException, status 400.
	ErrUnsupported = errors.New("unsupported signing shape")
	// ErrNoSecret is the error a [Options].Lookup returns (wrapped or not)
	// for an access key ID the host knows but holds no secret for. The
	// verifier cannot verify such a request; [Verifier.Parse] returns an
	// [*Error] with [ErrUnrecognizedClient] that also wraps ErrNoSecret, so
	// a host that deliberately trusts unverified IDs can tell the cases
	// apart. Trusting one lets anyone who has seen the ID act as its owner.
	ErrNoSecret = errors.New("access key ID has no secret")
)

// AWS error types, as the X-Amzn-ErrorType header and the AWS SDKs name
// them.
const (
	CodeIncompleteSignature = "IncompleteSignatureException"
	CodeInvalidSignature    = "InvalidSignatureException"
	CodeUnrecognizedClient  = "UnrecognizedClientException"
)

// Error is a refused request: the AWS error type, HTTP status and message
// an AWS service answers with, and the category. Message is safe to send
// to the client: it never holds a secret, a signature, a string to sign or
// a canonical request (it may hold the request's own X-Amz-Date and the
// verifier's time, as AWS's messages do).
type Error struct {
	Code    string // AWS error type, one of the Code constants
	Status  int    // HTTP status
	Message string // AWS's wording where AWS has one
	Err     error  // the sentinel (and, for a lookup failure, the lookup's error)
}

func (e *Error) Error() string { return "sigv4 verify: " + e.Code + ": " + e.Message }

func (e *Error) Unwrap() error { return e.Err }

func incomplete(msg string) *Error {
	return &Error{Code: CodeIncompleteSignature, Status: http.StatusBadRequest, Message: msg, Err: ErrIncompleteSignature}
}

func invalid(msg string) *Error {
	return &Error{Code: CodeInvalidSignature, Status: http.StatusForbidden, Message: msg, Err: ErrInvalidSignature}
}

func expired(msg string) *Error {
	return &Error{Code: CodeInvalidSignature, Status: http.StatusForbidden, Message: msg, Err: ErrSignatureExpired}
}

func unsupported(msg string) *Error {
	return &Error{Code: CodeInvalidSignature, Status: http.StatusBadRequest, Message: msg, Err: ErrUnsupported}
}

// msgUnrecognized is AWS's answer for an unknown access key ID or session
// token.
const msgUnrecognized = "The security token included in the request is invalid."

func unrecognized(cause error) *Error {
	err := ErrUnrecognizedClient
	if cause != nil {
		err = errors.Join(ErrUnrecognizedClient, cause)
	}
	return &Error{Code: CodeUnrecognizedClient, Status: http.StatusForbidden, Message: msgUnrecognized, Err: err}
}

// msgMismatch is AWS's answer for a signature that does not verify.
const msgMismatch = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
