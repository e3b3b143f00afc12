package gateway_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
	"github.com/modelgate/modelgate/examples/internal/gatewaytest"
)

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// reloadable starts a gateway from the config file at path, with mock
// upstreams, and returns it, its URL and its log.
func reloadable(t *testing.T, path string) (*gateway.Gateway, string, gateway.Mocks, *lockedBuffer) {
	t.Helper()
	cfg, err := gateway.LoadConfig(path)
	require.NoError(t, err)
	log := &lockedBuffer{}
	gw, mocks := gatewaytest.New(t, cfg, gateway.Options{Logger: slog.New(slog.NewTextHandler(log, nil))})
	ts := httptest.NewServer(gw)
	t.Cleanup(ts.Close)
	return gw, ts.URL, mocks, log
}

func writeFile(t *testing.T, path, doc string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
}

const (
	keysV1 = "keys: [{key: sk-a, models: [gpt-4o-mini]}]\n"
	keysV2 = "keys: [{key: sk-a, models: [claude-opus-4-7]}, {key: sk-b, models: [gpt-4o-mini]}]\n"
)

// A reload swaps policy and keys together; a file with errors is refused
// whole, each error logged on its own line, and the previous configuration
// stays in force; so does one that moves an upstream.
func TestReloadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	writeFile(t, path, baseConfig+keysV1)
	gw, url, mocks, log := reloadable(t, path)
	chat := url + "/v1/chat/completions"

	assert.Equal(t, http.StatusOK, post(t, chat, "sk-a", chatMini).StatusCode)
	assert.Equal(t, http.StatusForbidden, post(t, chat, "sk-a", chatOpus).StatusCode)
	assert.Equal(t, http.StatusUnauthorized, post(t, chat, "sk-b", chatMini).StatusCode)

	writeFile(t, path, baseConfig+keysV2)
	require.NoError(t, gw.ReloadFile(path))
	assert.Equal(t, http.StatusOK, post(t, chat, "sk-a", chatOpus).StatusCode, "the new key list is in force")
	assert.Equal(t, http.StatusForbidden, post(t, chat, "sk-a", chatMini).StatusCode)
	assert.Equal(t, http.StatusOK, post(t, chat, "sk-b", chatMini).StatusCode, "a new key authenticates")
	assert.Contains(t, log.String(), "config reloaded")

	for _, c := range []struct {
		name string
		doc  string
		errs []string // each must be logged on a line of its own
	}{
		{"two misspelt fields", baseConfig + "keys: [{key: sk-a, modles: ['*']}, {key: sk-c, team: t}]\n",
			[]string{`unknown field \"modles\"`, `unknown field \"team\"`}},
		{"two dangling references", baseConfig + "keys: [{key: sk-a, team_id: nobody}, {key: sk-c, user_id: nobody}]\n",
			[]string{`team_id \"nobody\" is not in teams`, `user_id \"nobody\" is not in users`}},
		{"invalid policy", "model_list: [{model_name: x, litellm_params: {}}]\n" + keysV1, []string{"model_list"}},
		{"not YAML", "keys: [", []string{"gateway config"}},
		{"an upstream moved", baseConfig + keysV1 + "upstreams: {openai: 'http://127.0.0.1:1'}\n", []string{"upstreams.openai changed"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			writeFile(t, path, c.doc)
			before := strings.Count(log.String(), "config reload refused")
			require.Error(t, gw.ReloadFile(path))
			lines := strings.Split(log.String(), "\n")
			refused := 0
			for _, l := range lines {
				if strings.Contains(l, "config reload refused") {
					refused++
				}
			}
			assert.GreaterOrEqual(t, refused-before, len(c.errs), "one line per error")
			for _, e := range c.errs {
				found := false
				for _, l := range lines {
					found = found || (strings.Contains(l, "config reload refused") && strings.Contains(l, e))
				}
				assert.True(t, found, "error %q not logged:\n%s", e, log.String())
			}
			mocks.Reset()
			assert.Equal(t, http.StatusOK, post(t, chat, "sk-a", chatOpus).StatusCode, "the previous configuration stays")
			assert.Equal(t, http.StatusOK, post(t, chat, "sk-b", chatMini).StatusCode)
			assert.Equal(t, 2, len(mocks["openai"].Requests())+len(mocks["anthropic"].Requests())+len(mocks["bedrock"].Requests()),
				"the old upstreams still serve")
		})
	}
}

// The gateway command reloads on SIGHUP through ReloadOnSignal.
func TestReloadOnSIGHUP(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	writeFile(t, path, baseConfig+keysV1)
	gw, url, _, _ := reloadable(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gw.ReloadOnSignal(ctx, path, syscall.SIGHUP)

	chat := url + "/v1/chat/completions"
	require.Equal(t, http.StatusForbidden, post(t, chat, "sk-a", chatOpus).StatusCode)
	writeFile(t, path, baseConfig+keysV2)
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	require.Eventually(t, func() bool {
		return post(t, chat, "sk-a", chatOpus).StatusCode == http.StatusOK
	}, 5*time.Second, 20*time.Millisecond, "SIGHUP did not reload")
}

// Two configurations that each deny a Bedrock ID, but whose mix (one's
// keys with the other's policy) would allow it: under A, key K holds g1 and
// g1 deploys X; under B, K holds g2 and g1 deploys Y. A request for Y is
// denied by A (Y is no group's) and by B (Y is g1, K holds g2); only K's A
// list with B's deployments allows it. Swapped back and forth under load,
// no request for Y may pass, and X and Z must pass under their own
// configuration.
func TestReloadRaceNeverMixes(t *testing.T) {
	const (
		a = `
model_list:
  - {model_name: g1, litellm_params: {model: bedrock/x.model-x-v1}}
keys: [{key: sk-k, models: [g1]}]
`
		b = `
model_list:
  - {model_name: g1, litellm_params: {model: bedrock/x.model-y-v1}}
  - {model_name: g2, litellm_params: {model: bedrock/x.model-z-v1}}
keys: [{key: sk-k, models: [g2]}]
`
	)
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	writeFile(t, path, a)
	gw, url, mocks, _ := reloadable(t, path)
	cfgA, err := gateway.ParseConfig([]byte(a))
	require.NoError(t, err)
	cfgB, err := gateway.ParseConfig([]byte(b))
	require.NoError(t, err)

	invoke := func(id string) int {
		return post(t, url+"/bedrock/model/"+id+"/invoke", "sk-k", `{}`).StatusCode
	}
	var (
		stop          atomic.Bool
		mixed, served atomic.Int64
		wg            sync.WaitGroup
	)
	var requests atomic.Int64
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				if invoke("x.model-y-v1") != http.StatusForbidden {
					mixed.Add(1)
				}
				if s := invoke("x.model-x-v1"); s == http.StatusOK {
					served.Add(1)
				}
				requests.Add(2)
			}
		})
	}
	// At least 300 swaps, and until 2,000 requests ran among them (at
	// most 5 s).
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; i < 300 || (requests.Load() < 2000 && time.Now().Before(deadline)); i++ {
		cfg := cfgA
		if i%2 == 0 {
			cfg = cfgB
		}
		// Reload fills in the running upstreams; give it a fresh copy.
		c := *cfg
		require.NoError(t, gw.Reload(&c))
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d requests during the swaps", requests.Load())
	assert.Zero(t, mixed.Load(), "a request was decided by one configuration's keys and another's policy")
	assert.Positive(t, served.Load(), "no request was served under configuration A")
	for _, r := range mocks["bedrock"].Requests() {
		assert.NotContains(t, r.Path, "model-y", "the upstream saw a model no configuration allows")
	}
}
