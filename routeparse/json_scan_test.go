package routeparse_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// agreesWithEncodingJSON checks that ParseBody accepts body exactly when
// encoding/json does (bodies here always carry a valid "model").
func agreesWithEncodingJSON(t *testing.T, body string) {
	t.Helper()
	_, err := parseBody(t, chat(body))
	if json.Valid([]byte(body)) {
		assert.NoError(t, err, "%q", body)
	} else {
		assert.ErrorIs(t, err, routeparse.ErrMalformedBody, "%q", body)
	}
}

// The string scanner skips whole words at a time; a defect must be found
// wherever it falls relative to word and block boundaries.
func TestScanStringEveryOffset(t *testing.T) {
	const n = 100
	inserts := []string{
		"\x00", "\x01", "\x08", "\t", "\n", "\r", "\x1f", // raw control characters: invalid
		`\q`, `\x`, `\'`, `\U0041`, `\u12`, `\u12g4`, `\`, // bad escapes: invalid
		`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u0041`, `\uD83D\uDE00`, `\ud800`, // valid escapes (a lone surrogate is valid JSON)
		"\x7f", "\x80", "\xff", "é", "\u2028", " ", // other bytes: valid
		`"`, // an early quote: invalid (the rest becomes garbage)
	}
	for _, ins := range inserts {
		for off := 0; off <= n; off++ {
			text := strings.Repeat("a", off) + ins + strings.Repeat("b", n-off)
			agreesWithEncodingJSON(t, `{"messages":[{"content":"`+text+`"}],"model":"m"}`)
			// And as a key, and at the very end of the body (no room for a
			// whole word after it).
			agreesWithEncodingJSON(t, `{"`+text+`":1,"model":"m"}`)
			agreesWithEncodingJSON(t, `{"model":"m","x":"`+text+`"}`)
		}
	}
}

// Long strings are checked for control characters 64 bytes at a time (on
// amd64 by vectors; elsewhere with a cheaper test for ASCII text and an
// exact one for stretches of non-ASCII text): a control character must be
// found at every offset of a long string, whatever text precedes it.
func TestScanStringLongSpansEveryOffset(t *testing.T) {
	texts := map[string]string{
		"ascii":           strings.Repeat("abcdefghij", 120),
		"utf8":            strings.Repeat("é日本ü", 120),
		"ascii-then-utf8": strings.Repeat("abcdefghij", 60) + strings.Repeat("éü日", 60),
		"utf8-then-ascii": strings.Repeat("éü日", 60) + strings.Repeat("abcdefghij", 60),
		"high-bytes":      strings.Repeat("\xa0\xff\x9f\x80 ", 200),
		"sparse-utf8":     strings.Repeat("abcdefghijéklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVW", 20),
	}
	for name, text := range texts {
		t.Run(name, func(t *testing.T) {
			agreesWithEncodingJSON(t, `{"model":"m","x":"`+text+`"}`)
			for _, ins := range []string{"\x00", "\x1f", "\n", "\x7f", "\\n", "\""} {
				for off := 0; off <= len(text); off += 13 {
					agreesWithEncodingJSON(t, `{"model":"m","x":"`+text[:off]+ins+text[off:]+`"}`)
				}
			}
		})
	}
}

func TestScanStringEscapeRuns(t *testing.T) {
	for _, run := range []string{`\\`, `\\\\`, `\\\"`, `\"\"`, `\n\n\"`, `\u00e9\u00e8`, `\\\`} {
		for k := 1; k <= 70; k += 3 {
			agreesWithEncodingJSON(t, `{"x":"`+strings.Repeat(run, k)+`","model":"m"}`)
			agreesWithEncodingJSON(t, `{"x":"ab`+strings.Repeat(run, k)+`cd","model":"m"}`)
		}
	}
}

// Every byte after a backslash, alone, in a run and at the end of the
// body: exactly encoding/json's one-character escapes are accepted.
func TestScanStringEveryEscapeByte(t *testing.T) {
	for c := range 256 {
		esc := `\` + string([]byte{byte(c)})
		agreesWithEncodingJSON(t, `{"x":"`+esc+`","model":"m"}`)
		agreesWithEncodingJSON(t, `{"x":"a\\`+esc+`\n","model":"m"}`)
		agreesWithEncodingJSON(t, `{"model":"m","x":"`+esc+`"}`)
	}
}

// Stop bytes are searched far ahead (the next backslash, or a bitmap of
// 4 KiB on amd64), possibly several strings ahead of the one being scanned; the strings in between must still end at
// their own quotes and be checked, and an escaped quote further on must not
// be taken for the end of a string.
func TestScanBackslashSearchedAhead(t *testing.T) {
	long := strings.Repeat("abcdefghij", 10) // past the near words: searched far ahead
	cases := []struct {
		name  string
		body  string
		model string // "" when encoding/json rejects the body
	}{
		{"escaped-quote-hides-model-key", `{"a":"` + long + `","b":"x\",\"model\":\"evil","model":"m"}`, "m"},
		{"model-between-long-string-and-escape", `{"a":"` + long + `","model":"m","b":"` + long + `\n"}`, "m"},
		{"control-char-in-string-before-cached-backslash", `{"model":"m","a":"` + long + `","b":"` + long + "\x01" + long + `","c":"\n"}`, ""},
		{"bad-escape-after-many-plain-strings", `{"model":"m","a":"` + long + `","b":"` + long + `","c":"` + long + `\q"}`, ""},
		{"unterminated-after-escape", `{"model":"m","a":"` + long + `\n` + long, ""},
		{"escape-run-ends-at-quote", `{"a":"` + long + `\\","model":"m","b":"` + long + `\"` + long + `"}`, "m"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			agreesWithEncodingJSON(t, tc.body)
			r, err := parseBody(t, chat(tc.body))
			if tc.model == "" {
				require.ErrorIs(t, err, routeparse.ErrMalformedBody)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.model, r.Models()[0].Name())
		})
	}
}

