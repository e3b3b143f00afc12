package claudecode_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
	"github.com/modelgate/modelgate/examples/internal/gatewaytest"
)

// claudeCodeVersion is the Claude Code release the test runs. Its retry
// rules (modelacl/deny.go) were read in this version; a new one is pinned
// here after the test passes with it.
const claudeCodeVersion = "2.1.332"

const (
	restrictedKey = "sk-restricted" // the default config's key limited to common-models
	deniedOpus    = "claude-opus-4-7"
	allowedHaiku  = "claude-haiku-4-5"
	// runTimeout bounds one CLI run; a denial must end well within
	// denialBound.
	runTimeout  = 90 * time.Second
	denialBound = 60 * time.Second
	// maxDeniedRequests is how many requests for a denied model the CLI
	// may send before it gives up (or falls back).
	maxDeniedRequests = 2
)

// mode is one of Claude Code's ways to reach a model.
type mode struct {
	name     string
	upstream string // the mock upstream the allowed calls reach
	env      func(base, key string) []string
	// id is the model ID the CLI is given for a model group.
	id func(group string) string
	// names reports whether a request to the gateway is a call of model id.
	names func(r seen, id string) bool
	// maxUnknownKeyRequests is how many times the CLI sends a request
	// refused 401 with X-Should-Retry: false: once, but Vertex mode renews
	// its credential and tries twice more.
	maxUnknownKeyRequests int
}

var modes = []mode{
	{
		name:     "bedrock",
		upstream: "bedrock",
		env: func(base, key string) []string {
			return []string{
				"CLAUDE_CODE_USE_BEDROCK=1",
				"ANTHROPIC_BEDROCK_BASE_URL=" + base + "/bedrock",
				"AWS_BEARER_TOKEN_BEDROCK=" + key,
				"AWS_REGION=us-east-1",
			}
		},
		id: func(group string) string { return "global.anthropic." + group },
		names: func(r seen, id string) bool {
			return r.method == http.MethodPost && strings.Contains(r.path, "/model/"+id+"/")
		},
		maxUnknownKeyRequests: 1,
	},
	{
		name:     "vertex",
		upstream: "vertex",
		env: func(base, key string) []string {
			return []string{
				"CLAUDE_CODE_USE_VERTEX=1",
				"CLAUDE_CODE_SKIP_VERTEX_AUTH=1",
				"ANTHROPIC_VERTEX_BASE_URL=" + base + "/vertex_ai/v1",
				// Without it the CLI sends no credential at all.
				"ANTHROPIC_AUTH_TOKEN=" + key,
				"ANTHROPIC_VERTEX_PROJECT_ID=modelgate-test",
				"CLOUD_ML_REGION=us-east5",
			}
		},
		id: func(group string) string { return group },
		names: func(r seen, id string) bool {
			return r.method == http.MethodPost && strings.Contains(r.path, "/models/"+id+":")
		},
		maxUnknownKeyRequests: 3,
	},
	{
		name:     "anthropic",
		upstream: "anthropic",
		env: func(base, key string) []string {
			return []string{
				"ANTHROPIC_BASE_URL=" + base + "/anthropic",
				"ANTHROPIC_AUTH_TOKEN=" + key,
				"CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1",
			}
		},
		id: func(group string) string { return group },
		names: func(r seen, id string) bool {
			return r.method == http.MethodPost && strings.HasSuffix(r.path, "/v1/messages") && r.model == id
		},
		maxUnknownKeyRequests: 1,
	},
}

