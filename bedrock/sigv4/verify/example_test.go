package verify_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
	"github.com/modelgate/modelgate/bedrock/sigv4/verify"
)

// Verify AWS's published "get-vanilla" request, then the same request
// with its path changed after signing.
func ExampleVerifier_Verify() {
	v, err := verify.New(verify.Options{
		Service: "service", // the published examples' scope; Bedrock's is the default, "bedrock"
		Clock:   func() time.Time { return time.Date(2015, 8, 30, 12, 37, 0, 0, time.UTC) },
		Lookup: func(_ context.Context, id string) (verify.Credentials, error) {
			if id == "AKIDEXAMPLE" {
				return verify.Credentials{SecretAccessKey: sigv4test.ExampleSecret}, nil
			}
			return verify.Credentials{}, errors.New("unknown access key ID")
		},
	})
	if err != nil {
		panic(err)
	}
	for _, path := range []string{"/", "/admin"} {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + path + " HTTP/1.1\r\n" +
			"Host: example.amazonaws.com\r\n" +
			"X-Amz-Date: 20150830T123600Z\r\n" +
			"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
			"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\r\n\r\n")))
		if err != nil {
			panic(err)
		}
		err = v.Verify(r, nil)
		var ve *verify.Error
		if errors.As(err, &ve) {
			fmt.Println(path, ve.Status, ve.Code)
			continue
		}
		fmt.Println(path, err)
	}
	// Output:
	// / <nil>
	// /admin 403 InvalidSignatureException
}
