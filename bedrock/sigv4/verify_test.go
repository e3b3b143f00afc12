package sigv4_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock/sigv4/sigv4test"
)

// The signatures are checked with sigv4test, an implementation of the
// published SigV4 algorithm written apart from the SDK's signer, against
// what a loopback upstream received.

type recorder struct{ *sigv4test.Upstream }

func newRecorder(t *testing.T) recorder {
	t.Helper()
	rec := recorder{sigv4test.NewUpstream(nil)}
	t.Cleanup(rec.Close)
	return rec
}

func (rec recorder) only(t *testing.T) sigv4test.Request {
	t.Helper()
	reqs := rec.Requests()
	require.Len(t, reqs, 1)
	return reqs[0]
}

func (rec recorder) count() int { return len(rec.Requests()) }

// verify checks the received request's signature with the secret key and
// returns its Authorization header and canonical request.
func verify(t *testing.T, r sigv4test.Request, secret string) (sigv4test.Authorization, string) {
	t.Helper()
	a, canon, err := sigv4test.Verify(secret, r)
	require.NoError(t, err)
	return a, canon
}
