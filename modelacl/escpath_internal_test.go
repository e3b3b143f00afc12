package modelacl

import (
	"net/url"
	"testing"
)

// FuzzEscapedPath: escapedPath's shortcuts never disagree with net/url's
// EscapedPath, which is what a reverse proxy forwards, for any Path and
// RawPath (a RawPath that is stale, broken, or not a path at all).
func FuzzEscapedPath(f *testing.F) {
	for _, c := range [][2]string{
		{"/bedrock/model/a:b/invoke", ""},
		{"/bedrock/model/a:b/invoke", "/bedrock/model/a%3Ab/invoke"},
		{"/a b", ""}, {"*", ""}, {"/x!'()*", ""}, {"/$&+,;=@~", ""}, {"/é", ""},
		{"/a/b", "/a%2Fb"}, {"/a?b", ""}, {"/a%b", "/a%25b"}, {"", ""},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, path, raw string) {
		u := &url.URL{Path: path, RawPath: raw}
		if got, want := escapedPath(u), u.EscapedPath(); got != want {
			t.Fatalf("escapedPath(Path %q, RawPath %q) = %q, EscapedPath %q", path, raw, got, want)
		}
	})
}
