package routeparse_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// bodyReq is one request for ParseRequest + ParseBody.
type bodyReq struct {
	method, path, query string
	contentType         string
	contentEncoding     string
	body                []byte
	limit               int64
	parser              routeparse.Parser // bounds other than limit
}

// parseBody classifies req the way a middleware would: request line first,
// then the body.
func parseBody(t testing.TB, req bodyReq) (routeparse.Route, error) {
	t.Helper()
	p := req.parser
	method := req.method
	if method == "" {
		method = "POST"
	}
	r, err := p.ParseRequest(method, req.path, req.query, nil)
	require.NoError(t, err, "ParseRequest %s %s", method, req.path)
	require.NotEqual(t, routeparse.BodyNone, r.Body, "route %s must read the body", req.path)
	ct := req.contentType
	if ct == "" {
		ct = "application/json"
	}
	err = p.ParseBody(&r, ct, req.contentEncoding, req.body, req.limit)
	return r, err
}

// modelView is what a test compares: source, field, name, fallback.
type modelView struct {
	Source   string
	Field    string
	Name     string
	Fallback bool
}

func view(ms []routeparse.Model) []modelView {
	out := make([]modelView, 0, len(ms))
	for _, m := range ms {
		out = append(out, modelView{m.Source.String(), m.Field, m.Name(), m.Fallback})
	}
	return out
}

func bodyModel(name string) modelView     { return modelView{"body", "model", name, false} }
func fb(field, name string) modelView     { return modelView{"body", field, name, true} }
func formModel(name string) modelView     { return modelView{"form", "model", name, false} }
func chat(body string) bodyReq            { return bodyReq{path: "/v1/chat/completions", body: []byte(body)} }
func gz(t testing.TB, data []byte) []byte { return compress(t, "gzip", data) }

