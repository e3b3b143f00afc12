package routeparse_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// Differential attacks: whenever routeparse accepts a request, a Go
// dispatcher reading the same request with the standard library
// (encoding/json, net/url, net/http's ServeMux, mime/multipart) must see
// exactly the models routeparse reported. A disagreement is a bypass: the
// gateway authorizes one model and dispatches another.

// diffGoModels is what a Go dispatcher binding the usual request struct
// sees: the model (string, comma list or list) and every fallback.
func diffGoModels(t *testing.T, body []byte) (primary, fallbacks []string, err error) {
	t.Helper()
	var v struct {
		Model                  any
		Fallbacks              any
		ContextWindowFallbacks any `json:"context_window_fallbacks"`
		ContentPolicyFallbacks any `json:"content_policy_fallbacks"`
		Stream                 any
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, nil, err
	}
	switch m := v.Model.(type) {
	case string:
		if !strings.Contains(m, ",") {
			primary = append(primary, m)
			break
		}
		for p := range strings.SplitSeq(m, ",") {
			primary = append(primary, strings.TrimSpace(p))
		}
	case []any:
		for _, e := range m {
			s, ok := e.(string)
			if !ok {
				return nil, nil, fmt.Errorf("non-string model element %v", e)
			}
			primary = append(primary, s)
		}
	case nil:
	default:
		return nil, nil, fmt.Errorf("model of type %T", m)
	}
	var walk func(x any, depth int)
	walk = func(x any, depth int) {
		switch x := x.(type) {
		case string:
			fallbacks = append(fallbacks, x)
		case []any:
			for _, e := range x {
				walk(e, depth+1)
			}
		case map[string]any:
			if m, ok := x["model"]; ok {
				// Completion arguments: the model and its own fallbacks.
				walk(m, depth+1)
				for _, k := range []string{"fallbacks", "context_window_fallbacks", "content_policy_fallbacks"} {
					walk(x[k], depth+1)
				}
				return
			}
			for k, e := range x {
				fallbacks = append(fallbacks, k)
				walk(e, depth+1)
			}
		}
	}
	walk(v.Fallbacks, 0)
	walk(v.ContextWindowFallbacks, 0)
	walk(v.ContentPolicyFallbacks, 0)
	return primary, fallbacks, nil
}

func diffRouteModels(rt *routeparse.Route) (primary, fallbacks []string) {
	for _, m := range rt.Models() {
		if m.Fallback {
			fallbacks = append(fallbacks, m.Name())
		} else {
			primary = append(primary, m.Name())
		}
	}
	return primary, fallbacks
}

func diffSorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return slices.Compact(s)
}

func diffJSONBodies() []string {
	keys := []string{
		`"model"`, `"Model"`, `"MODEL"`, `"\u006dodel"`, `"mode\u006C"`, `"m\u006fdel"`, `"model\u0000"`, `"model "`, `" model"`,
		`"fallbacks"`, `"Fallbacks"`, `"fallbac\u212as"`, "\"fallbac\u212as\"", `"fallback\u017f"`, "\"fallback\u017f\"",
		`"context_window_fallbacks"`, `"context_window_fallbac\u212as"`, `"Content_Policy_Fallbacks"`,
		`"stream"`, "\"\u017ftream\"", `"\u017ftream"`,
	}
	values := []string{
		`"claude-opus-4-7"`, `["claude-opus-4-7"]`, `[{"model":"claude-opus-4-7"}]`, `[{"claude-haiku-4-5":["claude-opus-4-7"]}]`,
		`"claude-haiku-4-5,claude-opus-4-7"`, `null`, `true`, `1`, `{"model":"claude-opus-4-7"}`,
	}
	var out []string
	for _, k := range keys {
		for _, v := range values {
			out = append(out,
				`{`+k+`:`+v+`}`,
				`{"model":"claude-haiku-4-5",`+k+`:`+v+`}`,
				`{`+k+`:`+v+`,"model":"claude-haiku-4-5"}`,
			)
		}
	}
	out = append(out,
		`{"model":"claude-haiku-4-5"}`,
		`{"model":"claude-h\u0061iku-4-5"}`,
		`{"model":"claude-haiku-4-5\u002cclaude-opus-4-7"}`,
		`{"model":" claude-haiku-4-5 "}`,
		`{"model":"claude-haiku-4-5\/x"}`,
		`{"model":"claude-haiku-4-5","messages":[{"model":"claude-opus-4-7"}]}`,
		`{"model":"claude-haiku-4-5","fallbacks":[{"model":"claude-haiku-4-5","api_base":"x"}]}`,
		`{"model":"claude-haiku-4-5","fallbacks":[{"api_base":"https://example.invalid"}]}`,
		`{"model":"claude-haiku-4-5","fallbacks":[{"claude-haiku-4-5":[]}]}`,
		`{"model":"claude-haiku-4-5","fallbacks":[]}`,
		`{"model":"claude-haiku-4-5","fallbacks":[{"model":"claude-haiku-4-5","fallbacks":["claude-opus-4-7"]}]}`,
		`{"model":"claude-haiku-4-5","fallbacks":[{"model":"claude-haiku-4-5","content_policy_fallbacks":[{"model":"claude-opus-4-7","context_window_fallbacks":[{"a":["claude-opus-4-7"]}]}]}]}`,
		`{"model":"claude-haiku-4-5","fallbacks":[{"model":"claude-haiku-4-5","fallbacks":null}]}`,
		`{"model":"claude-haiku-4-5/../claude-opus-4-7"}`,
		`{"model":"claude-opus-4-7#"}`,
		`{"model":"claude-haiku-4-5","x":1e400}`,
		`{"model":"claude-haiku-4-5","x":-0.0e-0}`,
		`{"model":"claude-haiku-4-5","x":01}`,
		`{"model":"claude-haiku-4-5","x":"\x"}`,
		`{"model":"claude-haiku-4-5","x":"\u12"}`,
		`{"model":"claude-haiku-4-5"}`+"\n",
		"\t\r\n {\"model\":\"claude-haiku-4-5\"} \n",
		`{"model":"claude-haiku-4-5","x":"`+"\x7f"+`"}`,
		`{"model":"claude-haiku-4-5","x":"`+"\xed\xa0\x80"+`"}`,
		`{"model":"claude-haiku-4-5","x":"`+"\u2028"+`"}`,
		`{"model":"claude-haiku-4-5",`+"\"\xff\""+`:1}`,
		`{"model":"claude-haiku-4-5","`+strings.Repeat("a", 600)+`":1}`,
		`{"model":"claude-haiku-4-5","\u004d\u004f\u0044\u0045\u004c":"claude-opus-4-7"}`,
	)
	return out
}