func TestClaudeCode(t *testing.T) {
	bin := claudeBinary(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			gw := startGateway(t)
			denied, allowed := m.id(deniedOpus), m.id(allowedHaiku)

			t.Run("allowed model answers", func(t *testing.T) {
				run := gw.claude(t, bin, m, "--model", allowed)
				require.Equal(t, 0, run.exit, "%s", run)
				assert.False(t, run.out.IsError, "%s", run)
				assert.Equal(t, "hello from "+allowed, run.out.Result, "the mock upstream's answer")
				assert.NotZero(t, gw.upstreamCalls(m.upstream, allowed), "the call reached the upstream")
				gw.assertDiscovery(t, m.name, run.from)
			})

			t.Run("denied model stops at once", func(t *testing.T) {
				run := gw.claude(t, bin, m, "--model", denied)
				assert.NotEqual(t, 0, run.exit, "%s", run)
				assert.True(t, run.out.IsError, "%s", run)
				assert.Less(t, run.elapsed, denialBound, "the CLI gave up in time")
				n := gw.count(run.from, func(r seen) bool { return m.names(r, denied) })
				assert.GreaterOrEqual(t, n, 1, "the CLI asked for the model: %s", run)
				assert.LessOrEqual(t, n, maxDeniedRequests, "requests for the denied model")
				assert.Zero(t, gw.upstreamCalls(m.upstream, denied), "a denied call never reaches the upstream")
				assert.Contains(t, run.out.Result, `may not call model`, "the user reads why")
				t.Logf("%s: denied after %d request(s) for %s in %v", m.name, n, denied, run.elapsed.Round(time.Millisecond))
			})

			t.Run("unknown key stops at once", func(t *testing.T) {
				// Claude Code retries a 401 for minutes unless told not to
				// (X-Should-Retry: false).
				before := gw.upstreamCalls(m.upstream, allowed)
				run := gw.claudeWithKey(t, bin, m, "sk-nobody-issued-this", "--model", allowed)
				assert.NotEqual(t, 0, run.exit, "%s", run)
				assert.Contains(t, run.out.Result, "invalid API key", "%s", run)
				n := gw.count(run.from, func(r seen) bool { return m.names(r, allowed) })
				assert.GreaterOrEqual(t, n, 1)
				assert.LessOrEqual(t, n, m.maxUnknownKeyRequests, "no retries beyond the CLI's credential renewal")
				t.Logf("%s: unknown key refused after %d request(s) in %v", m.name, n, run.elapsed.Round(time.Millisecond))
				assert.Less(t, run.elapsed, denialBound)
				assert.Equal(t, before, gw.upstreamCalls(m.upstream, allowed), "nothing reached the upstream")
			})

			t.Run("fallback model takes over", func(t *testing.T) {
				run := gw.claude(t, bin, m, "--model", denied, "--fallback-model", allowed)
				require.Equal(t, 0, run.exit, "%s", run)
				assert.False(t, run.out.IsError, "%s", run)
				assert.Equal(t, "hello from "+allowed, run.out.Result)
				n := gw.count(run.from, func(r seen) bool { return m.names(r, denied) })
				assert.LessOrEqual(t, n, maxDeniedRequests, "requests for the denied model before falling back")
				assert.Zero(t, gw.upstreamCalls(m.upstream, denied))
				t.Logf("%s: fell back after %d request(s) for %s in %v", m.name, n, denied, run.elapsed.Round(time.Millisecond))
			})
		})
	}
}

// Claude Code asks the Bedrock control plane which model an application
// inference profile runs (for its price and output limit); the gateway
// answers GetInferenceProfile from the configuration, never forwarding it.
func TestClaudeCodeApplicationInferenceProfile(t *testing.T) {
	bin := claudeBinary(t)
	gw := startGateway(t)
	const profile = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/opus47prof01"
	run := gw.claudeWithKey(t, bin, modes[0], "sk-allowed", "--model", profile)
	require.Equal(t, 0, run.exit, "%s", run)
	assert.Equal(t, "hello from "+profile, run.out.Result)
	require.Contains(t, run.out.ModelUsage, profile, "%s", run)
	assert.Equal(t, deniedOpus, run.out.ModelUsage[profile].CanonicalModel, "the CLI learned the model behind the profile")
	r, ok := gw.find(run.from, func(r seen) bool {
		return r.method == http.MethodGet && strings.HasPrefix(r.path, "/bedrock/inference-profiles/")
	})
	require.True(t, ok, "Claude Code asks GetInferenceProfile")
	assert.Equal(t, http.StatusOK, r.status, "%s", r.response)
	assert.Zero(t, gw.upstreamPath("bedrock", "inference-profiles"), "a listing is never forwarded")
}

// assertDiscovery checks the model listings the CLI asked for in one run:
// answered by the gateway (never forwarded), and naming exactly what the
// restricted key may call through that route.
func (g *testGateway) assertDiscovery(t *testing.T, mode string, from int) {
	t.Helper()
	switch mode {
	case "bedrock":
		// ListInferenceProfiles, to learn the models behind profiles.
		r, ok := g.find(from, func(r seen) bool {
			return r.method == http.MethodGet && r.path == "/bedrock/inference-profiles" && strings.Contains(r.query, "type=SYSTEM_DEFINED")
		})
		require.True(t, ok, "Claude Code lists the system-defined inference profiles")
		require.Equal(t, http.StatusOK, r.status, "%s", r.response)
		var list struct {
			InferenceProfileSummaries []struct{ InferenceProfileID string }
		}
		require.NoError(t, json.Unmarshal(r.response, &list), "%s", r.response)
		var ids []string
		for _, p := range list.InferenceProfileSummaries {
			ids = append(ids, p.InferenceProfileID)
		}
		assert.Equal(t, []string{"global.anthropic." + allowedHaiku}, ids, "only the profile the key may call")
		assert.Zero(t, g.upstreamPath("bedrock", "inference-profiles"), "a listing is never forwarded")
	case "anthropic":
		// CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1: GET /v1/models?limit=1000.
		r, ok := g.find(from, func(r seen) bool {
			return r.method == http.MethodGet && r.path == "/anthropic/v1/models"
		})
		require.True(t, ok, "Claude Code lists the gateway's models")
		require.Equal(t, http.StatusOK, r.status, "%s", r.response)
		var list struct{ Data []struct{ ID string } }
		require.NoError(t, json.Unmarshal(r.response, &list), "%s", r.response)
		var ids []string
		for _, m := range list.Data {
			ids = append(ids, m.ID)
		}
		assert.Equal(t, []string{allowedHaiku}, ids, "only the model the key may call through /anthropic")
		assert.Zero(t, g.upstreamPath("anthropic", "/v1/models"), "a listing is never forwarded")
	default:
		assert.Zero(t, g.count(from, func(r seen) bool { return r.method == http.MethodGet }),
			"Vertex mode lists nothing; if it starts to, assert on the listing here")
	}
}

