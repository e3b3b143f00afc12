// Package wire holds the facts about a client's request that the
// middleware (modelacl), the parser (routeparse) and the re-signer
// (bedrock/sigv4) must agree on, so that each is written once: which
// headers carry a client's credential, and how large a body is read.
//
// It is internal so the public packages keep their import direction
// (DESIGN.md): each re-exports what its callers need.
package wire

// MaxBodyBytes is the default bound on a request body that is buffered: 32
// MiB, the largest request the Anthropic Messages API accepts, above
// OpenAI's 25 MB audio uploads and Bedrock's documented 25,000,000-byte
// InvokeModel limit, with room for base64 images and long contexts.
const MaxBodyBytes = 32 << 20

// CredentialHeaders are the request headers that carry a client's
// credential in one of the dialects a gateway accepts, in canonical form.
// None may reach an upstream, where the client's key is at best useless and
// at worst a key for the wrong account, and the SigV4 headers would
// conflict with the gateway's own signature. The "key" query parameter
// (Gemini API keys) is the one credential outside the headers.
var CredentialHeaders = [...]string{
	"Authorization",
	"Proxy-Authorization",
	"X-Api-Key",
	"Api-Key",
	"X-Goog-Api-Key",
	"X-Litellm-Api-Key",
	"X-Amz-Security-Token",
	"X-Amz-Date",
	"X-Amz-Content-Sha256",
}