func compress(t testing.TB, enc string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	default:
		t.Fatalf("unknown encoding %q", enc)
	}
	_, err := w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestParseBodyJSON(t *testing.T) {
	tests := []struct {
		name   string
		req    bodyReq
		want   []modelView
		stream bool
	}{
		{name: "plain-model", req: chat(`{"model":"gpt-4o","messages":[]}`), want: []modelView{bodyModel("gpt-4o")}},
		{name: "whitespace-around-object", req: chat(" \r\n\t{ \"model\" : \"gpt-4o\" } \n"), want: []modelView{bodyModel("gpt-4o")}},
		{name: "model-last-after-nested-values", req: chat(`{"messages":[{"role":"user","content":[{"type":"text","text":"hi \"there\" \\ \u00e9"}]}],"temperature":0.7,"n":1,"stop":null,"logit_bias":{"50256":-100},"model":"gpt-4o"}`), want: []modelView{bodyModel("gpt-4o")}},
		{name: "nested-model-ignored", req: chat(`{"messages":[{"role":"user","model":"evil","content":"x"}],"metadata":{"model":"evil"},"model":"gpt-4o"}`), want: []modelView{bodyModel("gpt-4o")}},
		{name: "escaped-model-value", req: chat(`{"model":"gpt\u002d4o"}`), want: []modelView{bodyModel("gpt-4o")}},
		{name: "escaped-key-alone", req: chat(`{"\u006dodel":"gpt-4o"}`), want: []modelView{bodyModel("gpt-4o")}},
		{name: "escaped-slash-in-model", req: chat(`{"model":"openai\/gpt-4o"}`), want: []modelView{bodyModel("openai/gpt-4o")}},
		{name: "non-ascii-model", req: chat(`{"model":"mod\u00e8le-\ud83d\ude00"}`), want: []modelView{bodyModel("modèle-😀")}},
		{name: "stream-true", req: chat(`{"model":"m","stream":true}`), want: []modelView{bodyModel("m")}, stream: true},
		{name: "stream-false", req: chat(`{"stream":false,"model":"m"}`), want: []modelView{bodyModel("m")}},
		{name: "stream-null-keeps-default", req: chat(`{"stream":null,"model":"m"}`), want: []modelView{bodyModel("m")}},
		{name: "ollama-streams-by-default", req: bodyReq{path: "/api/chat", body: []byte(`{"model":"llama3"}`)}, want: []modelView{bodyModel("llama3")}, stream: true},
		{name: "ollama-stream-false-clears-default", req: bodyReq{path: "/api/chat", body: []byte(`{"model":"llama3","stream":false}`)}, want: []modelView{bodyModel("llama3")}},
		{name: "list-model", req: chat(`{"model":["gpt-4o","claude-3"]}`), want: []modelView{bodyModel("gpt-4o"), bodyModel("claude-3")}},
		{name: "comma-string-splits", req: chat(`{"model":"gpt-4o, claude-3 ,gemini"}`), want: []modelView{bodyModel("gpt-4o"), bodyModel("claude-3"), bodyModel("gemini")}},
		{name: "escaped-comma-string-splits", req: chat(`{"model":"gpt-4o\u002cclaude-3"}`), want: []modelView{bodyModel("gpt-4o"), bodyModel("claude-3")}},
		{name: "fallbacks-strings", req: chat(`{"model":"a","fallbacks":["b","c"]}`), want: []modelView{bodyModel("a"), fb("fallbacks", "b"), fb("fallbacks", "c")}},
		{name: "fallbacks-null", req: chat(`{"model":"a","fallbacks":null}`), want: []modelView{bodyModel("a")}},
		{name: "fallbacks-empty-list", req: chat(`{"model":"a","fallbacks":[]}`), want: []modelView{bodyModel("a")}},
		{name: "fallbacks-kwargs-objects", req: chat(`{"model":"a","fallbacks":[{"model":"b","api_key":"sk-not-a-model","messages":[{"role":"user","content":"x"}]}]}`), want: []modelView{bodyModel("a"), fb("fallbacks", "b")}},
		{name: "fallbacks-model-map", req: chat(`{"model":"a","fallbacks":[{"a":["b","c"]},{"d":[]}]}`), want: []modelView{bodyModel("a"), fb("fallbacks", "a"), fb("fallbacks", "b"), fb("fallbacks", "c"), fb("fallbacks", "d")}},
		{name: "context-window-fallbacks-map", req: chat(`{"model":"gpt-3.5-turbo","context_window_fallbacks":[{"gpt-3.5-turbo":["gpt-3.5-turbo-16k"]}]}`), want: []modelView{bodyModel("gpt-3.5-turbo"), fb("context_window_fallbacks", "gpt-3.5-turbo"), fb("context_window_fallbacks", "gpt-3.5-turbo-16k")}},
		{name: "content-policy-fallbacks-mixed", req: chat(`{"model":"a","content_policy_fallbacks":["b",{"model":"c"},{"d":["e"]}]}`), want: []modelView{bodyModel("a"), fb("content_policy_fallbacks", "b"), fb("content_policy_fallbacks", "c"), fb("content_policy_fallbacks", "d"), fb("content_policy_fallbacks", "e")}},
		{name: "many-models-spill-inline-storage", req: chat(`{"model":"a","fallbacks":["b","c","d","e","f"]}`), want: []modelView{bodyModel("a"), fb("fallbacks", "b"), fb("fallbacks", "c"), fb("fallbacks", "d"), fb("fallbacks", "e"), fb("fallbacks", "f")}},
		{name: "deployment-id-is-a-primary-model", req: chat(`{"model":"a","deployment_id":"b"}`), want: []modelView{bodyModel("a"), {"body", "deployment_id", "b", false}}},
		{name: "deployment-id-null", req: chat(`{"deployment_id":null,"model":"a"}`), want: []modelView{bodyModel("a")}},
		{name: "bedrock-async-invoke-modelId", req: bodyReq{path: "/async-invoke", body: []byte(`{"clientRequestToken":"t","modelId":"amazon.nova-reel-v1:0","modelInput":{"model":"x"},"outputDataConfig":{"s3OutputDataConfig":{"s3Uri":"s3://b"}}}`)}, want: []modelView{{"body", "modelId", "amazon.nova-reel-v1:0", false}}},
		{name: "bedrock-async-invoke-ignores-model", req: bodyReq{path: "/async-invoke", body: []byte(`{"model":"ignored","modelId":"m"}`)}, want: []modelView{{"body", "modelId", "m", false}}},
		{name: "anthropic-batch", req: bodyReq{path: "/v1/messages/batches", body: []byte(`{"requests":[{"custom_id":"1","params":{"model":"claude-a","max_tokens":1,"messages":[]}},{"params":{"messages":[{"model":"x"}],"model":"claude-b"},"custom_id":"2"}]}`)}, want: []modelView{{"body", "requests.params.model", "claude-a", false}, {"body", "requests.params.model", "claude-b", false}}},
		{name: "gzip-ok", req: bodyReq{path: "/v1/chat/completions", contentEncoding: "gzip", body: gz(t, []byte(`{"model":"gpt-4o"}`))}, want: []modelView{bodyModel("gpt-4o")}},
		{name: "x-gzip-ok", req: bodyReq{path: "/v1/chat/completions", contentEncoding: "X-Gzip", body: gz(t, []byte(`{"model":"gpt-4o"}`))}, want: []modelView{bodyModel("gpt-4o")}},
		{name: "deflate-ok", req: bodyReq{path: "/v1/chat/completions", contentEncoding: "deflate", body: compress(t, "deflate", []byte(`{"model":"gpt-4o"}`))}, want: []modelView{bodyModel("gpt-4o")}},
		{name: "identity-ok", req: bodyReq{path: "/v1/chat/completions", contentEncoding: "identity", body: []byte(`{"model":"gpt-4o"}`)}, want: []modelView{bodyModel("gpt-4o")}},
		{name: "json-content-type-variant", req: bodyReq{path: "/v1/chat/completions", contentType: "text/plain; charset=utf-8", body: []byte(`{"model":"gpt-4o"}`)}, want: []modelView{bodyModel("gpt-4o")}},
		{name: "path-body-agree", req: bodyReq{path: "/openai/deployments/gpt-4o/chat/completions", query: "api-version=2024-10-21", body: []byte(`{"model":"gpt-4o"}`)}, want: []modelView{{"path", "deployment", "gpt-4o", false}, bodyModel("gpt-4o")}},
		{name: "query-body-agree", req: bodyReq{path: "/v1/chat/completions", query: "model=gpt-4o", body: []byte(`{"model":"gpt-4o"}`)}, want: []modelView{{"query", "model", "gpt-4o", false}, bodyModel("gpt-4o")}},
		{name: "query-body-agree-after-escapes", req: bodyReq{path: "/v1/chat/completions", query: "model=openai%2Fgpt-4o", body: []byte(`{"model":"openai\/gpt\u002d4o"}`)}, want: []modelView{{"query", "model", "openai/gpt-4o", false}, bodyModel("openai/gpt-4o")}},
		{name: "path-model-body-fallback-differs", req: bodyReq{path: "/openai/deployments/gpt-4o/chat/completions", query: "api-version=2024-10-21", body: []byte(`{"fallbacks":["gpt-4o-mini"]}`)}, want: []modelView{{"path", "deployment", "gpt-4o", false}, fb("fallbacks", "gpt-4o-mini")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseBody(t, tc.req)
			require.NoError(t, err)
			assert.Equal(t, tc.want, view(r.Models()))
			assert.Equal(t, tc.stream, r.Stream, "stream")
		})
	}
}

