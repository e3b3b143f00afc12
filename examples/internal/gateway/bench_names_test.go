package gateway_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
	"github.com/modelgate/modelgate/examples/internal/gatewaytest"
)

// manyNamesBody is a chat request whose fallbacks name n distinct models.
func manyNamesBody(n int) string {
	var b strings.Builder
	b.WriteString(`{"model":"gpt-4o-mini","messages":[],"fallbacks":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"m-%d"`, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// BenchmarkManyNames forwards requests naming n distinct models, every one
// allowed, up to the middleware's bound of 256 names (a request naming more
// is refused before any lookup). The gateway's check that its decision
// covers every name must stay linear: the 256-name case costs about 16 times
// the 16-name one in lookups, not 256 times.
func BenchmarkManyNames(b *testing.B) {
	gw, _ := gatewaytest.New(b, gatewaytest.Parse(b, "keys: [{key: sk-a, models: ['*']}]\n"), gateway.Options{})
	for _, n := range []int{1, 15, 255} { // plus the primary model: 2, 16, 256 names
		body := []byte(manyNamesBody(n))
		b.Run(fmt.Sprintf("names=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				serveChat(b, gw, "sk-a", body)
			}
		})
	}
}

// A request naming many models, each allowed, is forwarded whole: the
// gateway's coverage check (a set past a handful of names) finds every
// name among the decision's grants.
func TestManyNamesForwarded(t *testing.T) {
	url, mocks := start(t, "keys: [{key: sk-a, models: ['*']}, {key: sk-r, models: [gpt-4o-mini, m-1, m-2]}]\n")
	for _, n := range []int{3, 200} {
		resp := post(t, url+"/v1/chat/completions", "sk-a", manyNamesBody(n))
		require.Equal(t, http.StatusOK, resp.StatusCode, "n=%d", n)
	}
	require.Equal(t, 2, mocks.Total())
	mocks.Reset()
	resp := post(t, url+"/v1/chat/completions", "sk-r", manyNamesBody(200))
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "m-3 is not in the key's list")
	require.Zero(t, mocks.Total())
}
