// Package conformance_test drives the reference gateway with the official
// SDKs of every provider it fronts. The SDKs are the judges: with an
// allowed key each call must succeed and the upstream must see exactly the
// model the SDK was asked for; with a restricted key the SDK must surface
// its own typed permission error and no upstream may see anything.
//
// The gateway runs in-process behind TLS on loopback (the AWS SDK refuses
// to send a bearer token over plain HTTP), in front of one recording fake
// upstream per provider.
package conformance_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/fakeupstream"
	"github.com/modelgate/modelgate/examples/internal/gateway"
)

const (
	allowedKey    = "sk-allowed"
	restrictedKey = "sk-restricted"
	allowedAKID   = "AKIAALLOWED000000001"
	restrictAKID  = "AKIARESTRICTED000001"
)

// awsSecret is the secret access key the gateway issued with each access
// key ID (testdata/config.yaml's aws_secret_access_key).
var awsSecret = map[string]string{
	allowedAKID:  "allowed-aws-secret",
	restrictAKID: "restricted-aws-secret",
}

// keys is the table every SDK case runs over.
var keys = []struct {
	name    string
	key     string
	akid    string
	allowed bool
}{
	{"allowed key", allowedKey, allowedAKID, true},
	{"restricted key", restrictedKey, restrictAKID, false},
}

type env struct {
	url    string // gateway base URL, https://127.0.0.1:PORT
	client *http.Client
	mocks  gateway.Mocks
	cfg    *gateway.Config // with the mocks' URLs filled in
	logger *slog.Logger
}

var shared *env

func TestMain(m *testing.M) {
	// Ambient credentials must not leak into the SDK clients under test.
	for _, v := range []string{
		"AWS_BEARER_TOKEN_BEDROCK", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL",
		"GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION",
		"AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION",
	} {
		_ = os.Unsetenv(v)
	}
	code, err := run(m)
	if err != nil {
		_, _ = io.WriteString(os.Stderr, "conformance setup: "+err.Error()+"\n")
		os.Exit(2)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	cfg, err := gateway.LoadConfig("testdata/config.yaml")
	if err != nil {
		return 0, err
	}
	mocks, err := cfg.StartMocks()
	if err != nil {
		return 0, err
	}
	defer func() { _ = mocks.Close() }()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("CONFORMANCE_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	gw, err := gateway.New(cfg, gateway.Options{Logger: logger})
	if err != nil {
		return 0, err
	}
	ts := httptest.NewTLSServer(gw)
	defer ts.Close()
	shared = &env{url: ts.URL, client: ts.Client(), mocks: mocks, cfg: cfg, logger: logger}
	return m.Run(), nil
}

// start resets the recordings and returns the shared environment. Tests
// using it must not run in parallel.
func start(t *testing.T) *env {
	t.Helper()
	require.NotNil(t, shared)
	shared.mocks.Reset()
	return shared
}

// upstream returns what the named provider's upstream received.
func (e *env) upstream(provider string) []fakeupstream.Request {
	return e.mocks[provider].Requests()
}

// expect checks the upstream side of one SDK call: with an allowed key
// exactly one request reached the provider's upstream and it named
// wantModel; with a restricted key nothing reached any upstream.
func (e *env) expect(t *testing.T, allowed bool, provider, wantModel string) {
	t.Helper()
	if !allowed {
		require.Zero(t, e.mocks.Total(), "a denied request reached an upstream")
		return
	}
	reqs := e.upstream(provider)
	require.Len(t, reqs, 1, "the %s upstream should see exactly one request", provider)
	require.Equal(t, wantModel, reqs[0].Model(), "model the %s upstream saw", provider)
	for _, h := range []string{"X-Api-Key", "Api-Key", "X-Goog-Api-Key"} {
		require.Empty(t, reqs[0].Header.Get(h), "credential header %s reached the upstream", h)
	}
	require.Zero(t, e.mocks.Total()-1, "another upstream saw the request too")
}

// headerTransport adds fixed headers, the way a proxy-aware client
// carries a gateway key where the SDK has no option for one.
type headerTransport struct {
	header http.Header
	base   http.RoundTripper
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.header {
		r.Header[k] = v
	}
	return h.base.RoundTrip(r)
}
