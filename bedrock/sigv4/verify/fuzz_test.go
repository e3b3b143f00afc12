package verify_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
	"github.com/modelgate/modelgate/bedrock/sigv4/verify"
)

// FuzzVerifyAgreesWithSigv4test signs arbitrary requests with sigv4test, an
// implementation of the published algorithm written apart from this
// package, and checks the two verifiers agree on what the server received:
//
//  1. whatever this verifier accepts, sigv4test accepts too;
//  2. whatever sigv4test accepts, this verifier accepts too, except for
//     the shapes it refuses on purpose: an empty query pair, a control
//     character in a signed header, a request target that net/http
//     re-encodes (r.URL no longer the bytes sent), and non-ASCII header
//     values (sigv4test collapses every Unicode space; the AWS signers and
//     this package collapse only ' ');
//  3. a request it accepts is refused once any body byte changes.
func FuzzVerifyAgreesWithSigv4test(f *testing.F) {
	f.Add("POST", "/model/anthropic.claude-v2%3A0/invoke", "", "  a   b ", []byte(`{"x":1}`))
	f.Add("GET", "/async-invoke", "nextToken=a%2Fb+c&maxResults=5&z=2&z=1", "v", []byte(nil))
	f.Add("POST", "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aapplication-inference-profile%2Fabc/converse", "a=1&&b", "x,y", []byte("{}"))
	f.Add("PUT", "/a%2Fb/~c", "%7E=%20&A=b", "\u00a0z", []byte("body"))
	f.Add("POST", "/a|b", "k=v;w", "a\tb", []byte("x"))
	const secret = "fuzz-secret"
	const id = "AKIAFUZZ000000000001"
	v, err := verify.New(verify.Options{
		Lookup: func(_ context.Context, got string) (verify.Credentials, error) {
			if got != id {
				return verify.Credentials{}, errors.New("unknown")
			}
			return verify.Credentials{SecretAccessKey: secret}, nil
		},
		Clock: func() time.Time { return signedAt },
	})
	if err != nil {
		f.Fatal(err)
	}
	amzDate := signedAt.Format("20060102T150405Z")
	f.Fuzz(func(t *testing.T, method, path, query, custom string, body []byte) {
		target := path
		if query != "" {
			target += "?" + query
		}
		wire := method + " " + target + " HTTP/1.1\r\nHost: gw.example\r\nX-Amz-Date: " + amzDate +
			"\r\nX-Custom: " + custom + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + string(body)
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(wire)))
		if err != nil {
			return // not a request a server would hand on
		}
		got, err := io.ReadAll(r.Body)
		if err != nil || !bytes.Equal(got, body) {
			return
		}
		a := sigv4test.Authorization{
			Algorithm: sigv4test.Algorithm, AccessKeyID: id, Date: amzDate[:8], Region: "us-east-1", Service: "bedrock",
			SignedHeaders: []string{"host", "x-amz-date", "x-custom"},
		}
		if len(r.Header["X-Custom"]) == 0 {
			a.SignedHeaders = a.SignedHeaders[:2]
		}
		canon, err := sigv4test.CanonicalRequest(r.Method, r.RequestURI, r.Host, r.Header, r.ContentLength, body, a.SignedHeaders)
		if err != nil {
			return // sigv4test cannot sign it either
		}
		r.Header.Set("Authorization", sigv4test.Algorithm+" Credential="+id+"/"+a.Scope()+
			", SignedHeaders="+strings.Join(a.SignedHeaders, ";")+", Signature="+sigv4test.Signature(secret, a, amzDate, canon))

		mine := v.Verify(r, body)
		_, _, ref := sigv4test.Verify(secret, sigv4test.Request{
			Method: r.Method, RequestURI: r.RequestURI, Host: r.Host, Header: r.Header, Body: body, ContentLength: r.ContentLength,
		})
		if mine == nil && ref != nil {
			t.Fatalf("accepted what sigv4test refuses: %v", ref)
		}
		if mine != nil && ref == nil && !deliberate(r, mine) {
			t.Fatalf("refused what sigv4test accepts: %v", mine)
		}
		if mine == nil && len(body) > 0 {
			tampered := bytes.Clone(body)
			tampered[len(tampered)/2] ^= 1
			if v.Verify(r, tampered) == nil {
				t.Fatal("accepted a changed body")
			}
		}
	})
}

// deliberate reports whether err is one of the refusals this verifier
// makes on purpose where sigv4test signs anyway.
func deliberate(r *http.Request, err error) bool {
	var ve *verify.Error
	if !errors.As(err, &ve) {
		return false
	}
	switch ve.Message {
	case "The query string has an empty parameter.",
		"A signed header value holds a control character.",
		"The request target does not match the request as received.":
		return true
	}
	for _, val := range r.Header["X-Custom"] {
		for i := 0; i < len(val); i++ {
			if val[i] >= 0x80 {
				return true
			}
		}
	}
	return false
}
