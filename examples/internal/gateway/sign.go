package gateway

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/modelgate/modelgate/bedrock/sigv4"
)

// bedrockSigner returns a transport that re-signs every request for the
// Bedrock upstream with the gateway's AWS credentials, as the last step
// before the wire (after the middleware stripped the client's credentials
// and the proxy rewrote the URL).
func bedrockSigner(c *AWS, upstream *url.URL, base http.RoundTripper) (http.RoundTripper, error) {
	if p := upstream.EscapedPath(); p != "" && p != "/" {
		return nil, errors.New("upstreams.bedrock must have no path when aws is set (SigV4 signs the Bedrock runtime path)")
	}
	signer, err := sigv4.New(sigv4.Options{
		Region:      c.Region,
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		Endpoint:    upstream.Scheme + "://" + upstream.Host,
	})
	if err != nil {
		return nil, err
	}
	return signer.RoundTripper(base), nil
}