// seen is one request the gateway served.
type seen struct {
	method, path, query string
	model               string // the JSON body's top-level "model"
	status              int
	response            []byte // for GET requests
}

// testGateway is the reference gateway with its mock upstreams on a
// loopback port, recording every request it serves.
type testGateway struct {
	base  string
	mocks gateway.Mocks
	next  http.Handler

	mu   sync.Mutex
	reqs []seen
}

func startGateway(t *testing.T) *testGateway {
	t.Helper()
	gw, mocks := gatewaytest.New(t, gatewaytest.Parse(t, string(gateway.DefaultConfig)), gateway.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	g := &testGateway{base: "http://" + ln.Addr().String(), mocks: mocks, next: gw}
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return g
}

func (g *testGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, "test recorder: read body", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var m struct{ Model string }
	_ = json.Unmarshal(body, &m)
	cw := &captureWriter{ResponseWriter: w, capture: r.Method == http.MethodGet}
	g.next.ServeHTTP(cw, r)
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	g.mu.Lock()
	g.reqs = append(g.reqs, seen{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, model: m.Model, status: cw.status, response: cw.buf.Bytes()})
	g.mu.Unlock()
}

// mark is the index of the next request; requests of one run are those
// from its mark on.
func (g *testGateway) mark() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.reqs)
}

func (g *testGateway) since(from int) []seen {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]seen(nil), g.reqs[from:]...)
}

func (g *testGateway) count(from int, match func(seen) bool) int {
	n := 0
	for _, r := range g.since(from) {
		if match(r) {
			n++
		}
	}
	return n
}

func (g *testGateway) find(from int, match func(seen) bool) (seen, bool) {
	for _, r := range g.since(from) {
		if match(r) {
			return r, true
		}
	}
	return seen{}, false
}

// upstreamCalls counts the requests for model the mock upstream received.
func (g *testGateway) upstreamCalls(upstream, model string) int {
	n := 0
	for _, r := range g.mocks[upstream].Requests() {
		if r.Model() == model {
			n++
		}
	}
	return n
}

// upstreamPath counts the requests whose path contains part.
func (g *testGateway) upstreamPath(upstream, part string) int {
	n := 0
	for _, r := range g.mocks[upstream].Requests() {
		if strings.Contains(r.Path, part) {
			n++
		}
	}
	return n
}

// captureWriter records the status, and the body of a listing, while
// streaming responses pass through (it flushes and unwraps).
type captureWriter struct {
	http.ResponseWriter
	capture bool
	status  int
	buf     bytes.Buffer
}

