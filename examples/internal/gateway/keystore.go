package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/modelgate/modelgate/bedrock/sigv4/verify"
	"github.com/modelgate/modelgate/modelacl"
)

// keyStore is the demo key store: every configured key mapped to the
// principal it authenticates as, built once from the config. Principals
// are returned by copy, so nothing downstream can change the stored ones.
type keyStore struct {
	byKey map[string]modelacl.Principal
	// awsSecret maps an access key ID to the secret issued with it.
	awsSecret map[string]string
	// trustUnverified is unsafe_trust_unverified_access_key_ids.
	trustUnverified bool
}

func newKeyStore(c *Config) *keyStore {
	ks := &keyStore{
		byKey:           make(map[string]modelacl.Principal, len(c.Keys)),
		awsSecret:       map[string]string{},
		trustUnverified: c.UnsafeTrustUnverifiedAccessKeyIDs,
	}
	for _, k := range c.Keys {
		pr := modelacl.Principal{
			KeyID:   k.KeyAlias,
			Key:     k.Models,
			TeamID:  k.TeamID,
			UserID:  k.UserID,
			OrgID:   k.OrgID,
			Aliases: k.Aliases,
		}
		if pr.KeyID == "" {
			pr.KeyID = Fingerprint(k.Key)
		}
		if t := c.team(k.TeamID); t != nil {
			pr.Team = t.Models
			if pr.OrgID == "" {
				pr.OrgID = t.OrgID
			}
		}
		if u := c.user(k.UserID); u != nil {
			pr.User = u.Models
		}
		if o := c.org(pr.OrgID); o != nil {
			pr.Org = o.Models
		}
		ks.byKey[k.Key] = pr
		if k.AWSSecretAccessKey != "" {
			ks.awsSecret[k.Key] = k.AWSSecretAccessKey
		}
	}
	return ks
}

// authenticate implements modelacl Options.Authenticate. Bearer tokens,
// API keys and SigV4 access key IDs are looked up in the same table: a
// key entry whose key is an access key ID serves clients that sign with
// SigV4. Such an ID is accepted only when the middleware verified the
// signature with the key's aws_secret_access_key (c.Verified), or, for a
// key without a secret, when the config sets
// unsafe_trust_unverified_access_key_ids. A key that has a secret is
// never accepted as a bearer token or API key (the middleware refuses
// that first; this is the same rule, kept where the keys are).
func (ks *keyStore) authenticate(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
	pr, ok := ks.byKey[c.Secret]
	_, hasSecret := ks.awsSecret[c.Secret]
	switch {
	case !ok:
		return nil, fmt.Errorf("gateway: %w", modelacl.ErrUnknownKey)
	case c.Kind == modelacl.CredentialAWSAccessKeyID && !c.Verified && (hasSecret || !ks.trustUnverified):
		return nil, fmt.Errorf("gateway: unverified access key ID: %w", modelacl.ErrUnknownKey)
	case c.Kind != modelacl.CredentialAWSAccessKeyID && hasSecret:
		return nil, fmt.Errorf("gateway: access key ID sent as a token: %w", modelacl.ErrUnknownKey)
	}
	return &pr, nil
}

// awsCredentials is the SigV4 verifier's lookup: the secret issued with
// an access key ID, verify.ErrNoSecret for a key configured without one.
func (ks *keyStore) awsCredentials(_ context.Context, accessKeyID string) (verify.Credentials, error) {
	if secret, ok := ks.awsSecret[accessKeyID]; ok {
		return verify.Credentials{SecretAccessKey: secret}, nil
	}
	if _, ok := ks.byKey[accessKeyID]; ok {
		return verify.Credentials{}, verify.ErrNoSecret
	}
	return verify.Credentials{}, errors.New("gateway: unknown access key ID")
}

// Fingerprint names a key in logs without revealing it: the first 12 hex
// digits of its SHA-256.
func Fingerprint(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "key-" + hex.EncodeToString(sum[:6])
}
