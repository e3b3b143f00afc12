package sigv4_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/modelgate/modelgate/bedrock/sigv4"
)

func ExampleSigner_RoundTripper() {
	// A stand-in for bedrock-runtime.us-east-1.amazonaws.com.
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		fmt.Println(r.RequestURI)
		fmt.Println(auth[:strings.Index(auth, "/")])
		fmt.Println(r.Header.Get("X-Api-Key") == "")
	}))
	defer upstream.Close()

	signer, err := sigv4.New(sigv4.Options{
		Region: "us-east-1",
		// A real gateway passes cfg.Credentials from config.LoadDefaultConfig.
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example-secret", ""),
		Endpoint:    upstream.URL, // default: https://bedrock-runtime.us-east-1.amazonaws.com
	})
	if err != nil {
		panic(err)
	}
	gateway := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			// Strip the gateway's /bedrock prefix; keep the escaped form.
			pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, "/bedrock")
			pr.Out.URL.RawPath = strings.TrimPrefix(pr.In.URL.RawPath, "/bedrock")
		},
		Transport: signer.RoundTripper(nil),
	})
	defer gateway.Close()

	req, _ := http.NewRequest(http.MethodPost,
		gateway.URL+"/bedrock/model/us.anthropic.claude-3-5-sonnet-20241022-v2:0/converse", strings.NewReader("{}"))
	req.Header.Set("X-Api-Key", "sk-virtual-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	// Output:
	// /model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse
	// AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE
	// true
}

func ExampleSigner_Sign() {
	signer, err := sigv4.New(sigv4.Options{
		Region: "us-west-2",
		Credentials: aws.CredentialsProviderFunc(func(_ context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "example-secret"}, nil
		}),
		Clock: func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	req, _ := http.NewRequest(http.MethodPost,
		"http://gateway.internal/model/us.anthropic.claude-3-5-sonnet-20241022-v2:0/converse", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer sk-virtual-key")
	req.Header.Set("Content-Type", "application/json")
	if err := signer.Sign(req); err != nil {
		panic(err)
	}
	fmt.Println(req.URL)
	fmt.Println(req.Header.Get("X-Amz-Date"))
	auth := req.Header.Get("Authorization")
	fmt.Println(auth[:strings.Index(auth, "Signature=")])
	// Output:
	// https://bedrock-runtime.us-west-2.amazonaws.com/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse
	// 20250101T000000Z
	// AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-west-2/bedrock/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date,
}