func TestParseBodyJSONRefused(t *testing.T) {
	tests := []struct {
		name string
		req  bodyReq
		want error
	}{
		{"duplicate-model", chat(`{"model":"cheap","model":"expensive"}`), routeparse.ErrAmbiguousModel},
		{"duplicate-model-same-value", chat(`{"model":"a","model":"a"}`), routeparse.ErrAmbiguousModel},
		{"escaped-key-duplicate", chat(`{"model":"a","\u006dodel":"b"}`), routeparse.ErrAmbiguousModel},
		{"escaped-key-duplicate-reversed", chat(`{"\u006d\u006f\u0064\u0065\u006c":"b","model":"a"}`), routeparse.ErrAmbiguousModel},
		{"case-variant-Model", chat(`{"model":"a","Model":"b"}`), routeparse.ErrAmbiguousModel},
		{"case-variant-MODEL", chat(`{"MODEL":"b","model":"a"}`), routeparse.ErrAmbiguousModel},
		{"case-variant-alone", chat(`{"mOdEl":"b"}`), routeparse.ErrAmbiguousModel},
		{"case-variant-escaped", chat(`{"model":"a","\u004dodel":"b"}`), routeparse.ErrAmbiguousModel},
		{"case-variant-fallbacks", chat(`{"model":"a","Fallbacks":["b"]}`), routeparse.ErrAmbiguousModel},
		{"duplicate-fallbacks", chat(`{"model":"a","fallbacks":["b"],"fallbacks":["c"]}`), routeparse.ErrAmbiguousModel},
		{"case-variant-stream-long-s", chat(`{"model":"a","\u017ftream":true}`), routeparse.ErrMalformedBody},
		{"duplicate-stream", chat(`{"model":"a","stream":false,"stream":true}`), routeparse.ErrMalformedBody},
		{"model-number", chat(`{"model":4}`), routeparse.ErrMalformedBody},
		{"deployment-id-number", chat(`{"model":"a","deployment_id":4}`), routeparse.ErrMalformedBody},
		{"deployment-id-case-variant", chat(`{"model":"a","Deployment_ID":"b"}`), routeparse.ErrAmbiguousModel},
		{"query-deployment-id-disagree", bodyReq{path: "/v1/chat/completions", query: "model=a", body: []byte(`{"model":"a","deployment_id":"b"}`)}, routeparse.ErrAmbiguousModel},
		{"model-object", chat(`{"model":{"name":"a"}}`), routeparse.ErrMalformedBody},
		{"model-null", chat(`{"model":null}`), routeparse.ErrMalformedBody},
		{"model-bool", chat(`{"model":true}`), routeparse.ErrMalformedBody},
		{"model-empty-string", chat(`{"model":""}`), routeparse.ErrMalformedBody},
		{"model-empty-list", chat(`{"model":[]}`), routeparse.ErrMalformedBody},
		{"model-list-of-numbers", chat(`{"model":["a",1]}`), routeparse.ErrMalformedBody},
		{"comma-string-empty-part", chat(`{"model":"a,,b"}`), routeparse.ErrMalformedBody},
		{"comma-string-trailing-comma", chat(`{"model":"a,"}`), routeparse.ErrMalformedBody},
		{"model-lone-surrogate", chat(`{"model":"a\ud800"}`), routeparse.ErrMalformedBody},
		{"model-escaped-control", chat(`{"model":"gpt-4o\n"}`), routeparse.ErrMalformedBody},
		{"model-escaped-nul", chat(`{"model":"gpt-4o\u0000"}`), routeparse.ErrMalformedBody},
		{"model-invalid-utf8", chat("{\"model\":\"gpt\xff\"}"), routeparse.ErrMalformedBody},
		{"model-del", chat("{\"model\":\"gpt\x7f\"}"), routeparse.ErrMalformedBody},
		{"stream-string", chat(`{"model":"a","stream":"true"}`), routeparse.ErrMalformedBody},
		{"fallbacks-string", chat(`{"model":"a","fallbacks":"b"}`), routeparse.ErrMalformedBody},
		{"fallbacks-number-element", chat(`{"model":"a","fallbacks":[1]}`), routeparse.ErrMalformedBody},
		{"fallbacks-kwargs-model-number", chat(`{"model":"a","fallbacks":[{"model":1}]}`), routeparse.ErrMalformedBody},
		{"fallbacks-kwargs-duplicate-model", chat(`{"model":"a","fallbacks":[{"model":"b","model":"c"}]}`), routeparse.ErrAmbiguousModel},
		{"fallbacks-kwargs-case-variant", chat(`{"model":"a","fallbacks":[{"Model":"b"}]}`), routeparse.ErrAmbiguousModel},
		{"fallbacks-map-value-string", chat(`{"model":"a","fallbacks":[{"a":"b"}]}`), routeparse.ErrMalformedBody},
		{"invalid-json", chat(`{"model":"a",}`), routeparse.ErrMalformedBody},
		{"invalid-json-after-model", chat(`{"model":"a","messages":[1,2,]}`), routeparse.ErrMalformedBody},
		{"invalid-json-bad-number", chat(`{"model":"a","temperature":01}`), routeparse.ErrMalformedBody},
		{"invalid-json-bad-literal", chat(`{"model":"a","stop":nul}`), routeparse.ErrMalformedBody},
		{"invalid-json-bad-escape-elsewhere", chat(`{"model":"a","x":"\q"}`), routeparse.ErrMalformedBody},
		{"invalid-json-raw-control-in-string", chat("{\"model\":\"a\",\"x\":\"tab\there\"}"), routeparse.ErrMalformedBody},
		{"invalid-json-unterminated", chat(`{"model":"a","x":"`), routeparse.ErrMalformedBody},
		{"invalid-json-single-quotes", chat(`{'model':'a'}`), routeparse.ErrMalformedBody},
		{"invalid-json-comment", chat(`{"model":"a"/*c*/}`), routeparse.ErrMalformedBody},
		{"bom", chat("\xef\xbb\xbf{\"model\":\"a\"}"), routeparse.ErrMalformedBody},
		{"trailing-garbage", chat(`{"model":"a"}x`), routeparse.ErrMalformedBody},
		{"second-object", chat(`{"model":"a"}{"model":"b"}`), routeparse.ErrMalformedBody},
		{"top-level-array", chat(`[{"model":"a"}]`), routeparse.ErrMalformedBody},
		{"top-level-string", chat(`"model"`), routeparse.ErrMalformedBody},
		{"empty-body", chat(``), routeparse.ErrMalformedBody},
		{"whitespace-body", chat(" \n"), routeparse.ErrMalformedBody},
		{"no-model", chat(`{"messages":[]}`), routeparse.ErrNoModel},
		{"only-fallbacks", chat(`{"fallbacks":["a"]}`), routeparse.ErrNoModel},
		{"nested-model-only", chat(`{"messages":[{"model":"a"}]}`), routeparse.ErrNoModel},
		{"multipart-content-type-on-json-route", bodyReq{path: "/v1/chat/completions", contentType: "multipart/form-data; boundary=x", body: []byte(`{"model":"a"}`)}, routeparse.ErrMalformedBody},
		{"form-content-type-on-json-route", bodyReq{path: "/v1/chat/completions", contentType: "application/x-www-form-urlencoded", body: []byte(`{"model":"a"}`)}, routeparse.ErrMalformedBody},
		{"path-body-disagree", bodyReq{path: "/v1beta/models/gemini-2.5-flash:generateContent", body: []byte(`{"model":"models/gemini-2.5-pro"}`)}, routeparse.ErrAmbiguousModel},
		{"query-body-disagree", bodyReq{path: "/bedrock/openai/v1/chat/completions", query: "model=cheap", body: []byte(`{"model":"expensive"}`)}, routeparse.ErrAmbiguousModel},
		{"query-body-disagree", bodyReq{path: "/v1/chat/completions", query: "model=cheap", body: []byte(`{"model":"expensive"}`)}, routeparse.ErrAmbiguousModel},
		{"query-body-list-partly-disagree", bodyReq{path: "/v1/chat/completions", query: "model=cheap", body: []byte(`{"model":["cheap","expensive"]}`)}, routeparse.ErrAmbiguousModel},
		{"async-invoke-modelId-case-variant", bodyReq{path: "/async-invoke", body: []byte(`{"modelId":"a","ModelId":"b"}`)}, routeparse.ErrAmbiguousModel},
		{"async-invoke-modelId-duplicate", bodyReq{path: "/async-invoke", body: []byte(`{"modelId":"a","modelId":"b"}`)}, routeparse.ErrAmbiguousModel},
		{"async-invoke-modelId-lowercase-variant", bodyReq{path: "/async-invoke", body: []byte(`{"modelid":"b"}`)}, routeparse.ErrAmbiguousModel},
		{"async-invoke-modelId-list", bodyReq{path: "/async-invoke", body: []byte(`{"modelId":["a"]}`)}, routeparse.ErrMalformedBody},
		{"async-invoke-no-modelId", bodyReq{path: "/async-invoke", body: []byte(`{"model":"a"}`)}, routeparse.ErrNoModel},
		{"batch-empty-requests", bodyReq{path: "/v1/messages/batches", body: []byte(`{"requests":[]}`)}, routeparse.ErrMalformedBody},
		{"batch-request-without-model", bodyReq{path: "/v1/messages/batches", body: []byte(`{"requests":[{"params":{"model":"a"}},{"params":{}}]}`)}, routeparse.ErrNoModel},
		{"batch-model-number", bodyReq{path: "/v1/messages/batches", body: []byte(`{"requests":[{"params":{"model":1}}]}`)}, routeparse.ErrMalformedBody},
		{"batch-duplicate-model", bodyReq{path: "/v1/messages/batches", body: []byte(`{"requests":[{"params":{"model":"a","model":"b"}}]}`)}, routeparse.ErrAmbiguousModel},
		{"batch-duplicate-params", bodyReq{path: "/v1/messages/batches", body: []byte(`{"requests":[{"params":{"model":"a"},"params":{"model":"b"}}]}`)}, routeparse.ErrAmbiguousModel},
		{"batch-case-variant-requests", bodyReq{path: "/v1/messages/batches", body: []byte(`{"requests":[{"params":{"model":"a"}}],"Requests":[{"params":{"model":"b"}}]}`)}, routeparse.ErrAmbiguousModel},
		{"batch-requests-object", bodyReq{path: "/v1/messages/batches", body: []byte(`{"requests":{"params":{"model":"a"}}}`)}, routeparse.ErrMalformedBody},
		{"unknown-encoding", bodyReq{path: "/v1/chat/completions", contentEncoding: "br", body: []byte(`{"model":"a"}`)}, routeparse.ErrUnsupportedEncoding},
		{"stacked-encoding", bodyReq{path: "/v1/chat/completions", contentEncoding: "gzip, gzip", body: []byte(`{"model":"a"}`)}, routeparse.ErrUnsupportedEncoding},
		{"gzip-label-plain-body", bodyReq{path: "/v1/chat/completions", contentEncoding: "gzip", body: []byte(`{"model":"a"}`)}, routeparse.ErrMalformedBody},
		{"gzip-truncated", bodyReq{path: "/v1/chat/completions", contentEncoding: "gzip", body: gz(t, []byte(`{"model":"a"}`))[:20]}, routeparse.ErrMalformedBody},
		{"gzip-trailing-garbage", bodyReq{path: "/v1/chat/completions", contentEncoding: "gzip", body: append(gz(t, []byte(`{"model":"a"}`)), "xyz"...)}, routeparse.ErrMalformedBody},
		{"deflate-trailing-garbage", bodyReq{path: "/v1/chat/completions", contentEncoding: "deflate", body: append(compress(t, "deflate", []byte(`{"model":"a"}`)), "xyz"...)}, routeparse.ErrMalformedBody},
		{"too-large", bodyReq{path: "/v1/chat/completions", limit: 16, body: []byte(`{"model":"gpt-4o","x":1}`)}, routeparse.ErrBodyTooLarge},
		{"too-large-after-gzip", bodyReq{path: "/v1/chat/completions", parser: routeparse.Parser{MaxDecodedBytes: 64}, contentEncoding: "gzip", body: gz(t, []byte(`{"model":"a","pad":"`+strings.Repeat("a", 100)+`"}`))}, routeparse.ErrBodyTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseBody(t, tc.req)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			var perr *routeparse.Error
			require.ErrorAs(t, err, &perr)
			assert.NotEmpty(t, perr.Detail)
			for _, m := range r.Models() {
				assert.NotEqual(t, routeparse.SourceBody, m.Source, "body model %q kept after an error", m.Name())
			}
		})
	}
}