func TestScanValues(t *testing.T) {
	values := []string{
		// numbers
		"0", "-0", "1", "-1", "10", "0.5", "-0.5", "1e5", "1E5", "1e+5", "1e-5", "1.5e10", "123456789012345678901234567890",
		"01", "-01", "00", "1.", ".5", "-", "+1", "1e", "1e+", "1.e5", "0x10", "1_000", "NaN", "Infinity", "-Infinity", "1.5.5", "--1", "1-",
		// literals
		"true", "false", "null", "True", "nul", "nulll", "tru", "falsey", "undefined",
		// strings
		`""`, `"x"`, `'x'`, `"x`, `"\u0000"`,
		// containers
		"[]", "{}", "[1,2]", "[1,]", "[,1]", "[1 2]", `{"a":1}`, `{"a":1,}`, `{"a"}`, `{"a":}`, `{a:1}`, `{"a" 1}`, `{1:1}`,
		"[[[]]]", "[[]", "[]]", "[{]}", `[{"a":[{"b":{}}]}]`, ` [ 1 , { "a" : [ ] } ] `, "[\t\n\r 1]", "[\v1]", "[\f1]", "[\u00a01]",
	}
	for _, v := range values {
		t.Run(v, func(t *testing.T) {
			agreesWithEncodingJSON(t, `{"x":`+v+`,"model":"m"}`)
			agreesWithEncodingJSON(t, `{"model":"m","x":`+v+`}`)
			agreesWithEncodingJSON(t, `{"model":"m","x":[`+v+`]}`)
		})
	}
}

func TestScanTopLevel(t *testing.T) {
	for _, body := range []string{
		`{"model":"m"}`, "\t\n\r {\"model\":\"m\"}\t\n\r ", `{"model":"m"}}`, `{"model":"m"`, `{"model":"m",}`,
		`{"model":"m"} {}`, `{"model":"m"}null`, "{\"model\":\"m\"}\x00", "\x00{\"model\":\"m\"}", `{"model":"m" "x":1}`,
		`{"model""m"}`, `{"model":"m",,"x":1}`, `{,"model":"m"}`, `{"model":"m","x":1 }`, `{ "model" : "m" , "x" : 1 }`,
	} {
		t.Run(fmt.Sprintf("%q", body), func(t *testing.T) {
			agreesWithEncodingJSON(t, body)
		})
	}
}

func TestScanDepthBoundary(t *testing.T) {
	// encoding/json allows 10000 levels, the outer object included.
	for _, open := range []string{"[", `{"a":`} {
		close := "]"
		if open != "[" {
			close = "}"
		}
		for _, levels := range []int{127, 128, 129, 9998, 9999, 10000} {
			body := `{"model":"m","x":` + strings.Repeat(open, levels) + "1" + strings.Repeat(close, levels) + "}"
			valid := json.Valid([]byte(body))
			_, err := parseBody(t, chat(body))
			require.Equal(t, valid, err == nil, "%s levels=%d: %v", open, levels, err)
		}
	}
}

// FuzzScanLongString: strings long enough for the block tests, built from
// the fuzzer's bytes around a long filler, are accepted exactly when
// encoding/json accepts them.
func FuzzScanLongString(f *testing.F) {
	for _, s := range []string{"a", "\x01", "\u00e9", "\\n", "\\\"", "\xff", "\x7f\x1f", "\\u12"} {
		f.Add(s, uint16(70), "b")
	}
	f.Fuzz(func(t *testing.T, head string, n uint16, tail string) {
		filler := strings.Repeat("abcdefgh\u00e9", int(n%200))
		text := head + filler + tail + filler[:len(filler)/2] + head
		body := `{"model":"m","x":"` + text + `"}`
		_, err := parseBody(t, chat(body))
		if json.Valid([]byte(body)) {
			require.NoError(t, err, "%q", body)
		} else {
			require.ErrorIs(t, err, routeparse.ErrMalformedBody, "%q", body)
		}
	})
}
