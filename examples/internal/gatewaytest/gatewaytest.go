// Package gatewaytest starts the reference gateway in tests: a recording
// mock for every upstream the configuration leaves unset, and the gateway
// in front of them, all stopped when the test ends. How the gateway is
// then served (httptest, TLS, a listener of the test's own) is the
// test's choice.
package gatewaytest

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
)

// Quiet is the logger a test gateway gets unless the test asks for
// another: refusals are asserted on responses, not read from logs.
var Quiet = slog.New(slog.DiscardHandler)

// Parse parses the configuration document doc, failing the test on error.
func Parse(t testing.TB, doc string) *gateway.Config {
	t.Helper()
	cfg, err := gateway.ParseConfig([]byte(doc))
	require.NoError(t, err)
	return cfg
}

// New starts the mocks cfg needs and builds the gateway for cfg with opts
// (a nil Logger is Quiet). The mocks are closed when the test ends.
func New(t testing.TB, cfg *gateway.Config, opts gateway.Options) (*gateway.Gateway, gateway.Mocks) {
	t.Helper()
	mocks, err := cfg.StartMocks()
	require.NoError(t, err)
	t.Cleanup(func() { _ = mocks.Close() })
	if opts.Logger == nil {
		opts.Logger = Quiet
	}
	gw, err := gateway.New(cfg, opts)
	require.NoError(t, err)
	return gw, mocks
}