// Each refusal must say why, and the reasons must differ: a non-string
// model is not reported as a missing one.
func TestParseBodyDistinctDetails(t *testing.T) {
	details := map[string]string{}
	for name, body := range map[string]string{
		"number": `{"model":4}`, "object": `{"model":{}}`, "null": `{"model":null}`,
		"bool": `{"model":false}`, "empty": `{"model":""}`, "duplicate": `{"model":"a","model":"a"}`,
		"variant": `{"Model":"a"}`, "invalid": `{"model":"a",}`, "bom": "\xef\xbb\xbf{}", "trailing": `{"model":"a"} 1`,
	} {
		_, err := parseBody(t, chat(body))
		require.Error(t, err, name)
		details[name] = err.Error()
	}
	seen := map[string]string{}
	for name, d := range details {
		if other, dup := seen[d]; dup {
			t.Errorf("%s and %s share the message %q", name, other, d)
		}
		seen[d] = name
	}
	assert.Contains(t, details["number"], "number")
	assert.Contains(t, details["null"], "null")
	assert.Contains(t, details["object"], "object")
	assert.Contains(t, details["bool"], "boolean")
}

// A failed ParseBody leaves the route exactly as ParseRequest returned it.
func TestParseBodyErrorLeavesRouteUnchanged(t *testing.T) {
	var p routeparse.Parser
	for _, body := range []string{
		`{"model":"a","fallbacks":["b","c","d","e","f","g"],"stream":true,"x":}`,
		`{"stream":true,"model":"a","model":"b"}`,
		`{"model":"a","fallbacks":["b","c","d","e","f","g"],"stream":true}` + "x",
	} {
		for _, path := range []string{"/v1/chat/completions", "/api/chat"} {
			r, err := p.ParseRequest("POST", path, "model=a", nil)
			require.NoError(t, err)
			before := view(r.Models())
			stream := r.Stream
			require.Error(t, p.ParseBody(&r, "application/json", "", []byte(body), 0))
			assert.Equal(t, before, view(r.Models()), "%s %s", path, body)
			assert.Equal(t, stream, r.Stream)
		}
	}
}

