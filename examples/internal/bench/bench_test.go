package bench_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/bench"
)

// inProcess starts a role on an httptest server; CPU is this process's,
// which is all a smoke test needs.
func inProcess(t *testing.T) func(role, upstream string) (string, func() (time.Duration, error), func(), error) {
	return func(role, upstream string) (string, func() (time.Duration, error), func(), error) {
		h, err := bench.Handler(role, upstream)
		if err != nil {
			return "", nil, nil, err
		}
		srv := httptest.NewServer(h)
		cpu := func() (time.Duration, error) {
			var ru syscall.Rusage
			if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
				return 0, err
			}
			return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
		}
		return srv.URL, cpu, srv.Close, nil
	}
}

// TestRunServesEveryShapeThroughEveryRole runs the whole bench briefly:
// every role must answer every shape with 200 (the middleware and the
// gateway allow the bench key), and the chart must be well-formed SVG with
// one bar per result.
func TestRunServesEveryShapeThroughEveryRole(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results, err := bench.Run(ctx, bench.Options{
		Rounds: 1, Round: 150 * time.Millisecond, Warmup: 50 * time.Millisecond, Conns: 2, Start: inProcess(t),
	})
	require.NoError(t, err)
	require.Len(t, results, len(bench.Comparisons())*len(bench.Shapes()))
	for _, r := range results {
		assert.Positive(t, r.A.Requests, "%s %s: %s served nothing", r.Comparison.Name, r.Shape, r.A.Role)
		assert.Positive(t, r.B.Requests, "%s %s: %s served nothing", r.Comparison.Name, r.Shape, r.B.Role)
		assert.Zero(t, r.A.Failed+r.B.Failed)
		assert.Positive(t, r.Ratio())
		// The load generator's CPU is read for each side's rounds.
		assert.Positive(t, r.A.Rest, "%s %s: no load generator CPU for %s", r.Comparison.Name, r.Shape, r.A.Role)
		assert.Positive(t, r.B.Rest, "%s %s: no load generator CPU for %s", r.Comparison.Name, r.Shape, r.B.Role)
	}

	var table strings.Builder
	bench.WriteTable(&table, results)
	assert.Equal(t, 2+len(results), strings.Count(table.String(), "\n"))

	var svg strings.Builder
	require.NoError(t, bench.WriteSVG(&svg, results, "smoke <test>"))
	var doc struct {
		Rects []struct {
			Fill string `xml:"fill,attr"`
		} `xml:"rect"`
	}
	require.NoError(t, xml.Unmarshal([]byte(svg.String()), &doc))
	assert.Len(t, doc.Rects, 1+len(results)) // the background, then one bar per result
}

// TestGatewayRoleRefusesOtherKeys checks that the bench measures the
// middleware deciding, not a host that lets everything through.
func TestGatewayRoleRefusesOtherKeys(t *testing.T) {
	up := httptest.NewServer(mustHandler(t, bench.RoleUpstream, ""))
	defer up.Close()
	for _, role := range []string{bench.RoleHostACL, bench.RoleGateway} {
		srv := httptest.NewServer(mustHandler(t, role, up.URL))
		req := httptest.NewRequest("POST", srv.URL+"/v1/chat/completions", strings.NewReader(`{"model":"gpt-bench"}`))
		req.RequestURI = ""
		req.Header.Set("Authorization", "Bearer sk-other")
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, 401, resp.StatusCode, role)
		srv.Close()
	}
}

func mustHandler(t *testing.T, role, upstream string) http.Handler {
	t.Helper()
	h, err := bench.Handler(role, upstream)
	require.NoError(t, err)
	return h
}

// TestHostGOGC checks the tuned hosts' GC setting: the default when the
// environment is silent, its value when it says one, an error otherwise.
func TestHostGOGC(t *testing.T) {
	n, err := bench.HostGOGC("")
	require.NoError(t, err)
	assert.Equal(t, bench.DefaultHostGOGC, n)
	n, err = bench.HostGOGC("100")
	require.NoError(t, err)
	assert.Equal(t, 100, n)
	for _, bad := range []string{"0", "-1", "off", "1e3"} {
		_, err := bench.HostGOGC(bad)
		assert.Error(t, err, bad)
	}
}

// TestServeRoleSetsHostGOGC checks that a tuned host process runs at the
// GC percent the environment gives and every other role at the one it
// inherited.
func TestServeRoleSetsHostGOGC(t *testing.T) {
	const inherited = 170
	prev := debug.SetGCPercent(inherited)
	defer debug.SetGCPercent(prev)
	t.Setenv(bench.HostGOGCEnv, "300")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // serve nothing: only the set-up runs
	for role, want := range map[string]int{bench.RoleUpstream: inherited, bench.RoleBare: inherited, bench.RoleGateway: inherited,
		bench.RoleHost: 300, bench.RoleHostACL: 300, bench.RoleHostBuf: 300} {
		debug.SetGCPercent(inherited)
		require.NoError(t, bench.ServeRole(ctx, role, "http://127.0.0.1:1", io.Discard), role)
		assert.Equal(t, want, debug.SetGCPercent(inherited), role)
	}
	t.Setenv(bench.HostGOGCEnv, "none")
	assert.Error(t, bench.ServeRole(ctx, bench.RoleHost, "http://127.0.0.1:1", io.Discard))
}
