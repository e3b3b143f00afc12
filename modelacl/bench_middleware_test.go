package modelacl_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/modelacl"
)

// rewindBody is a request body the benchmark rewinds instead of
// reallocating, so the figures show the middleware's own cost.
type rewindBody struct{ *bytes.Reader }

func (rewindBody) Close() error { return nil }

// discardWriter is a ResponseWriter that allocates nothing.
type discardWriter struct{ h http.Header }

func (w discardWriter) Header() http.Header       { return w.h }
func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (discardWriter) WriteHeader(int)             {}
func (w discardWriter) clear()                    { clear(w.h) }

// drain is the no-op next handler: it consumes the body, as a forwarding
// handler would.
var drain = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.WriteHeader(http.StatusOK)
})

// awsEscape escapes a model ID as the AWS SDKs do in a path segment.
func awsEscape(id string) string { return strings.NewReplacer(":", "%3A", "/", "%2F").Replace(id) }

func chatBody(size int, model string) []byte {
	head := `{"messages":[{"role":"user","content":"`
	tail := `"}],"model":"` + model + `"}`
	return []byte(head + strings.Repeat("a", size-len(head)-len(tail)) + tail)
}

// sdkHeaders are the headers besides Authorization and Content-Type that a
// server receives with a chat completion from openai-go v3.98.0 (its
// internal/requestconfig package, and Accept-Encoding from net/http's
// Transport).
var sdkHeaders = http.Header{
	"Accept":                      {"application/json"},
	"User-Agent":                  {"OpenAI/Go 3.98.0"},
	"X-Stainless-Lang":            {"go"},
	"X-Stainless-Package-Version": {"3.98.0"},
	"X-Stainless-Os":              {"Linux"},
	"X-Stainless-Arch":            {"x64"},
	"X-Stainless-Runtime":         {"go"},
	"X-Stainless-Runtime-Version": {"go1.26.8"},
	"X-Stainless-Retry-Count":     {"0"},
	"X-Stainless-Timeout":         {"600"},
	"Accept-Encoding":             {"gzip"},
}

func BenchmarkServeHTTP(b *testing.B) {
	mw, err := modelacl.New(modelacl.Options{Policy: fixturePolicy(b), Authenticate: fixtureKeys().authenticate})
	if err != nil {
		b.Fatal(err)
	}
	wrapped := mw.Handler(drain)
	converse := []byte(`{"messages":[{"role":"user","content":[{"text":"` + strings.Repeat("a", 1024-60) + `"}]}]}`)
	cases := []struct {
		name, target string
		body         []byte
		key          string
		status       int
	}{
		{"bedrock path model", "/bedrock/model/global.anthropic.claude-haiku-4-5/converse", converse, restrictedKey, 200},
		{"1KiB body model", "/v1/chat/completions", chatBody(1024, "gpt-4o-mini"), restrictedKey, 200},
		// The same with the headers openai-go v3 sends (sdkHeaders).
		{"1KiB body model SDK headers", "/v1/chat/completions", chatBody(1024, "gpt-4o-mini"), restrictedKey, 200},
		// A profile ARN escaped as the AWS SDKs send it (':' and '/' as %3A, %2F).
		{"bedrock escaped ARN", "/bedrock/model/" + awsEscape(opusProfile) + "/converse", converse, allowedKey, 200},
		// Adversarial: the deny path, and a 1 MiB body whose model comes last.
		{"bedrock path model denied", "/bedrock/model/global.anthropic.claude-opus-4-7/converse", converse, restrictedKey, 403},
		{"1MiB body model last", "/v1/chat/completions", chatBody(1<<20, "gpt-4o-mini"), restrictedKey, 200},
		// Chunked, without Content-Length: the buffer grows as it fills.
		{"1MiB body model last chunked", "/v1/chat/completions", chatBody(1<<20, "gpt-4o-mini"), restrictedKey, 200},
	}
	for _, tc := range cases {
		for _, variant := range []struct {
			name string
			h    http.Handler
		}{{"bare", drain}, {"wrapped", wrapped}} {
			b.Run(tc.name+"/"+variant.name, func(b *testing.B) {
				body := rewindBody{bytes.NewReader(tc.body)}
				r := httptest.NewRequest(http.MethodPost, tc.target, body)
				r.ContentLength = int64(len(tc.body)) // as clients send it
				if strings.HasSuffix(tc.name, "chunked") {
					r.ContentLength, r.TransferEncoding = -1, []string{"chunked"}
				}
				r.Header.Set("Content-Type", "application/json")
				if strings.HasSuffix(tc.name, "SDK headers") {
					for k, v := range sdkHeaders {
						r.Header[k] = v
					}
				}
				auth := []string{"Bearer " + tc.key}
				w := discardWriter{h: http.Header{}}
				rec := httptest.NewRecorder()
				r.Header["Authorization"] = auth
				variant.h.ServeHTTP(rec, r)
				if variant.name == "wrapped" && rec.Code != tc.status {
					b.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
				}
				b.SetBytes(int64(len(tc.body)))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					_, _ = body.Seek(0, io.SeekStart)
					r.Header["Authorization"] = auth // the middleware strips it
					w.clear()
					variant.h.ServeHTTP(w, r)
				}
			})
		}
	}
}