// Decoding a compression bomb stops at the decoded-size bound instead of
// allocating the whole expansion; the bound is the parser's, not the
// limit on the body as received.
func TestParseBodyGzipBomb(t *testing.T) {
	const limit = 1 << 20
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	require.NoError(t, err)
	zeros := make([]byte, 1<<20)
	for range 256 { // 256 MiB of zeros, about 250 KiB compressed
		_, err := w.Write(zeros)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	bomb := buf.Bytes()
	require.Less(t, len(bomb), limit)

	for _, c := range []struct {
		name   string
		p      routeparse.Parser
		bound  int64
		detail string
	}{
		{"default", routeparse.Parser{}, routeparse.DefaultMaxDecodedBytes, "exceeds the limit of 8388608 bytes"},
		{"one-MiB", routeparse.Parser{MaxDecodedBytes: limit}, limit, "exceeds the limit of 1048576 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.p.Compile()
			require.NoError(t, err)
			r, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
			require.NoError(t, err)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err = p.ParseBody(&r, "application/json", "gzip", bomb, routeparse.DefaultBodyLimit)
			runtime.ReadMemStats(&after)
			refusedWith(t, err, routeparse.ErrBodyTooLarge, c.detail)
			allocated := after.TotalAlloc - before.TotalAlloc
			assert.Less(t, allocated, uint64(4*c.bound), "decoding a bomb allocated %d bytes", allocated)
		})
	}
}

