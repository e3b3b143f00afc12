// Package sigv4 prepares a request that a gateway forwards to Amazon Bedrock
// and signs it with AWS Signature Version 4, so that the gateway, not the
// caller, holds the AWS credentials.
//
// A client of a Bedrock passthrough gateway authenticates to the gateway
// with a virtual key (a bearer token, an x-api-key, or a SigV4 signature
// made with a key pair the gateway issued, which the sibling package
// [github.com/modelgate/modelgate/bedrock/sigv4/verify] checks on the way
// in). None of that may reach AWS, and the
// request AWS receives must carry a signature AWS accepts. [Signer] does
// both, as the last step before the request leaves the process:
//
//	s, err := sigv4.New(sigv4.Options{Region: "us-east-1", Credentials: provider})
//	proxy := &httputil.ReverseProxy{
//		Rewrite:       func(pr *httputil.ProxyRequest) { /* strip the gateway prefix */ },
//		Transport: s.RoundTripper(nil),
//	}
//
// It decides nothing about authorization; run the policy check before the
// proxy. It trusts the request's method, path, query, headers and body to
// be the ones the policy check looked at, and trusts the configured
// credentials provider.
//
// # What the signer changes
//
// In this order, on a copy of the request (the caller's request is not
// modified):
//
//  1. The body is hashed, at most [Options.MaxBodyBytes]; a larger body
//     fails with [ErrBodyTooLarge], and a body shorter or longer than its
//     declared Content-Length with [ErrBody]; nothing is sent.
//     Content-Length is set and Transfer-Encoding cleared. The payload
//     must be hashed before sending, and Bedrock runtime bodies are bounded
//     (the documented InvokeModel limit is 25,000,000 bytes). A body that
//     can replay itself (a declared length and GetBody, as http.NewRequest
//     gives a bytes or strings reader, and as the modelacl middleware and
//     ReverseProxy hand on a buffered body) is already in memory: it is
//     hashed from one replay and sent from another, with no copy, so the
//     bytes signed are the bytes sent even if Body was read from before.
//     When the body already knows its SHA-256 ([SummedBody]: the
//     middleware's, after it verified a SigV4 client's signature over the
//     same bytes), that sum is signed and the body is not read here at all.
//     Any other body is read into a buffer of its own. So a Rewrite hook
//     that replaces Body must set GetBody to match, or clear it, as
//     net/http's own retries expect: the signer sends what GetBody returns.
//  2. Every client credential is removed: Authorization,
//     Proxy-Authorization, X-Api-Key, Api-Key, X-Goog-Api-Key,
//     X-Litellm-Api-Key, Cookie, every header named X-Amz-* (X-Amz-Date,
//     X-Amz-Security-Token, X-Amz-Content-Sha256, X-Amz-Credential,
//     X-Amz-Signature, ...; Bedrock runtime's own request headers use the
//     different prefix X-Amzn-Bedrock- and are kept), the headers in
//     [Options.RemoveHeaders], and the query parameters named X-Amz-*,
//     key, api-key and api_key. A presigned query or a client's own
//     session token never reaches AWS.
//  3. The URL is pointed at the upstream (scheme, host and the Host
//     header), and the path is re-encoded in the form the AWS SDKs send:
//     each segment of URL.EscapedPath() is decoded once and every byte
//     outside A-Z a-z 0-9 - . _ ~ is percent-encoded, "/" is kept only
//     between segments. (A Rewrite hook that changes the path must keep
//     URL.RawPath, or an ARN's %2F is lost before the signer sees it.)
//     URL.Path and
//     URL.RawPath are both set, so net/http sends exactly those bytes. A
//     path with an empty segment ("//"), a dot segment (also as %2E), bad
//     percent-encoding, or an opaque URL fails with [ErrInvalidPath]:
//     normalising it would sign a path other than the one authorized.
//  4. The request is signed for service "bedrock" (although the host is
//     bedrock-runtime.{region}.amazonaws.com) and the configured Region,
//     with the SHA-256 of the buffered body, by
//     [github.com/aws/aws-sdk-go-v2/aws/signer/v4]. Nothing changes the
//     request after this step.
//
// # Matching the AWS SDK
//
// The upstream receives the same path bytes, body, canonical request and
// Authorization header as from the official bedrockruntime client with the
// same credentials and clock (a test in the examples module checks this for
// InvokeModel and Converse):
//
//   - The canonical URI escapes the wire path again, as the SDK's signer
//     does for every service but S3, so a ':' in a model ID is %3A on the
//     wire and %253A in the canonical request, and an ARN's '/' is %2F on
//     the wire and %252F in the canonical request.
//   - Like the SDK for Bedrock, no X-Amz-Content-Sha256 header is sent.
//   - Every remaining header is signed, except the ones the SDK's signer
//     never signs (User-Agent, X-Amzn-Trace-Id, Expect, Transfer-Encoding)
//     and Accept-Encoding: a Go client's transport adds Accept-Encoding
//     after the SDK has signed, so the SDK never signs it, and HTTP
//     intermediaries may rewrite it. Those headers are still sent.
//
// # Credentials
//
// Credentials come from an aws.CredentialsProvider (static keys, the
// environment, a shared profile, an assumed role, ...), wrapped once in an
// aws.CredentialsCache unless it already is one, so they are fetched once
// and refreshed only when they expire, never per request. Errors never
// include keys, tokens or signatures.
//
// # Streaming
//
// Responses are returned untouched and unbuffered: event streams
// (invoke-with-response-stream, converse-stream) flow to the client as
// AWS sends them. Leave the ReverseProxy's FlushInterval at zero: AWS sends
// event streams chunked, without a Content-Length, and ReverseProxy flushes
// every write of such a response at once. A negative FlushInterval would
// flush every write of every response, costing a system call and a packet
// per write on ordinary JSON answers.
//
// # Not supported
//
// InvokeModelWithBidirectionalStream streams the request body too, and each
// request event carries a signature chained to the previous one; buffering
// cannot forward it and re-signing the headers alone is not enough. A
// gateway should refuse that route (it would fail here with
// [ErrBodyTooLarge] or wait for the body to end).
package sigv4
