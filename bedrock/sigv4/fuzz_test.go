package sigv4_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock/sigv4"
)

// FuzzSignPath checks the path re-encoding on arbitrary escaped paths: either
// an ErrInvalidPath, or a wire path that (1) uses only unreserved bytes,
// '/' and upper-case %XX, (2) keeps the segment boundaries of the input, so
// an encoded '/' inside a model ID never becomes a separator, (3) decodes
// segment by segment to what the input decoded to, and (4) is a fixed point:
// signing the signed path again changes nothing.
func FuzzSignPath(f *testing.F) {
	for _, s := range []string{
		"/model/anthropic.claude-v2:0/invoke",
		"/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc/converse",
		"/model/%2e%2e/invoke", "//", "/a/./b", "/%zz", "/a%2F%2Fb", "/%25", "/", "/a b/c+d",
	} {
		f.Add(s)
	}
	s, err := sigv4.New(sigv4.Options{
		Region: "us-east-1", Credentials: staticCreds(""), Endpoint: "https://upstream.example",
		Clock: func() time.Time { return fixedTime },
	})
	require.NoError(f, err)
	sign := func(raw, path string) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, "https://gateway.example/", strings.NewReader("{}"))
		if err != nil {
			return nil, err
		}
		req.URL.Path, req.URL.RawPath = path, raw
		return req, s.Sign(req)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		path, err := url.PathUnescape(escaped)
		if err != nil {
			return // net/http never hands such a RawPath to a Transport
		}
		req, err := sign(escaped, path)
		if err != nil {
			require.True(t, errors.Is(err, sigv4.ErrInvalidPath), "%v", err)
			return
		}
		wire := req.URL.RawPath
		require.Equal(t, wire, req.URL.EscapedPath(), "net/http sends the signed bytes")
		for i := 0; i < len(wire); i++ {
			c := wire[i]
			switch {
			case c == '%':
				require.Less(t, i+2, len(wire))
				require.True(t, strings.ContainsRune("0123456789ABCDEF", rune(wire[i+1])) &&
					strings.ContainsRune("0123456789ABCDEF", rune(wire[i+2])), "%q", wire)
				i += 2
			case c == '/' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~':
			default:
				t.Fatalf("unescaped byte %q in %q", c, wire)
			}
		}
		// The input's effective escaped path is what url.URL would send.
		orig := (&url.URL{Path: path, RawPath: escaped}).EscapedPath()
		if orig == "" {
			orig = "/"
		}
		inSegs, outSegs := strings.Split(orig, "/"), strings.Split(wire, "/")
		require.Equal(t, len(inSegs), len(outSegs), "segment boundaries kept: %q -> %q", orig, wire)
		for i := range inSegs {
			a, err1 := url.PathUnescape(inSegs[i])
			b, err2 := url.PathUnescape(outSegs[i])
			require.NoError(t, err1)
			require.NoError(t, err2)
			require.Equal(t, a, b)
		}
		again, err := sign(wire, req.URL.Path)
		require.NoError(t, err)
		require.Equal(t, wire, again.URL.RawPath)
	})
}
