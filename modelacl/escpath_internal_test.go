package modelacl

import (
	"errors"
	"net/url"
	"testing"

	"github.com/modelgate/modelgate/routeparse"
)

var escapedPathSeeds = [][2]string{
	{"/bedrock/model/a:b/invoke", ""},
	{"/bedrock/model/a:b/invoke", "/bedrock/model/a%3Ab/invoke"},
	{"/a b", ""}, {"*", ""}, {"/x!'()*", ""}, {"/$&+,;=@~", ""}, {"/é", ""},
	{"/a/b", "/a%2Fb"}, {"/a?b", ""}, {"/a%b", "/a%25b"}, {"", ""},
	{"/bedrock/model/a%3Ab/invoke", ""}, {"/v1/chat/completions#x", ""},
}

// FuzzEscapedPath: where escapedPath returns something other than net/url's
// EscapedPath (which is what a reverse proxy forwards), the parser refuses
// that path as malformed, whatever Path and RawPath hold (a RawPath that
// is stale, broken, or not a path at all). So a path the parser accepts is
// the path forwarded.
func FuzzEscapedPath(f *testing.F) {
	for _, c := range escapedPathSeeds {
		f.Add(c[0], c[1])
	}
	var p routeparse.Parser
	f.Fuzz(func(t *testing.T, path, raw string) {
		u := &url.URL{Path: path, RawPath: raw}
		got, want := escapedPath(u), u.EscapedPath()
		if got == want {
			return
		}
		if _, err := p.ParseRequest("POST", got, "", nil); !errors.Is(err, routeparse.ErrMalformedPath) {
			t.Fatalf("escapedPath(Path %q, RawPath %q) = %q, not EscapedPath's %q, and the parser does not refuse it: %v", path, raw, got, want, err)
		}
	})
}