func TestAttackDiffJSONAgainstEncodingJSON(t *testing.T) {
	var p routeparse.Parser
	accepted := 0
	for _, body := range diffJSONBodies() {
		rt, err := p.ParseRequest(http.MethodPost, "/v1/chat/completions", "", nil)
		require.NoError(t, err)
		perr := p.ParseBody(&rt, "application/json", "", []byte(body), 0)
		goPrimary, goFallbacks, gerr := diffGoModels(t, []byte(body))
		if perr != nil {
			continue
		}
		accepted++
		t.Run(body, func(t *testing.T) {
			require.NoError(t, gerr, "routeparse accepted a body a Go dispatcher cannot decode")
			primary, fallbacks := diffRouteModels(&rt)
			assert.Equal(t, diffSorted(goPrimary), diffSorted(primary), "primary models differ from encoding/json's binding")
			assert.Equal(t, diffSorted(goFallbacks), diffSorted(fallbacks), "fallbacks differ from encoding/json's binding")
		})
	}
	assert.Positive(t, accepted)
}

// Path models as net/http's ServeMux hands them to a Go handler
// (r.PathValue), for the Bedrock and Gemini shapes.
func TestAttackDiffPathAgainstServeMux(t *testing.T) {
	var got string
	mux := http.NewServeMux()
	mux.HandleFunc("POST /bedrock/model/{id}/{action}", func(_ http.ResponseWriter, r *http.Request) { got = r.PathValue("id") })
	mux.HandleFunc("POST /model/{id}/{action}", func(_ http.ResponseWriter, r *http.Request) { got = r.PathValue("id") })
	mux.HandleFunc("POST /v1beta/models/{call}", func(_ http.ResponseWriter, r *http.Request) {
		c := r.PathValue("call")
		got = c[:max(strings.LastIndexByte(c, ':'), 0)]
	})
	mux.HandleFunc("POST /openai/deployments/{d}/chat/completions", func(_ http.ResponseWriter, r *http.Request) { got = r.PathValue("d") })
	paths := []string{
		"/bedrock/model/global.anthropic.claude-haiku-4-5/invoke",
		"/model/anthropic.claude-opus-4-7-v1%3A0/converse",
		"/model/anthropic.claude-opus-4-7-v1:0/converse",
		"/model/anthropic.claude-opus-4-7-v1%3a0/converse",
		"/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc/invoke",
		"/model/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile%2Fabc/invoke",
		"/model/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile%2fabc/invoke",
		"/model/a%40b/invoke",
		"/model/a@b/invoke",
		"/v1beta/models/gemini-2.5-pro:generateContent",
		"/v1beta/models/gemini-2.5-pro%3AgenerateContent",
		"/v1beta/models/gemini-2.5-flash:gemini-2.5-pro:generateContent",
		"/v1beta/models/gemini-2.5-flash%3Agemini-2.5-pro:generateContent",
		"/v1beta/models/gemini-2.5-flash%2Fgemini-2.5-pro:generateContent",
		"/openai/deployments/mini-deploy/chat/completions",
		"/openai/deployments/mini%3Adeploy/chat/completions",
	}
	var p routeparse.Parser
	compared := 0
	t.Cleanup(func() { assert.GreaterOrEqual(t, compared, 8, "too few paths reached both parsers") })
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			rt, err := p.ParseRequest(http.MethodPost, path, "api-version=1", nil)
			if err != nil {
				return
			}
			var names []string
			for _, m := range rt.Models() {
				if m.Source == routeparse.SourcePath {
					names = append(names, m.Name())
				}
			}
			got = "\x00unset"
			r := httptest.NewRequest(http.MethodPost, path+"?api-version=1", nil)
			mux.ServeHTTP(httptest.NewRecorder(), r)
			if got == "\x00unset" {
				return // the mux does not route it: nothing is dispatched
			}
			require.Len(t, names, 1)
			compared++
			assert.Equal(t, got, names[0], "ServeMux hands the handler a different model")
		})
	}
}

