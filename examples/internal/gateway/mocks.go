package gateway

import (
	"errors"

	"github.com/modelgate/modelgate/examples/internal/fakeupstream"
)

// Mocks are the fake upstreams started for providers the config leaves
// without an upstream, by provider name ("bedrock", "openai", ...).
type Mocks map[string]*fakeupstream.Server

// Close stops every mock.
func (m Mocks) Close() error {
	var errs []error
	for _, s := range m {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// Reset forgets what every mock recorded.
func (m Mocks) Reset() {
	for _, s := range m {
		s.Reset()
	}
}

// Total is the number of requests all mocks received.
func (m Mocks) Total() int {
	n := 0
	for _, s := range m {
		n += len(s.Requests())
	}
	return n
}

// StartMocks starts a recording fake upstream on a loopback port for every
// provider whose upstream is not configured, and points the config at it.
// Stop them with [Mocks.Close].
func (c *Config) StartMocks() (Mocks, error) {
	mocks := Mocks{}
	for _, f := range c.Upstreams.fields() {
		if *f.url != "" {
			continue
		}
		s := fakeupstream.New(f.name)
		u, err := s.Start()
		if err != nil {
			_ = mocks.Close()
			return nil, err
		}
		*f.url = u
		mocks[f.name] = s
	}
	return mocks, nil
}