// The decoded-size bound is separate from the limit on the body as
// received: a compressed body may decode to more than the wire limit when
// the parser allows it, and to no more than the parser allows whatever the
// wire limit.
func TestParseBodyDecodedBoundIsSeparate(t *testing.T) {
	body := []byte(`{"model":"gpt-4o","pad":"` + strings.Repeat("a", 4096) + `"}`)
	small := gz(t, body)
	require.Less(t, len(small), 1024)

	r, err := parseBody(t, bodyReq{path: "/v1/chat/completions", contentEncoding: "gzip", body: small, limit: 1024})
	require.NoError(t, err, "a 4 KiB decoded body under the default decoded bound, 1 KiB on the wire")
	assert.Equal(t, []modelView{bodyModel("gpt-4o")}, view(r.Models()))

	_, err = parseBody(t, bodyReq{path: "/v1/chat/completions", contentEncoding: "gzip", body: small, parser: routeparse.Parser{MaxDecodedBytes: 4096}})
	refusedWith(t, err, routeparse.ErrBodyTooLarge, "decoded body exceeds the limit of 4096 bytes")

	// An identity body is bounded by the wire limit only.
	_, err = parseBody(t, bodyReq{path: "/v1/chat/completions", body: body, parser: routeparse.Parser{MaxDecodedBytes: 64}})
	require.NoError(t, err)

	_, err = (&routeparse.Parser{MaxDecodedBytes: -1}).Compile()
	require.Error(t, err)
}

