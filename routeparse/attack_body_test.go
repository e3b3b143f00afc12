package routeparse_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// refusedWith asserts err wraps want and is a *routeparse.Error whose
// detail contains the given reason.
func refusedWith(t *testing.T, err error, want error, reason string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, want)
	var perr *routeparse.Error
	require.ErrorAs(t, err, &perr)
	assert.Contains(t, perr.Detail, reason)
}

// Body model names obey the rules of path models: a name a dispatcher
// turns into a different model once it builds a URL from it, or trims
// it, is refused, whichever member carries it.
func TestAttackBodyModelNameSpellings(t *testing.T) {
	const (
		space    = "white space"
		reserved = "'?', '#', '%' or '\\'"
		dotPart  = "'/'-separated part"
		control  = "control character"
		format   = "invisible format character"
	)
	names := []struct {
		name, model, reason string
	}{
		{"dot-dot-part-to-shadowed-model", "gemini-2.5-flash/../gemini-2.5-pro", dotPart},
		{"dot-part", "gemini/./gemini-2.5-pro", dotPart},
		{"empty-part", "gemini//gemini-2.5-pro", dotPart},
		{"leading-slash", "/gemini-2.5-pro", dotPart},
		{"trailing-slash", "gemini-2.5-pro/", dotPart},
		{"lone-dot-dot", "..", dotPart},
		{"bedrock-traversal", "bedrock/global.anthropic.claude-haiku-4-5/../global.anthropic.claude-opus-4-7", dotPart},
		{"escaped-slash-traversal", `gemini-2.5-flash\/..\/gemini-2.5-pro`, dotPart},
		{"fragment-after-verb", "gemini-2.5-pro:generateContent#", reserved},
		{"query-after-verb", "gemini-2.5-pro:generateContent?", reserved},
		{"query-mark", "x?", reserved},
		{"percent-escape", "gemini-2.5-flash%2F..%2Fgemini-2.5-pro", reserved},
		{"backslash-separator", `gemini-2.5-flash\\..\\gemini-2.5-pro`, reserved},
		{"leading-space", " claude-opus-4-7", space},
		{"trailing-space", "claude-opus-4-7 ", space},
		{"inner-space", "claude opus", space},
		{"escaped-tab", `claude-opus-4-7\t`, control},
		{"no-break-space", "claude-opus-4-7\u00a0", space},
		{"escaped-no-break-space", `claude-opus-4-7\u00a0`, space},
		{"ideographic-space", "claude-opus-4-7\u3000", space},
		{"line-separator", "claude-opus-4-7\u2028", space},
		{"zero-width-space", "claude-opus\u200b-4-7", format},
		{"escaped-zero-width-space", `claude-opus\u200b-4-7`, format},
		{"byte-order-mark-inside", "\ufeffclaude-opus-4-7", format},
		{"bidi-override", "claude-\u202eopus-4-7", format},
		{"c1-control-nel", "claude-opus-4-7\u0085x", control},
		{"escaped-del", `claude-opus-4-7\u007f`, control},
	}
	// Every member that carries a model name, on its route.
	carriers := []struct {
		name string
		req  func(model string) bodyReq
	}{
		{"model", func(m string) bodyReq { return chat(`{"model":"` + m + `"}`) }},
		{"model-list", func(m string) bodyReq { return chat(`{"model":["gpt-4o","` + m + `"]}`) }},
		{"fallbacks", func(m string) bodyReq { return chat(`{"model":"gpt-4o","fallbacks":["` + m + `"]}`) }},
		{"fallback-object", func(m string) bodyReq { return chat(`{"model":"gpt-4o","fallbacks":[{"model":"` + m + `"}]}`) }},
		{"fallback-map-key", func(m string) bodyReq { return chat(`{"model":"gpt-4o","fallbacks":[{"` + m + `":[]}]}`) }},
		{"deployment-id", func(m string) bodyReq { return chat(`{"model":"gpt-4o","deployment_id":"` + m + `"}`) }},
		{"async-invoke-modelId", func(m string) bodyReq {
			return bodyReq{path: "/async-invoke", body: []byte(`{"modelId":"` + m + `"}`)}
		}},
		{"anthropic-batch", func(m string) bodyReq {
			return bodyReq{path: "/v1/messages/batches", body: []byte(`{"requests":[{"params":{"model":"` + m + `"}}]}`)}
		}},
		{"responses-tool", func(m string) bodyReq {
			return bodyReq{path: "/v1/responses", body: []byte(`{"model":"gpt-4o","tools":[{"type":"image_generation","model":"` + m + `"}]}`)}
		}},
		{"gemini-body-model", func(m string) bodyReq {
			return bodyReq{path: "/v1beta/models/gemini-2.5-flash:embedContent", body: []byte(`{"model":"` + m + `"}`)}
		}},
	}
	for _, c := range carriers {
		for _, n := range names {
			if c.name == "fallback-map-key" && strings.Contains(n.model, `\`) && n.reason == dotPart {
				continue // same name, different JSON spelling: covered by the others
			}
			t.Run(c.name+"/"+n.name, func(t *testing.T) {
				r, err := parseBody(t, c.req(n.model))
				refusedWith(t, err, routeparse.ErrMalformedBody, n.reason)
				for _, m := range r.Models() {
					assert.NotEqual(t, routeparse.SourceBody, m.Source)
				}
			})
		}
	}
}

// Legitimate names keep passing: provider-qualified names, ARNs with '/',
// fine-tuned model IDs with ':', Cloudflare's "@cf/..." and Fireworks'
// "accounts/.../models/...".
func TestBodyModelNamesLegitimateSpellings(t *testing.T) {
	for _, name := range []string{
		"bedrock/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc",
		"arn:aws:bedrock:us-east-1:123456789012:custom-model/anthropic.claude-haiku-4-5/abc",
		"vertex_ai/meta/llama-3",
		"openai/gpt-4o",
		"ft:gpt-4o-mini:org:custom:id",
		"models/gemini-2.5-pro",
		"accounts/fireworks/models/x",
		"@cf/meta/llama",
		"claude-sonnet-4@20250514",
		"global.anthropic.claude-opus-4-7",
		"anthropic.claude-3-5-sonnet-20241022-v2:0",
		"mod\u00e8le-\U0001F600",
		"a...b/...",
		"llama3.1:8b-instruct-q4_K_M",
		"hf.co/org/repo:Q4_K_M",
	} {
		t.Run(name, func(t *testing.T) {
			r, err := parseBody(t, chat(`{"model":"`+name+`","fallbacks":[{"model":"`+name+`"}]}`))
			require.NoError(t, err)
			assert.Equal(t, []modelView{bodyModel(name), fb("fallbacks", name)}, view(r.Models()))
		})
	}
	// A comma-separated list is split and each part trimmed, as LiteLLM's
	// proxy does; the parts are then checked.
	r, err := parseBody(t, chat(`{"model":"gpt-4o, claude-3"}`))
	require.NoError(t, err)
	assert.Equal(t, []modelView{bodyModel("gpt-4o"), bodyModel("claude-3")}, view(r.Models()))
	_, err = parseBody(t, chat(`{"model":"gpt-4o, a/../b"}`))
	refusedWith(t, err, routeparse.ErrMalformedBody, "'/'-separated part")
}

// The same rules hold for the multipart "model" field.
func TestAttackFormModelNameSpellings(t *testing.T) {
	for name, value := range map[string]string{
		"leading-space": " whisper-1",
		"dot-dot-part":  "openai/../whisper-1",
		"query-mark":    "whisper-1?",
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			require.NoError(t, w.WriteField("model", value))
			require.NoError(t, w.Close())
			r, err := parseBody(t, bodyReq{path: "/v1/audio/transcriptions", contentType: w.FormDataContentType(), body: buf.Bytes()})
			refusedWith(t, err, routeparse.ErrMalformedBody, "contains")
			assert.Empty(t, r.Models())
		})
	}
}

// A fallback given as completion arguments may carry fallbacks of its own;
// every model they name is recorded, to a bounded depth.
func TestAttackNestedFallbacks(t *testing.T) {
	t.Run("fallback-object-nested-fallbacks", func(t *testing.T) {
		r, err := parseBody(t, chat(`{"model":"a","fallbacks":[{"model":"a","fallbacks":["opus"]}]}`))
		require.NoError(t, err)
		assert.Equal(t, []modelView{bodyModel("a"), fb("fallbacks", "a"), fb("fallbacks", "opus")}, view(r.Models()))
	})
	t.Run("every-nested-fallback-key", func(t *testing.T) {
		r, err := parseBody(t, chat(`{"model":"a","content_policy_fallbacks":[{"model":"b","context_window_fallbacks":[{"c":["d"]}],"content_policy_fallbacks":[{"model":"e"}],"fallbacks":null,"api_base":"x"}]}`))
		require.NoError(t, err)
		assert.Equal(t, []modelView{
			bodyModel("a"), fb("content_policy_fallbacks", "b"),
			fb("context_window_fallbacks", "c"), fb("context_window_fallbacks", "d"),
			fb("content_policy_fallbacks", "e"),
		}, view(r.Models()))
	})
	t.Run("three-levels", func(t *testing.T) {
		r, err := parseBody(t, chat(`{"model":"a","fallbacks":[{"model":"b","fallbacks":[{"model":"c","fallbacks":[{"model":"d","fallbacks":["opus"]}]}]}]}`))
		require.NoError(t, err)
		assert.Contains(t, view(r.Models()), fb("fallbacks", "opus"))
	})
	refused := []struct {
		name, body string
		want       error
		reason     string
	}{
		{"nested-too-deep", `{"model":"a","fallbacks":[{"model":"b","fallbacks":[{"model":"c","fallbacks":[{"model":"d","fallbacks":[{"model":"e","fallbacks":["opus"]}]}]}]}]}`, routeparse.ErrMalformedBody, "nested more than"},
		{"nested-case-variant", `{"model":"a","fallbacks":[{"model":"b","Fallbacks":["opus"]}]}`, routeparse.ErrAmbiguousModel, "case variant"},
		{"nested-escaped-key-duplicate", `{"model":"a","fallbacks":[{"model":"b","fallbacks":[],"f\u0061llbacks":["opus"]}]}`, routeparse.ErrAmbiguousModel, "duplicate"},
		{"nested-not-a-list", `{"model":"a","fallbacks":[{"model":"b","fallbacks":"opus"}]}`, routeparse.ErrMalformedBody, "not a list"},
		{"nested-number-element", `{"model":"a","fallbacks":[{"model":"b","fallbacks":[1]}]}`, routeparse.ErrMalformedBody, "a number"},
		{"nested-bad-name", `{"model":"a","fallbacks":[{"model":"b","fallbacks":["x/../opus"]}]}`, routeparse.ErrMalformedBody, "'/'-separated part"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseBody(t, chat(tc.body))
			refusedWith(t, err, tc.want, tc.reason)
		})
	}
}

// Responses API tools name models the upstream runs for the request: the
// image_generation tool's "model" and "svg.model". They are recorded as
// secondary models, so they are authorized without having to agree with
// the request's model.
func TestAttackResponsesToolModels(t *testing.T) {
	tool := func(name string) modelView { return modelView{"body", "tools.model", name, true} }
	svg := func(name string) modelView { return modelView{"body", "tools.svg.model", name, true} }
	ok := []struct {
		name, path, body string
		want             []modelView
	}{
		{"image-generation-tool-model", "/v1/responses", `{"model":"gpt-4o-mini","input":"draw","tools":[{"type":"image_generation","model":"gpt-image-1"}]}`, []modelView{bodyModel("gpt-4o-mini"), tool("gpt-image-1")}},
		{"tool-model-before-model", "/v1/responses", `{"tools":[{"type":"web_search"},{"type":"image_generation","model":"gpt-image-1","svg":{"model":"gpt-4o"}}],"model":"gpt-4o-mini"}`, []modelView{tool("gpt-image-1"), svg("gpt-4o"), bodyModel("gpt-4o-mini")}},
		{"azure-v1-responses", "/openai/v1/responses", `{"model":"dep","tools":[{"type":"image_generation","model":"img-dep"}]}`, []modelView{bodyModel("dep"), tool("img-dep")}},
		{"compact", "/v1/responses/compact", `{"model":"gpt-4o-mini","tools":[{"type":"image_generation","model":"gpt-image-1"}]}`, []modelView{bodyModel("gpt-4o-mini"), tool("gpt-image-1")}},
		{"tool-model-null", "/v1/responses", `{"model":"gpt-4o-mini","tools":[{"type":"image_generation","model":null,"svg":null}]}`, []modelView{bodyModel("gpt-4o-mini")}},
		{"tools-null", "/v1/responses", `{"model":"gpt-4o-mini","tools":null}`, []modelView{bodyModel("gpt-4o-mini")}},
		{"function-parameters-model-is-data", "/v1/responses", `{"model":"gpt-4o-mini","tools":[{"type":"function","name":"f","parameters":{"properties":{"model":{"type":"string"}}}}]}`, []modelView{bodyModel("gpt-4o-mini")}},
		// Chat Completions tools (openai-go/v3 ChatCompletionToolUnionParam:
		// function and custom tools) name no model; "tools" stays data there.
		{"chat-completions-tools-are-data", "/v1/chat/completions", `{"model":"gpt-4o-mini","tools":[{"type":"function","function":{"name":"f"},"model":"x"}]}`, []modelView{bodyModel("gpt-4o-mini")}},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseBody(t, bodyReq{path: tc.path, body: []byte(tc.body)})
			require.NoError(t, err)
			assert.Equal(t, tc.want, view(r.Models()))
		})
	}
	refused := []struct {
		name, body string
		want       error
		reason     string
	}{
		{"tool-model-case-variant", `{"model":"gpt-4o-mini","tools":[{"type":"image_generation","Model":"gpt-image-1"}]}`, routeparse.ErrAmbiguousModel, "case variant"},
		{"tool-model-duplicate", `{"model":"gpt-4o-mini","tools":[{"type":"image_generation","model":"a","model":"gpt-image-1"}]}`, routeparse.ErrAmbiguousModel, "duplicate"},
		{"tool-model-number", `{"model":"gpt-4o-mini","tools":[{"type":"image_generation","model":1}]}`, routeparse.ErrMalformedBody, "a number"},
		{"svg-model-list", `{"model":"gpt-4o-mini","tools":[{"type":"image_generation","svg":{"model":["x"]}}]}`, routeparse.ErrMalformedBody, "a list"},
		{"svg-not-object", `{"model":"gpt-4o-mini","tools":[{"type":"image_generation","svg":"gpt-4o"}]}`, routeparse.ErrMalformedBody, "not an object"},
		{"tools-object", `{"model":"gpt-4o-mini","tools":{"type":"image_generation","model":"gpt-image-1"}}`, routeparse.ErrMalformedBody, "not a list"},
		{"tools-string-element", `{"model":"gpt-4o-mini","tools":["gpt-image-1"]}`, routeparse.ErrMalformedBody, "not an object"},
		{"tools-case-variant", `{"model":"gpt-4o-mini","Tools":[{"type":"image_generation","model":"gpt-image-1"}]}`, routeparse.ErrAmbiguousModel, "case variant"},
		{"tools-only", `{"tools":[{"type":"image_generation","model":"gpt-image-1"}]}`, routeparse.ErrNoModel, "names no model"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseBody(t, bodyReq{path: "/v1/responses", body: []byte(tc.body)})
			refusedWith(t, err, tc.want, tc.reason)
		})
	}
}

// LiteLLM's proxy builds a router from a client-supplied "user_config"
// (the client's own model_list); the models it would call are named in a
// shape no allowlist reads, so the member is refused whatever it holds.
func TestAttackClientSuppliedUserConfig(t *testing.T) {
	cases := []struct{ name, path, body string }{
		{"chat-user-config-model-list", "/v1/chat/completions", `{"model":"gpt-4o-mini","user_config":{"model_list":[{"model_name":"gpt-4o-mini","litellm_params":{"model":"anthropic/claude-opus-4-7"}}]}}`},
		{"chat-user-config-null", "/v1/chat/completions", `{"model":"gpt-4o-mini","user_config":null}`},
		{"chat-user-config-before-model", "/chat/completions", `{"user_config":{},"model":"gpt-4o-mini"}`},
		{"messages-user-config", "/v1/messages", `{"model":"claude-haiku-4-5","user_config":{"model_list":[]}}`},
		{"responses-user-config", "/v1/responses", `{"model":"gpt-4o-mini","user_config":{}}`},
		{"escaped-key", "/v1/chat/completions", `{"model":"gpt-4o-mini","user\u005fconfig":{}}`},
		{"user-config-without-model", "/v1/chat/completions", `{"user_config":{"model_list":[]}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseBody(t, bodyReq{path: tc.path, body: []byte(tc.body)})
			refusedWith(t, err, routeparse.ErrAmbiguousModel, "user_config")
			assert.Empty(t, r.Models())
		})
	}
	t.Run("case-variant-key", func(t *testing.T) {
		_, err := parseBody(t, bodyReq{path: "/v1/chat/completions", body: []byte(`{"model":"gpt-4o-mini","User_Config":{}}`)})
		refusedWith(t, err, routeparse.ErrAmbiguousModel, "case variant")
	})
	t.Run("nested-user-config-is-data", func(t *testing.T) {
		r, err := parseBody(t, bodyReq{path: "/v1/chat/completions", body: []byte(`{"model":"gpt-4o-mini","metadata":{"user_config":{}}}`)})
		require.NoError(t, err)
		assert.Equal(t, []modelView{bodyModel("gpt-4o-mini")}, view(r.Models()))
	})
}

// BodyParsed tells an authorizer whether the route's models are complete.
func TestBodyParsed(t *testing.T) {
	var p routeparse.Parser
	r, err := p.ParseRequest(http.MethodPost, "/model/anthropic.claude-v2/invoke", "", nil)
	require.NoError(t, err)
	assert.True(t, r.BodyParsed(), "a BodyNone route names every model in the request line")

	r, err = p.ParseRequest(http.MethodPost, "/v1/chat/completions", "", nil)
	require.NoError(t, err)
	assert.False(t, r.BodyParsed(), "body models not extracted yet")
	require.Error(t, p.ParseBody(&r, "application/json", "", []byte(`{"model":"a/../b"}`), 0))
	assert.False(t, r.BodyParsed(), "a failed ParseBody leaves the route unparsed")
	require.NoError(t, p.ParseBody(&r, "application/json", "", []byte(`{"model":"a"}`), 0))
	assert.True(t, r.BodyParsed())
	require.Error(t, p.ParseBody(&r, "application/json", "", []byte(`{`), 0))
	assert.False(t, r.BodyParsed(), "a later failure clears it")

	r, err = p.ParseRequest(http.MethodPost, "/v1beta/models/gemini-2.5-flash:generateContent", "", nil)
	require.NoError(t, err)
	assert.False(t, r.BodyParsed(), "Gemini model-path routes read the body")
}

// A member name that other JSON stacks read as a member the extractor
// interprets (a C library cuts keys at NUL; sanitisers strip control
// characters; normalisers drop zero-width and other default-ignorable
// characters; lenient decoders drop invalid UTF-8 and lone surrogates) is
// refused like a case variant: the dispatcher or the upstream would read a
// model the authorizer never saw. The legitimate model comes first, so a
// parser that ignores the disguised key authorizes gpt-4o while a C-based
// one calls claude-opus-4-7.
func TestAttackDisguisedModelKeys(t *testing.T) {
	const reads = "once the control, format or invalid characters"
	keys := []struct{ name, key string }{
		{"nul-cut", `model\u0000x`},
		{"nul-suffix", `model\u0000`},
		{"nul-inside", `mo\u0000del`},
		{"escaped-tab", `model\t`},
		{"escaped-newline-inside", `mod\nel`},
		{"escaped-del", `model\u007f`},
		{"raw-del", "model\x7f"},
		{"raw-dels-around", "\x7f\x7f\x7f\x7fmodel\x7f"},
		{"c1-control", `model\u0085`},
		{"zero-width-space", `mo\u200bdel`},
		{"raw-zero-width-space", "mo\u200bdel"},
		{"zero-width-joiner", `model\u200d`},
		{"word-joiner", `\u2060model`},
		{"byte-order-mark", `\ufeffmodel`},
		{"soft-hyphen", `mod\u00adel`},
		{"bidi-override", `\u202emodel`},
		{"variation-selector", `model\ufe0f`},
		{"combining-grapheme-joiner", `mo\u034fdel`},
		{"lone-high-surrogate", `mod\ud800el`},
		{"lone-low-surrogate", `model\udc00`},
		{"invalid-utf8-byte", "mod\xffel"},
		{"case-variant-with-zero-width", `Mo\u200bdel`},
		{"long-key-of-dropped-characters", strings.Repeat(`\u200b`, 200) + "model"},
	}
	for _, k := range keys {
		t.Run("model/"+k.name, func(t *testing.T) {
			r, err := parseBody(t, chat(`{"model":"gpt-4o","`+k.key+`":"claude-opus-4-7"}`))
			refusedWith(t, err, routeparse.ErrAmbiguousModel, reads)
			assert.Empty(t, r.Models())
		})
	}
	// Every other member the extractor reads, at every depth.
	others := []struct{ name, body string }{
		{"fallbacks", `{"model":"gpt-4o","fall\u200bbacks":["claude-opus-4-7"]}`},
		{"context-window-fallbacks", `{"model":"gpt-4o","context_window_fallbacks\u0000":["claude-opus-4-7"]}`},
		{"content-policy-fallbacks", `{"model":"gpt-4o","\ufeffcontent_policy_fallbacks":["claude-opus-4-7"]}`},
		{"deployment-id", `{"model":"gpt-4o","deployment\u00ad_id":"claude-opus-4-7"}`},
		{"user-config", `{"model":"gpt-4o","user_config\u0000":{}}`},
		{"fallback-object-model", `{"model":"gpt-4o","fallbacks":[{"model":"gpt-4o","mo\u200bdel":"claude-opus-4-7"}]}`},
		{"batch-params", `{"requests":[{"params":{"model":"gpt-4o"},"par\u200bams":{"model":"claude-opus-4-7"}}]}`},
		{"batch-params-model", `{"requests":[{"params":{"model":"gpt-4o","model\u0000":"claude-opus-4-7"}}]}`},
		{"async-invoke-modelId", `{"modelId":"a","model\u200bId":"claude-opus-4-7"}`},
		{"responses-tools", `{"model":"gpt-4o","tools\u2060":[{"type":"image_generation","model":"gpt-image-1"}]}`},
		{"responses-tool-model", `{"model":"gpt-4o","tools":[{"type":"image_generation","model":"gpt-image-1","model\u0000":"x"}]}`},
		{"gemini-body-model", `{"model":"models/gemini-2.5-flash","mo\u200bdel":"models/gemini-2.5-pro"}`},
	}
	paths := map[string]string{
		"batch-params": "/v1/messages/batches", "batch-params-model": "/v1/messages/batches",
		"async-invoke-modelId": "/async-invoke", "responses-tools": "/v1/responses", "responses-tool-model": "/v1/responses",
		"gemini-body-model": "/v1beta/models/gemini-2.5-flash:generateContent",
	}
	for _, o := range others {
		t.Run("member/"+o.name, func(t *testing.T) {
			path := paths[o.name]
			if path == "" {
				path = "/v1/chat/completions"
			}
			_, err := parseBody(t, bodyReq{path: path, body: []byte(o.body)})
			refusedWith(t, err, routeparse.ErrAmbiguousModel, reads)
		})
	}
	// The multipart "model" field, for the same reason.
	for _, name := range []string{"model\x00", "mo\u200bdel", "\ufeffmodel", "MODEL\u00ad"} {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		require.NoError(t, w.WriteField("model", "whisper-1"))
		require.NoError(t, w.WriteField(name, "gpt-4o-transcribe"))
		require.NoError(t, w.Close())
		_, err := parseBody(t, bodyReq{path: "/v1/audio/transcriptions", contentType: w.FormDataContentType(), body: buf.Bytes()})
		if !strings.Contains(name, "\x00") {
			refusedWith(t, err, routeparse.ErrAmbiguousModel, "form field")
			continue
		}
		require.Error(t, err, "form field %q", name) // NUL: refused, by the header parser or as ambiguous
	}

	// "stream" selects nothing, so a disguised one is malformed, not
	// ambiguous; it is refused all the same.
	_, err := parseBody(t, chat(`{"model":"gpt-4o","stream\u0000":true}`))
	refusedWith(t, err, routeparse.ErrMalformedBody, reads)

	// Keys that only contain such characters elsewhere, or that stay other
	// names once they are dropped, are data.
	for _, body := range []string{
		`{"model":"gpt-4o","model_\u200bextra":"x","mode\u200bl_x":1,"\u0000":2,"models\u0000":3}`,
		`{"model":"gpt-4o","metadata":{"mo\u200bdel":"claude-opus-4-7"}}`,
		`{"model":"gpt-4o","messages":[{"role":"user","model\u0000":"x"}]}`,
		`{"model":"gpt-4o","x\u0000model":"y"}`,
	} {
		r, err := parseBody(t, chat(body))
		require.NoError(t, err, body)
		assert.Equal(t, []modelView{bodyModel("gpt-4o")}, view(r.Models()), body)
	}
}
