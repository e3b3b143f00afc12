package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/modelgate/modelgate/modelacl"
)

// keyStore is the demo key store: every configured key mapped to the
// principal it authenticates as, built once from the config. Principals
// are returned by copy, so nothing downstream can change the stored ones.
type keyStore struct {
	byKey map[string]modelacl.Principal
}

func newKeyStore(c *Config) *keyStore {
	ks := &keyStore{
		byKey: make(map[string]modelacl.Principal, len(c.Keys)),
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
	}
	return ks
}

// authenticate implements modelacl Options.Authenticate. Bearer tokens,
// API keys and SigV4 access key IDs are looked up in the same table: a
// key entry whose key is an access key ID serves clients that sign with
// SigV4. The demo gateway does not verify SigV4 signatures (it does not
// hold the clients' secret keys), so an access key ID here is trusted as
// an identifier only; a production gateway must verify the signature.
func (ks *keyStore) authenticate(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
	pr, ok := ks.byKey[c.Secret]
	if !ok {
		return nil, fmt.Errorf("gateway: %w", modelacl.ErrUnknownKey)
	}
	return &pr, nil
}

// Fingerprint names a key in logs without revealing it: the first 12 hex
// digits of its SHA-256.
func Fingerprint(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "key-" + hex.EncodeToString(sum[:6])
}