// Query models as url.ParseQuery and Request.FormValue read them.
func TestAttackDiffQueryAgainstNetURL(t *testing.T) {
	queries := []string{
		"model=claude-haiku-4-5",
		"model=claude-haiku-4-5&model=claude-haiku-4-5",
		"model=claude-haiku-4-5&model=claude%2Dhaiku-4-5",
		"model=claude-haiku-4-5&model=claude-opus-4-7",
		"m%6Fdel=claude-opus-4-7",
		"%6Dodel=claude-opus-4-7&model=claude-haiku-4-5",
		"model=claude+haiku",
		"model=claude%2Bhaiku",
		"model=a%2Fb",
		"model=a/b",
		"model=a/../b",
		"model=a%2F..%2Fb",
		"model",
		"model&model=claude-haiku-4-5",
		"model=",
		"model=x=y",
		"model=claude-haiku-4-5%00",
		"Model=claude-opus-4-7",
		"MODEL=x&model=x",
		"model%00=claude-opus-4-7",
		"model=claude-haiku-4-5&&",
		"&model=claude-haiku-4-5",
		"model=%E2%80%8Bclaude",
		"x=%zz&model=claude-haiku-4-5",
		"model=claude-haiku-4-5#frag",
	}
	var p routeparse.Parser
	accepted := 0
	t.Cleanup(func() { assert.GreaterOrEqual(t, accepted, 5, "too few queries accepted to compare") })
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			rt, err := p.ParseRequest(http.MethodGet, "/v1/realtime", q, nil)
			if err != nil {
				return
			}
			accepted++
			vals, qerr := url.ParseQuery(q)
			require.NoError(t, qerr, "routeparse accepted a query net/url refuses")
			var names []string
			for _, m := range rt.Models() {
				names = append(names, m.Name())
			}
			assert.Equal(t, diffSorted(vals["model"]), diffSorted(names))
			for k := range vals {
				if k != "model" {
					assert.False(t, strings.EqualFold(k, "model"), "case variant %q accepted", k)
				}
			}
		})
	}
}

