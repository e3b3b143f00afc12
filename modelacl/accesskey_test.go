package modelacl_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// TestIsAccessKeyIDIsWhatFindCredentialReads holds IsAccessKeyID to its
// promise: a SigV4 credential is read exactly when its access key ID has
// the shape, so a host that checks its stored keys with it never keeps a
// secret for a key that cannot authenticate by signature.
func TestIsAccessKeyIDIsWhatFindCredentialReads(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   string
		want bool
	}{
		{"long-term-key", "AKIAIOSFODNN7EXAMPLE", true},
		{"temporary-key", "ASIAIOSFODNN7EXAMPLE", true},
		{"shortest", strings.Repeat("A", 16), true},
		{"longest", strings.Repeat("9", 128), true},
		{"one-short", strings.Repeat("A", 15), false},
		{"one-long", strings.Repeat("A", 129), false},
		{"lower-case", "akiaiosfodnn7example", false},
		{"one-lower-case-letter", "AKIAIOSFODNN7EXAMPLe", false},
		{"bearer-token-shape", "sk-proj-abcdefghijklmnop", false},
		{"non-ascii-capital", "AKIAIOSFODNN7EXAMPL\u0130", false},
		{"space-padded", " AKIAIOSFODNN7EXAMPLE", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, modelacl.IsAccessKeyID(tc.id))

			r := httptest.NewRequest("POST", "/model/x/invoke", nil)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+tc.id+
				"/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00")
			cred, err := modelacl.FindCredential(r)
			if !tc.want {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, modelacl.CredentialAWSAccessKeyID, cred.Kind)
			assert.Equal(t, tc.id, cred.Secret)
		})
	}
}

// A host that stores SigV4 secrets checks each key it stores one for:
// a key of another shape could never authenticate by signature.
func ExampleIsAccessKeyID() {
	for _, key := range []string{"AKIAIOSFODNN7EXAMPLE", "sk-team-a-0001"} {
		fmt.Println(key, modelacl.IsAccessKeyID(key))
	}
	// Output:
	// AKIAIOSFODNN7EXAMPLE true
	// sk-team-a-0001 false
}