func TestParseBodyDepthLimit(t *testing.T) {
	// encoding/json accepts 10000 nested levels, the top-level object
	// included, and refuses 10001.
	nested := func(levels int) []byte {
		return []byte(`{"model":"m","x":` + strings.Repeat("[", levels-1) + strings.Repeat("]", levels-1) + `}`)
	}
	_, err := parseBody(t, chat(string(nested(10000))))
	require.NoError(t, err)
	_, err = parseBody(t, chat(string(nested(10001))))
	require.ErrorIs(t, err, routeparse.ErrMalformedBody)
}

func TestParseBodyMultipart(t *testing.T) {
	type part struct{ header, body string }
	form := func(parts ...part) []byte {
		var b strings.Builder
		for _, p := range parts {
			fmt.Fprintf(&b, "--XyZ\r\n%s\r\n\r\n%s\r\n", p.header, p.body)
		}
		b.WriteString("--XyZ--\r\n")
		return []byte(b.String())
	}
	field := func(name, value string) part {
		return part{`Content-Disposition: form-data; name="` + name + `"`, value}
	}
	file := part{"Content-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav", "RIFF\x00\x01model=evil\r\n--XyZ-not-a-boundary"}
	const ct = "multipart/form-data; boundary=XyZ"
	transcribe := func(body []byte) bodyReq {
		return bodyReq{path: "/v1/audio/transcriptions", contentType: ct, body: body}
	}

	ok := []struct {
		name   string
		req    bodyReq
		want   []modelView
		stream bool
	}{
		{"openai-go-transcription", transcribe(form(file, field("model", "whisper-1"), field("response_format", "json"))), []modelView{formModel("whisper-1")}, false},
		{"model-before-file", transcribe(form(field("model", "gpt-4o-transcribe"), file)), []modelView{formModel("gpt-4o-transcribe")}, false},
		{"stream-field-true", transcribe(form(field("model", "gpt-4o-transcribe"), field("stream", "true"))), []modelView{formModel("gpt-4o-transcribe")}, true},
		{"query-form-agree", bodyReq{path: "/v1/audio/transcriptions", query: "model=whisper-1", contentType: ct, body: form(field("model", "whisper-1"))}, []modelView{{"query", "model", "whisper-1", false}, formModel("whisper-1")}, false},
		{"gzip-form", bodyReq{path: "/v1/audio/transcriptions", contentType: ct, contentEncoding: "gzip", body: gz(t, form(field("model", "whisper-1")))}, []modelView{formModel("whisper-1")}, false},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseBody(t, tc.req)
			require.NoError(t, err)
			assert.Equal(t, tc.want, view(r.Models()))
			assert.Equal(t, tc.stream, r.Stream)
		})
	}

	bad := []struct {
		name string
		req  bodyReq
		want error
	}{
		{"multipart-two-model-fields", transcribe(form(field("model", "whisper-1"), file, field("model", "gpt-4o-transcribe"))), routeparse.ErrAmbiguousModel},
		{"multipart-case-variant-field", transcribe(form(field("model", "whisper-1"), field("Model", "x"))), routeparse.ErrAmbiguousModel},
		{"multipart-rfc2231-name", transcribe(form(part{`Content-Disposition: form-data; name*=utf-8''model`, "x"}, field("model", "whisper-1"))), routeparse.ErrAmbiguousModel},
		{"multipart-backslash-escaped-name", transcribe(form(part{`Content-Disposition: form-data; name="mod\el"`, "x"}, field("model", "whisper-1"))), routeparse.ErrAmbiguousModel},
		{"multipart-duplicate-name-param", transcribe(form(part{`Content-Disposition: form-data; name="model"; name="x"`, "x"})), routeparse.ErrMalformedBody},
		{"multipart-two-dispositions", transcribe(form(part{"Content-Disposition: form-data; name=\"x\"\r\nContent-Disposition: form-data; name=\"model\"", "evil"}, field("model", "whisper-1"))), routeparse.ErrMalformedBody},
		{"multipart-quoted-printable-model", transcribe(form(part{"Content-Disposition: form-data; name=\"model\"\r\nContent-Transfer-Encoding: quoted-printable", "whisper=2D1"})), routeparse.ErrMalformedBody},
		{"multipart-model-is-file", transcribe(form(part{`Content-Disposition: form-data; name="model"; filename="m.txt"`, "whisper-1"})), routeparse.ErrMalformedBody},
		{"multipart-no-model", transcribe(form(file, field("language", "en"))), routeparse.ErrNoModel},
		{"multipart-empty-model", transcribe(form(field("model", ""))), routeparse.ErrMalformedBody},
		{"multipart-model-with-newline", transcribe(form(field("model", "whisper-1\r\nx"))), routeparse.ErrMalformedBody},
		{"multipart-model-too-long", transcribe(form(field("model", strings.Repeat("m", 2000)))), routeparse.ErrMalformedBody},
		{"multipart-stream-not-bool", transcribe(form(field("model", "whisper-1"), field("stream", "yes"))), routeparse.ErrMalformedBody},
		{"multipart-missing-final-boundary", transcribe([]byte("--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n")), routeparse.ErrMalformedBody},
		{"multipart-wrong-content-type", bodyReq{path: "/v1/audio/transcriptions", contentType: "application/json", body: []byte(`{"model":"whisper-1"}`)}, routeparse.ErrMalformedBody},
		{"multipart-no-boundary", bodyReq{path: "/v1/audio/transcriptions", contentType: "multipart/form-data", body: form(field("model", "whisper-1"))}, routeparse.ErrMalformedBody},
		{"multipart-urlencoded-refused", bodyReq{path: "/v1/audio/transcriptions", contentType: "application/x-www-form-urlencoded", body: []byte("model=whisper-1")}, routeparse.ErrMalformedBody},
		{"query-form-disagree", bodyReq{path: "/v1/audio/transcriptions", query: "model=whisper-1", contentType: ct, body: form(field("model", "gpt-4o-transcribe"))}, routeparse.ErrAmbiguousModel},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseBody(t, tc.req)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			for _, m := range r.Models() {
				assert.NotEqual(t, routeparse.SourceForm, m.Source)
			}
		})
	}
}

