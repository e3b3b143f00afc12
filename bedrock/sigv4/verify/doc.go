// Package verify checks the AWS Signature Version 4 signature of an
// incoming request, as an AWS service does, so that a gateway can issue its
// own AWS-style credentials (an access key ID and a secret per virtual key)
// and accept any AWS client (the AWS CLI, every AWS SDK, Claude Code in
// Bedrock mode) signing with them unchanged.
//
// It imports the standard library only (and the pure [bedrock] package), so
// [github.com/modelgate/modelgate/modelacl] can use it; the outbound
// re-signer, which uses the AWS SDK, is the sibling package
// [github.com/modelgate/modelgate/bedrock/sigv4].
//
// # Use
//
// Verification has two steps, so that nothing is read for a request that
// cannot succeed:
//
//	v, err := verify.New(verify.Options{Lookup: keys.AWSCredentials})
//	s, err := v.Parse(r)          // headers and query only: shape, time, scope, lookup
//	body := readBounded(r.Body)   // the host's own bounded read, done once
//	err = s.Verify(r, body)       // canonical request, HMAC, constant-time compare
//
// [Verifier.Verify] does both for a host that already holds the body. The
// modelacl middleware runs them around its own body read when its
// Options.SigV4 is set.
//
// # What it decides
//
// A request passes only if all of these hold; each refusal is an [*Error]
// with AWS's error type, status and (where AWS has one) wording. (A server
// may answer with another status: the AWS SDKs key on the error type.
// modelacl answers 401, as for every refused credential, because Claude
// Code retries a Bedrock 403 for minutes.)
//
//   - Exactly one form of authentication: one Authorization header
//     "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...",
//     or a presigned query (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
//     X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature, each once).
//     Anything else is IncompleteSignatureException (400).
//   - The credential scope is date/Region/service/aws4_request with the
//     date of X-Amz-Date, a Region of [Options].Regions (any Region code
//     by default) and the service "bedrock" ([Options].Service).
//   - The request time is within [DefaultMaxSkew] (5 minutes) of the
//     verifier's clock; a presigned request is not yet past X-Amz-Expires
//     (at most 7 days). Otherwise InvalidSignatureException (403) with
//     AWS's "Signature expired" or "Signature not yet current" message,
//     which the AWS SDKs retry once after correcting their clock from the
//     response's Date header.
//   - The signed headers include host, and x-amz-date,
//     x-amz-content-sha256 and x-amz-security-token whenever the request
//     carries them.
//   - The lookup knows the access key ID and returns a secret, and the
//     session token matches (UnrecognizedClientException, 403, otherwise).
//   - The payload hash is the SHA-256 of the body; an X-Amz-Content-Sha256
//     header must equal it.
//   - The signature computed over the canonical request equals the one
//     sent (compared in constant time); otherwise InvalidSignatureException
//     with AWS's "The request signature we calculated does not match"
//     message.
//
// # The canonical request
//
// It is built from the request as received, never from a decoded or
// re-encoded form: the method; the path exactly as sent (r.RequestURI,
// which must still match r.URL) URI-encoded once more, as AWS does for
// every service but S3; the query pairs decoded once and encoded again,
// sorted by name then value (an empty pair or bad percent-encoding is
// refused); each signed header's values trimmed, runs of spaces
// collapsed, joined with ','; the signed header list; the payload hash.
//
// # Shapes it refuses rather than guesses
//
// UNSIGNED-PAYLOAD, STREAMING-* (chunked and event-stream payload
// signing, as InvokeModelWithBidirectionalStream uses), SigV4a, and a Date
// header without X-Amz-Date are refused with [ErrUnsupported]: accepting
// them would mean verifying less than the request.
//
// # What it does not do
//
// It does not remember signatures: a request replayed unchanged within the
// time window verifies again, as it does at AWS. It does not decide what
// the caller may do, read the body, or log anything; no message holds a
// secret, a signature, a string to sign or a canonical request.
package verify
