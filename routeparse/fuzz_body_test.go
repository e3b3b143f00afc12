package routeparse_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// interpretedKeys are the top-level members ParseBody reads on a chat route.
var interpretedKeys = []string{"model", "fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "stream", "deployment_id", "user_config"}

// topLevelKeys lists the decoded top-level keys of a valid JSON object, in
// order and with duplicates, using encoding/json's own tokenizer.
func topLevelKeys(t *testing.T, data []byte) ([]string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys, true
}

// plainName reports whether s is a name ParseBody must accept as one model:
// valid UTF-8 without commas, control characters, white space, '?', '#',
// '%' or '\\', and no empty, "." or ".." part between '/'s.
func plainName(s string) bool {
	if s == "" || !utf8.ValidString(s) || strings.ContainsAny(s, ",?#%\\") {
		return false
	}
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) {
			return false
		}
	}
	for _, part := range strings.Split(s, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

// disguisedAs reports whether the decoded key k reads as name once the
// characters some JSON stacks drop (controls, format and other
// default-ignorable characters, U+FFFD) are removed, or once it is cut at
// its first NUL.
func disguisedAs(k, name string) bool {
	strip := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || (0x80 <= r && r <= 0x9f) || r == utf8.RuneError ||
				unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) {
				return -1
			}
			return r
		}, s)
	}
	if strings.EqualFold(strip(k), name) {
		return true
	}
	cut, _, found := strings.Cut(k, "\x00")
	return found && strings.EqualFold(strip(cut), name)
}

func FuzzJSONModel(f *testing.F) {
	for _, seed := range []string{
		`{"model":"gpt-4o"}`,
		`{"messages":[{"role":"user","content":"hi \"x\" \\ \u00e9 \ud83d\ude00"}],"model":"gpt-4o","stream":true}`,
		`{"model":"a","model":"b"}`,
		`{"model":"a","\u006dodel":"b"}`,
		`{"Model":"a"}`,
		`{"model":"a,b"}`,
		`{"model":["a","b"]}`,
		`{"model":"a","fallbacks":["b",{"model":"c"},{"d":["e"]}]}`,
		`{"model":"a\ud800"}`,
		`{"model":4}`,
		`{"model":"a"} x`,
		"\xef\xbb\xbf{\"model\":\"a\"}",
		`{"model":"a","x":[1,2.5e-3,-0,true,false,null,{"y":{}}]}`,
		`{"x":"\u00zz","model":"a"}`,
		`{"x":01,"model":"a"}`,
		`{"model":"a","x":[[[[[[]]]]]]}`,
		" {\"model\" : \"a\\/b\" } ",
		`{"\u017ftream":true,"model":"a"}`,
		`{"model":"a/../b"}`,
		`{"model":" a"}`,
		`{"model":"a?"}`,
		`{"model":"a","mo\u200bdel":"b"}`,
		`{"model":"a","model\u0000x":"b"}`,
		`{"model":"a","fallbacks":[{"model":"a","fallbacks":["b"]}]}`,
	} {
		f.Add([]byte(seed))
	}
	var p routeparse.Parser
	base, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
	require.NoError(f, err)

	f.Fuzz(func(t *testing.T, data []byte) {
		r := base
		err := p.ParseBody(&r, "application/json", "", data, 0)
		valid := json.Valid(data)
		if err != nil {
			// An invalid body may also be reported for an earlier semantic
			// defect (a duplicate model before the syntax error): the first
			// defect in document order wins.
			require.Empty(t, r.Models(), "models returned with an error")
		} else {
			require.True(t, valid, "accepted a body encoding/json rejects")
			require.NotEmpty(t, r.Models())
		}
		if !valid {
			return
		}
		keys, isObject := topLevelKeys(t, data)
		if !isObject {
			require.Error(t, err, "accepted a body that is not an object")
			return
		}
		exact, variants, others := 0, 0, 0
		for _, k := range keys {
			switch {
			case k == "model":
				exact++
			case strings.EqualFold(k, "model"), disguisedAs(k, "model"):
				variants++
			default:
				for _, ik := range interpretedKeys {
					if strings.EqualFold(k, ik) || disguisedAs(k, ik) {
						others++
					}
				}
			}
		}
		if exact > 1 || variants > 0 {
			// Refused as ambiguous, or for a defect found before the second key.
			require.Error(t, err, "keys %q", keys)
			require.True(t, errors.Is(err, routeparse.ErrAmbiguousModel) || errors.Is(err, routeparse.ErrMalformedBody), "%v", err)
			return
		}
		if exact == 0 {
			if others == 0 {
				require.ErrorIs(t, err, routeparse.ErrNoModel)
			}
			return
		}
		var v struct{ Model string }
		if json.Unmarshal(data, &v) != nil {
			return // not a string: a list (accepted) or another type (refused, see the unit tests)
		}
		if err == nil {
			// Whatever else the body holds, the primary model is the one
			// encoding/json binds (or, for "a,b", its parts).
			var primary []string
			for _, m := range r.Models() {
				if !m.Fallback && m.Field == "model" {
					primary = append(primary, m.Name())
				}
			}
			want := []string{v.Model}
			if strings.Contains(v.Model, ",") {
				want = want[:0]
				for part := range strings.SplitSeq(v.Model, ",") {
					want = append(want, strings.TrimSpace(part))
				}
			}
			require.Equal(t, want, primary)
		}
		if others == 0 && plainName(v.Model) {
			require.NoError(t, err, "a plain model %q was refused", v.Model)
		}
	})
}