// Multipart models as Request.ParseMultipartForm / FormValue read them.
func TestAttackDiffMultipartAgainstNetHTTP(t *testing.T) {
	type part struct {
		disp  string
		extra map[string]string
		value string
	}
	build := func(parts ...part) ([]byte, string) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", "a.wav")
		_, _ = fw.Write([]byte("RIFF"))
		for _, p := range parts {
			h := textproto.MIMEHeader{"Content-Disposition": {p.disp}}
			for k, v := range p.extra {
				h.Set(k, v)
			}
			pw, _ := w.CreatePart(h)
			_, _ = pw.Write([]byte(p.value))
		}
		_ = w.Close()
		return buf.Bytes(), w.FormDataContentType()
	}
	cases := map[string][]part{
		"plain":                {{`form-data; name="model"`, nil, "whisper-1"}},
		"unquoted":             {{`form-data; name=model`, nil, "whisper-1"}},
		"upper disposition":    {{`FORM-DATA; NAME="model"`, nil, "whisper-1"}},
		"two models":           {{`form-data; name="model"`, nil, "whisper-1"}, {`form-data; name="model"`, nil, "gpt-4o-transcribe"}},
		"case variant":         {{`form-data; name="model"`, nil, "whisper-1"}, {`form-data; name="MODEL"`, nil, "gpt-4o-transcribe"}},
		"empty filename":       {{`form-data; name="model"; filename=""`, nil, "gpt-4o-transcribe"}},
		"file model":           {{`form-data; name="model"`, nil, "whisper-1"}, {`form-data; name="model"; filename="x"`, nil, "gpt-4o-transcribe"}},
		"quoted-printable":     {{`form-data; name="model"`, map[string]string{"Content-Transfer-Encoding": "quoted-printable"}, "gpt-4o-transcribe=\r\n"}},
		"qp in header case":    {{`form-data; name="model"`, map[string]string{"content-transfer-encoding": "Quoted-Printable"}, "gpt=2D4o"}},
		"base64":               {{`form-data; name="model"`, map[string]string{"Content-Transfer-Encoding": "base64"}, "d2hpc3Blci0x"}},
		"rfc2231":              {{`form-data; name*=UTF-8''model`, nil, "gpt-4o-transcribe"}},
		"attachment":           {{`attachment; name="model"`, nil, "gpt-4o-transcribe"}},
		"trailing CRLF":        {{`form-data; name="model"`, nil, "whisper-1\r\n"}},
		"leading space":        {{`form-data; name="model"`, nil, " whisper-1"}},
		"name with NUL":        {{"form-data; name=\"model\x00\"", nil, "gpt-4o-transcribe"}},
		"duplicate name param": {{`form-data; name="x"; name="model"`, nil, "gpt-4o-transcribe"}},
		"charset param":        {{`form-data; name="model"`, map[string]string{"Content-Type": "text/plain; charset=utf-16"}, "whisper-1"}},
	}
	var p routeparse.Parser
	formAccepted := 0
	t.Cleanup(func() { assert.GreaterOrEqual(t, formAccepted, 2, "too few forms accepted to compare") })
	for name, parts := range cases {
		t.Run(name, func(t *testing.T) {
			body, ct := build(parts...)
			rt, err := p.ParseRequest(http.MethodPost, "/v1/audio/transcriptions", "", nil)
			require.NoError(t, err)
			if p.ParseBody(&rt, ct, "", body, 0) != nil {
				return
			}
			formAccepted++
			r := httptest.NewRequest(http.MethodPost, "/v1/audio/transcriptions", bytes.NewReader(body))
			r.Header.Set("Content-Type", ct)
			require.NoError(t, r.ParseMultipartForm(1<<20), "routeparse accepted a form net/http refuses")
			var names []string
			for _, m := range rt.Models() {
				names = append(names, m.Name())
			}
			assert.Equal(t, r.MultipartForm.Value["model"], names, "net/http binds a different model")
			assert.Empty(t, r.MultipartForm.File["model"])
		})
	}
}

// Every gzip/deflate body routeparse accepts must decode, with the
// standard library, to a body whose model is the one reported.
func TestAttackDiffEncodingTrailingData(t *testing.T) {
	var p routeparse.Parser
	rt, err := p.ParseRequest(http.MethodPost, "/v1/chat/completions", "", nil)
	require.NoError(t, err)
	plain := []byte(`{"model":"claude-haiku-4-5"}`)
	for _, enc := range []string{"gzip", "deflate", "identity", " gzip ", "Gzip", "gzip;q=1", "x-gzip"} {
		t.Run(enc, func(t *testing.T) {
			r := rt
			err := p.ParseBody(&r, "application/json", enc, plain, 0)
			if strings.TrimSpace(strings.ToLower(enc)) == "identity" {
				require.NoError(t, err)
				return
			}
			assert.Error(t, err, "a plain body under Content-Encoding %q must not be read as plain", enc)
		})
	}
}

// FuzzAttackDiffJSON: for any body routeparse accepts on a chat route,
// encoding/json must accept it too and bind the same models.
func FuzzAttackDiffJSON(f *testing.F) {
	for _, b := range diffJSONBodies() {
		f.Add([]byte(b))
	}
	var p routeparse.Parser
	f.Fuzz(func(t *testing.T, body []byte) {
		rt, err := p.ParseRequest(http.MethodPost, "/v1/chat/completions", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.ParseBody(&rt, "application/json", "", body, 1<<20) != nil {
			return
		}
		goPrimary, goFallbacks, gerr := diffGoModels(t, body)
		if gerr != nil {
			t.Fatalf("routeparse accepted %q, encoding/json: %v", body, gerr)
		}
		primary, fallbacks := diffRouteModels(&rt)
		if !slices.Equal(diffSorted(goPrimary), diffSorted(primary)) || !slices.Equal(diffSorted(goFallbacks), diffSorted(fallbacks)) {
			t.Fatalf("body %q: routeparse %q/%q, encoding/json %q/%q", body, primary, fallbacks, goPrimary, goFallbacks)
		}
	})
}