func TestParseBodyDefaultLimit(t *testing.T) {
	big := make([]byte, routeparse.DefaultBodyLimit+1)
	_, err := parseBody(t, bodyReq{path: "/v1/chat/completions", body: big})
	require.ErrorIs(t, err, routeparse.ErrBodyTooLarge)
}

func ExampleParser_ParseBody() {
	var p routeparse.Parser
	r, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
	if err != nil {
		panic(err)
	}
	body := []byte(`{"messages":[{"role":"user","content":"hi"}],"model":"gpt-4o","fallbacks":["gpt-4o-mini"],"stream":true}`)
	if err := p.ParseBody(&r, "application/json", "", body, 0); err != nil {
		panic(err)
	}
	for _, m := range r.Models() {
		fmt.Println(m.Source, m.Field, m.Name(), m.Fallback)
	}
	fmt.Println("stream:", r.Stream)

	// A second "model", however it is spelled, is refused.
	r, _ = p.ParseRequest("POST", "/v1/chat/completions", "", nil)
	err = p.ParseBody(&r, "application/json", "", []byte(`{"model":"gpt-4o-mini","\u006dodel":"o1-pro"}`), 0)
	fmt.Println(errors.Is(err, routeparse.ErrAmbiguousModel), len(r.Models()))
	// Output:
	// body model gpt-4o false
	// body fallbacks gpt-4o-mini true
	// stream: true
	// true 0
}