func (w *captureWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.capture && w.buf.Len() < 1<<20 {
		w.buf.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *captureWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// cliRun is one run of the CLI.
type cliRun struct {
	from    int // the gateway's mark before the run
	exit    int
	elapsed time.Duration
	out     struct {
		IsError    bool   `json:"is_error"`
		Result     string `json:"result"`
		ModelUsage map[string]struct {
			CanonicalModel string `json:"canonicalModel"`
		} `json:"modelUsage"`
	}
	stdout, stderr string
}

func (r cliRun) String() string {
	return "exit " + strconv.Itoa(r.exit) + " after " + r.elapsed.String() + "\nstdout: " + r.stdout + "\nstderr: " + r.stderr
}

// claude runs one prompt non-interactively in mode m against g with the
// restricted key, with a fresh HOME and an environment of its own (nothing
// inherited but PATH).
func (g *testGateway) claude(t *testing.T, bin string, m mode, args ...string) cliRun {
	t.Helper()
	return g.claudeWithKey(t, bin, m, restrictedKey, args...)
}

func (g *testGateway) claudeWithKey(t *testing.T, bin string, m mode, key string, args ...string) cliRun {
	t.Helper()
	home := t.TempDir()
	env := append([]string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"DISABLE_TELEMETRY=1",
		"DISABLE_AUTOUPDATER=1",
		"DISABLE_ERROR_REPORTING=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
	}, m.env(g.base, key)...)
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-p", "say hi", "--max-turns", "1", "--output-format", "json"}, args...)...)
	cmd.Dir, cmd.Env = home, env
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	run := cliRun{from: g.mark()}
	start := time.Now()
	err := cmd.Run()
	run.elapsed = time.Since(start)
	run.stdout, run.stderr = stdout.String(), stderr.String()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		run.exit = exit.ExitCode()
	default:
		t.Fatalf("claude %v: %v (after %v; the gateway saw %d requests, a denied model is retried when its refusal is not recognised as final)\n%s",
			args, err, run.elapsed, len(g.since(run.from)), run)
	}
	lines := strings.Split(strings.TrimSpace(run.stdout), "\n")
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &run.out), "the JSON result: %s", run)
	var paths []string
	for _, r := range g.since(run.from) {
		paths = append(paths, r.method+" "+r.path+" "+strconv.Itoa(r.status))
	}
	t.Logf("claude %v: exit %d in %v; gateway saw %d request(s), in order:\n  %s", args, run.exit, run.elapsed.Round(time.Millisecond), len(paths), strings.Join(paths, "\n  "))
	return run
}

// claudeBinary returns the pinned Claude Code binary: MODELGATE_CLAUDE_BIN,
// else the copy in the user's cache directory, installed there with npm
// the first time.
func claudeBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("MODELGATE_CLAUDE_BIN"); bin != "" {
		require.True(t, hasVersion(bin), "MODELGATE_CLAUDE_BIN=%s is not Claude Code %s", bin, claudeCodeVersion)
		return bin
	}
	cache, err := os.UserCacheDir()
	require.NoError(t, err, "no cache directory to install Claude Code into")
	dir := filepath.Join(cache, "modelgate-npm", "claude-code-"+claudeCodeVersion)
	if bin, ok := findBinary(dir); ok {
		return bin
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("Claude Code %s is not installed in %s and npm is not on PATH: install Node.js with npm "+
			"(the test runs `npm install @anthropic-ai/claude-code@%s` into that directory itself), "+
			"or set MODELGATE_CLAUDE_BIN to a claude %s binary", claudeCodeVersion, dir, claudeCodeVersion, claudeCodeVersion)
	}
	// A copy without a working binary (an interrupted install) is replaced.
	require.NoError(t, os.RemoveAll(dir))
	require.NoError(t, os.MkdirAll(filepath.Dir(dir), 0o755))
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
	require.NoError(t, err)
	defer func() { _ = os.RemoveAll(tmp) }()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--prefix", tmp, "--no-audit", "--no-fund", "--loglevel=error",
		"@anthropic-ai/claude-code@"+claudeCodeVersion)
	t.Logf("installing Claude Code %s into %s", claudeCodeVersion, dir)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install @anthropic-ai/claude-code@%s: %v\n%s", claudeCodeVersion, err, out)
	}
	t.Logf("installed in %v", time.Since(start).Round(time.Second))
	// Another test process may have finished first; either copy will do.
	if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, fs.ErrExist) {
		if _, statErr := os.Stat(dir); statErr != nil {
			t.Fatalf("move the installation into place: %v", err)
		}
	}
	bin, ok := findBinary(dir)
	require.True(t, ok, "npm installed @anthropic-ai/claude-code@%s into %s, but no claude binary there reports that version", claudeCodeVersion, dir)
	return bin
}

// findBinary looks for the CLI in an npm prefix: the wrapper's bin (the
// native binary once its postinstall ran), else the platform package's.
func findBinary(dir string) (string, bool) {
	modules := filepath.Join(dir, "node_modules", "@anthropic-ai")
	candidates := []string{filepath.Join(modules, "claude-code", "bin", "claude.exe")}
	platform, _ := filepath.Glob(filepath.Join(modules, "claude-code-*", "claude"))
	for _, bin := range append(candidates, platform...) {
		if hasVersion(bin) {
			return bin, true
		}
	}
	return "", false
}

func hasVersion(bin string) bool {
	if _, err := os.Stat(bin); err != nil {
		return false
	}
	home, err := os.MkdirTemp("", "claude-version-")
	if err != nil {
		return false
	}
	defer func() { _ = os.RemoveAll(home) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--version")
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "DISABLE_AUTOUPDATER=1", "DISABLE_TELEMETRY=1"}
	out, err := cmd.Output()
	return err == nil && strings.HasPrefix(strings.TrimSpace(string(out)), claudeCodeVersion+" ")
}
