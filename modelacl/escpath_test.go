package modelacl_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// TestClassifiedPathIsTheEscapedPath: the middleware classifies exactly
// the path net/url's EscapedPath gives, which is what a reverse proxy
// forwards, also when an earlier handler edited Path without RawPath (the
// stale RawPath must not be what is checked) or set a RawPath that does not
// decode.
func TestClassifiedPathIsTheEscapedPath(t *testing.T) {
	mw, err := modelacl.New(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate})
	require.NoError(t, err)
	const base = "/bedrock/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke"
	for _, c := range []struct {
		name, target string
		edit         func(r *http.Request)
		wantModel    string
	}{
		{name: "escaped colon as the AWS SDKs send it", target: base, wantModel: "anthropic.claude-3-haiku-20240307-v1:0"},
		{name: "lower-case escape", target: "/bedrock/model/anthropic.claude-3-haiku-20240307-v1%3a0/invoke", wantModel: "anthropic.claude-3-haiku-20240307-v1:0"},
		{name: "escaped slash in an ARN stays inside the segment",
			target:    "/bedrock/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc123/converse",
			wantModel: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"},
		{name: "path edited after parsing: the stale raw path is not what is checked", target: base,
			edit:      func(r *http.Request) { r.URL.Path = "/bedrock/model/anthropic.claude-opus-4-7-v1:0/invoke" },
			wantModel: "anthropic.claude-opus-4-7-v1:0"},
		{name: "raw path one byte off the path", target: base,
			edit: func(r *http.Request) {
				r.URL.RawPath = "/bedrock/model/anthropic.claude-3-haiku-20240307-v1%3A1/invoke"
			},
			wantModel: "anthropic.claude-3-haiku-20240307-v1:0"},
		{name: "raw path with a broken escape", target: base,
			edit:      func(r *http.Request) { r.URL.RawPath = "/bedrock/model/anthropic.claude-3-haiku-20240307-v1%3/invoke" },
			wantModel: "anthropic.claude-3-haiku-20240307-v1:0"},
		{name: "raw path longer than the path", target: base,
			edit:      func(r *http.Request) { r.URL.RawPath += "%2F" },
			wantModel: "anthropic.claude-3-haiku-20240307-v1:0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, c.target, nil)
			r.Header.Set("Authorization", "Bearer "+restrictedKey)
			if c.edit != nil {
				c.edit(r)
			}
			want := r.URL.EscapedPath()
			_, d, _ := mw.Check(r)
			require.NotNil(t, d)
			require.Equal(t, want, d.Route.Prefix+d.Route.UpstreamPath)
			models := d.Route.Models()
			require.Len(t, models, 1)
			require.Equal(t, c.wantModel, models[0].Name())
		})
	}
}
