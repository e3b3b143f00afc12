package sigv4test

import "net/http"

// The credentials and signing time of AWS's published SigV4 examples.
const (
	ExampleAccessKeyID = "AKIDEXAMPLE"
	ExampleSecret      = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	ExampleAmzDate     = "20150830T123600Z"
)

// Vector is one of AWS's published SigV4 examples: a request signed with
// [ExampleSecret] at [ExampleAmzDate], and what AWS publishes about it.
type Vector struct {
	Name string
	// Request is the request as a server receives it (no body).
	Request Request
	// Service is the credential scope's service.
	Service string
	// Canonical is the published canonical request, "" where only its hash
	// is published.
	Canonical string
	// CanonicalHash is the published SHA-256 of the canonical request, ""
	// if not published.
	CanonicalHash string
	// Query is the canonical query line the specification demands, "" if
	// the vector has no query.
	Query string
	// Signature is the published signature.
	Signature string
}

// Vectors returns AWS's published examples: "get-vanilla" and
// "get-vanilla-query-order-key-case" of the SigV4 test suite, and the IAM
// ListUsers request of the SigV4 documentation. Each call returns fresh
// copies, which the caller may modify.
func Vectors() []Vector {
	const vanillaSig = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	const orderSig = "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
	const listUsersSig = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	auth := func(scope, signed, sig string) string {
		return Algorithm + " Credential=" + ExampleAccessKeyID + "/" + scope + ", SignedHeaders=" + signed + ", Signature=" + sig
	}
	return []Vector{
		{
			Name: "get-vanilla",
			Request: Request{
				Method: "GET", RequestURI: "/", Host: "example.amazonaws.com",
				Header: http.Header{
					"X-Amz-Date":    {ExampleAmzDate},
					"Authorization": {auth("20150830/us-east-1/service/aws4_request", "host;x-amz-date", vanillaSig)},
				},
			},
			Service:       "service",
			Canonical:     "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptyHash,
			CanonicalHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
			Signature:     vanillaSig,
		},
		{
			Name: "get-vanilla-query-order-key-case",
			Request: Request{
				Method: "GET", RequestURI: "/?Param2=value2&Param1=value1", Host: "example.amazonaws.com",
				Header: http.Header{
					"X-Amz-Date":    {ExampleAmzDate},
					"Authorization": {auth("20150830/us-east-1/service/aws4_request", "host;x-amz-date", orderSig)},
				},
			},
			Service:   "service",
			Query:     "Param1=value1&Param2=value2",
			Signature: orderSig,
		},
		{
			Name: "iam ListUsers",
			Request: Request{
				Method: "GET", RequestURI: "/?Action=ListUsers&Version=2010-05-08", Host: "iam.amazonaws.com",
				Header: http.Header{
					"X-Amz-Date":    {ExampleAmzDate},
					"Content-Type":  {"application/x-www-form-urlencoded; charset=utf-8"},
					"Authorization": {auth("20150830/us-east-1/iam/aws4_request", "content-type;host;x-amz-date", listUsersSig)},
				},
			},
			Service:       "iam",
			CanonicalHash: "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
			Query:         "Action=ListUsers&Version=2010-05-08",
			Signature:     listUsersSig,
		},
	}
}
