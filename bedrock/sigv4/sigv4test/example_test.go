package sigv4test_test

import (
	"fmt"
	"net/http"

	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
)

// Verify AWS's published "get-vanilla" example request.
func ExampleVerify() {
	r := sigv4test.Request{
		Method:     "GET",
		RequestURI: "/",
		Host:       "example.amazonaws.com",
		Header: http.Header{
			"X-Amz-Date": {"20150830T123600Z"},
			"Authorization": {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
				"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		},
	}
	a, canonical, err := sigv4test.Verify("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", r)
	fmt.Println(err)
	fmt.Println(a.Scope())
	fmt.Println(canonical)
	// Output:
	// <nil>
	// 20150830/us-east-1/service/aws4_request
	// GET
	// /
	//
	// host:example.amazonaws.com
	// x-amz-date:20150830T123600Z
	//
	// host;x-amz-date
	// e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
}
