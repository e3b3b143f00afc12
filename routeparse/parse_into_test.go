package routeparse_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// TestParseRequestInto: writing the route in place gives exactly what
// ParseRequest returns, sealed, whatever the destination held before; on
// error the destination is the zero Route, never a leftover of an earlier
// request that an authorizer could mistake for this one's.
func TestParseRequestInto(t *testing.T) {
	var p routeparse.Parser
	for _, c := range []struct {
		name, method, path, query string
		wantErr                   bool
	}{
		{name: "bedrock path model over an earlier route", method: "POST", path: "/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke"},
		{name: "body route over an earlier route", method: "POST", path: "/v1/chat/completions"},
		{name: "gemini path model with a query", method: "POST", path: "/v1beta/models/gemini-2.0-flash:streamGenerateContent", query: "alt=sse"},
		{name: "unknown route must not keep the earlier route", method: "POST", path: "/nowhere/at/all", wantErr: true},
		{name: "malformed path must not keep the earlier route", method: "POST", path: "/model/a%zz/invoke", wantErr: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst, err := p.ParseRequest("POST", "/model/anthropic.claude-3-haiku-20240307-v1:0/converse", "", nil)
			require.NoError(t, err)
			require.True(t, dst.Sealed())

			want, wantErr := p.ParseRequest(c.method, c.path, c.query, nil)
			err = p.ParseRequestInto(&dst, c.method, c.path, c.query, nil)
			assert.Equal(t, wantErr, err)
			if c.wantErr {
				require.Error(t, err)
				assert.Equal(t, routeparse.Route{}, dst)
				assert.False(t, dst.Sealed())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, want, dst)
			assert.True(t, dst.Sealed())
			assert.Equal(t, len(want.Models()), len(dst.Models()))
		})
	}
}
