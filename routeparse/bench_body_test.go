package routeparse_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/modelgate/modelgate/routeparse"
)

// benchBodies are the inputs of BenchmarkBodyModel. Every body is a valid
// JSON object whose top-level "model" is "gpt-4o".
func benchBodies() []struct {
	name string
	body []byte
} {
	// A chat request as openai-go serializes it (messages before model).
	chat1K := []byte(`{"messages":[{"role":"system","content":"You are a helpful assistant. Answer briefly and cite sources when you can."},` +
		`{"role":"user","content":"Summarise the following paragraph in two sentences:\n\n\"The quick brown fox jumps over the lazy dog\" is an English-language pangram, a sentence that contains all the letters of the alphabet. The phrase is commonly used for touch-typing practice, testing typewriters and computer keyboards, displaying examples of fonts, and other applications involving text where the use of all letters in the alphabet is desired."},` +
		`{"role":"assistant","content":"It is a pangram used to show fonts and test keyboards."},{"role":"user","content":"Thanks! Now in French, please."}],` +
		`"model":"gpt-4o","max_completion_tokens":512,"temperature":0.2,"top_p":1,"stream":true,"stream_options":{"include_usage":true},"user":"user-1234","metadata":{"trace":"abc"}}`)

	// 1 MiB, model last: a long multimodal conversation as a chat client
	// sends it. Prose paragraphs (about 600 bytes, a quoted phrase each,
	// separated by "\n\n"), one image as a base64 data URL, tools, then
	// the model.
	prose := `In the first year of the survey the team mapped every stream that feeds the lake, measuring flow at dawn and at dusk, and noted where the banks had been cut back by cattle or by the spring floods. The readings were written into ledgers that still survive, and the \"dawn series\" remains the longest continuous record of its kind in the region. Later surveys added temperature, turbidity and the counts of mayfly larvae, which rise and fall with the health of the water more faithfully than any chemical test the team could afford at the time. What follows summarises those ledgers, season by season.\n\n`
	image := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR pixels and more pixels"), 1<<13))
	var big bytes.Buffer
	big.WriteString(`{"messages":[{"role":"system","content":"You are a careful research assistant."},`)
	fmt.Fprintf(&big, `{"role":"user","content":[{"type":"text","text":"What does this chart show?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,%s","detail":"high"}}]}`, image)
	for i := 0; big.Len() < 1<<20-4096; i++ {
		role := "user"
		if i%2 == 0 {
			role = "assistant"
		}
		fmt.Fprintf(&big, `,{"role":%q,"content":"%s"}`, role, strings.Repeat(prose, 3))
	}
	big.WriteString(`],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1,"maximum":14}},"required":["city"]}}}],`)
	big.WriteString(`"temperature":0.7,"n":1,"model":"gpt-4o"}`)

	// 1 MiB, model last, escape-dense text: a newline, two quotes and two
	// \u escapes in every 330 bytes.
	var dense bytes.Buffer
	dense.WriteString(`{"messages":[`)
	para := `Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.\n\n\"Duis aute irure dolor\" in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur \u00e9\u00e8. `
	for i := 0; dense.Len() < 1<<20-2048; i++ {
		if i > 0 {
			dense.WriteByte(',')
		}
		fmt.Fprintf(&dense, `{"role":"user","content":"%s"}`, strings.Repeat(para, 8))
	}
	dense.WriteString(`],"model":"gpt-4o"}`)

	// Adversarial: a 1 MiB string made only of escapes.
	backslashes := []byte(`{"messages":[{"role":"user","content":"` + strings.Repeat(`\\`, 1<<19) + `"}],"model":"gpt-4o"}`)

	// Adversarial: containers nested 5000 deep, repeated up to 1 MiB.
	var deep bytes.Buffer
	deep.WriteString(`{"x":[`)
	for i := 0; deep.Len() < 1<<20-10100; i++ {
		if i > 0 {
			deep.WriteByte(',')
		}
		deep.WriteString(strings.Repeat(`[{"a":`, 2500))
		deep.WriteString(`1`)
		deep.WriteString(strings.Repeat(`}]`, 2500))
	}
	deep.WriteString(`],"model":"gpt-4o"}`)

	// Adversarial: 1 MiB of top-level keys.
	var keys bytes.Buffer
	keys.WriteString(`{`)
	for i := 0; keys.Len() < 1<<20-64; i++ {
		fmt.Fprintf(&keys, `"k%d":%d,`, i, i)
	}
	keys.WriteString(`"model":"gpt-4o"}`)

	return []struct {
		name string
		body []byte
	}{
		{"1KiB-chat", chat1K},
		{"1MiB-model-last", big.Bytes()},
		{"1MiB-escape-dense", dense.Bytes()},
		{"1MiB-backslashes", backslashes},
		{"1MiB-deep-nesting", deep.Bytes()},
		{"1MiB-many-keys", keys.Bytes()},
	}
}

// BenchmarkBodyModel compares, on the same inputs and in one run:
//
//   - strict: ParseBody, which validates the whole body as encoding/json
//     would and checks every top-level member;
//   - encoding-json: json.Unmarshal into struct{ Model string };
//   - gjson: gjson.GetBytes(body, "model"), the lax fast baseline that stops
//     at the first match and validates nothing;
//   - indexbyte-floor: one bytes.IndexByte pass over the body, the cost of
//     touching every byte once.
func BenchmarkBodyModel(b *testing.B) {
	var p routeparse.Parser
	base, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range benchBodies() {
		body := in.body
		// Every contender must find the same model, or the comparison is moot.
		var v struct{ Model string }
		if err := json.Unmarshal(body, &v); err != nil || v.Model != "gpt-4o" {
			b.Fatalf("%s: encoding/json: %v %q", in.name, err, v.Model)
		}
		if g := gjson.GetBytes(body, "model").String(); g != "gpt-4o" {
			b.Fatalf("%s: gjson found %q", in.name, g)
		}
		r := base
		if err := p.ParseBody(&r, "application/json", "", body, int64(len(body))); err != nil || r.Models()[0].Name() != "gpt-4o" {
			b.Fatalf("%s: ParseBody: %v", in.name, err)
		}

		b.Run(in.name+"/strict", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				r := base
				if err := p.ParseBody(&r, "application/json", "", body, int64(len(body))); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(in.name+"/encoding-json", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var v struct{ Model string }
				if err := json.Unmarshal(body, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(in.name+"/gjson", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if !gjson.GetBytes(body, "model").Exists() {
					b.Fatal("no model")
				}
			}
		})
		b.Run(in.name+"/indexbyte-floor", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if bytes.IndexByte(body, 0) >= 0 {
					b.Fatal("NUL in body")
				}
			}
		})
	}
}

// BenchmarkBodyMultipart measures finding the model field of a transcription
// upload whose 1 MiB audio part comes first and is skipped.
func BenchmarkBodyMultipart(b *testing.B) {
	var p routeparse.Parser
	base, err := p.ParseRequest("POST", "/v1/audio/transcriptions", "", nil)
	if err != nil {
		b.Fatal(err)
	}
	var body bytes.Buffer
	body.WriteString("--B0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n")
	body.Write(bytes.Repeat([]byte{0xff, 0xfb, 0x90, 0x44, '\r', '\n', '-', '-'}, 1<<17))
	body.WriteString("\r\n--B0undary\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--B0undary--\r\n")
	data := body.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := base
		if err := p.ParseBody(&r, "multipart/form-data; boundary=B0undary", "", data, 0); err != nil {
			b.Fatal(err)
		}
	}
}
