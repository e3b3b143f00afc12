// Package sigv4test checks AWS Signature Version 4 signatures in tests, in
// the way [net/http/httptest] helps test HTTP code: it is a test helper, not
// a verifier for production traffic.
//
// It is an independent re-implementation of the published SigV4 algorithm
// (the canonical request, the string to sign, the derived signing key and
// the final HMAC-SHA256), written from AWS's description of it and checked
// against AWS's published example signatures. It deliberately does not use
// the AWS SDK's signer: the code under test signs with that signer, and a
// check that called the same code would agree with any mistake in how it
// is called (a path escaped once too few, a header signed but then removed,
// a body that changed after hashing).
//
// The usual test sends a request through the code that signs it to an
// [Upstream], a loopback server that records each request as it arrived,
// and then calls [Verify] with the secret key:
//
//	up := sigv4test.NewUpstream(nil)
//	defer up.Close()
//	// ... sign and send requests to up.URL ...
//	for _, r := range up.Requests() {
//		a, canonical, err := sigv4test.Verify(secretKey, r)
//		// a.SignedHeaders, a.Region, canonical ...
//	}
//
// # What it computes
//
// From the request as the server received it, not as the client meant it:
//
//   - The canonical URI is the received path, still escaped, escaped once
//     more (every byte but the unreserved characters and '/'), as AWS does
//     for every service except Amazon S3. A path "/model/a%3A0/invoke" on
//     the wire is signed as "/model/a%253A0/invoke".
//   - The canonical query decodes each received name=value pair once, then
//     re-encodes both sides (spaces as %20) and sorts by name, then value.
//   - Each signed header's values are trimmed, runs of white space inside
//     them are collapsed to one space, and several values are joined with
//     ','. "host" is the received Host and "content-length" the received
//     length.
//   - The payload hash is the SHA-256 of the received body. The
//     X-Amz-Content-Sha256 header is not consulted: services other than S3
//     hash the body themselves.
//
// Only the header form of the Authorization header is understood
// ("AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."),
// not presigned URLs, chunked payload signing or SigV4a.
package sigv4test
