package gateway

import _ "embed"

// DefaultConfig is the embedded default configuration (the seed
// scenario), used when the gateway runs without -config.
//
//go:embed default.yaml
var DefaultConfig []byte
