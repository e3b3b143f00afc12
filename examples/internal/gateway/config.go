package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/modelacl"
	"go.yaml.in/yaml/v3"
)

// Config is the reference gateway's configuration: a LiteLLM-compatible
// subset (model_list, litellm_compat) plus a demo key store (keys, teams,
// users, orgs), the upstream base URLs, AWS credentials for re-signing
// Bedrock requests and the deny status.
//
// The YAML document is read once into generic values and handed to the
// policy's own JSON decoding, so model_list means exactly what
// [modelacl.Config] says it means, and an allowlist's states survive:
// "models" absent or null is unset, [] is the empty list (denies all).
type Config struct {
	// Policy is model_list and litellm_compat, decoded by modelacl.
	Policy modelacl.Config
	Keys   []Key
	Teams  []Team
	Users  []User
	Orgs   []Org
	// Upstreams maps a provider to its base URL. A provider left out has no
	// upstream: requests routed to it fail with 502 unless mocks are started
	// ([Config.StartMocks]).
	Upstreams Upstreams
	// AWS, when set, makes the gateway re-sign every request it forwards to
	// the Bedrock upstream with SigV4 using these credentials.
	AWS *AWS
	// DenyStatus is the HTTP status of a deny response: 403 (0 means 403)
	// or 401, for clients that expect LiteLLM's 401.
	DenyStatus int
	// UnsafeTrustUnverifiedAccessKeyIDs lets a SigV4 request whose access
	// key ID names a key without aws_secret_access_key through on the ID
	// alone, its signature unchecked. Off (the default), such a request is
	// refused. An access key ID is not a secret: anyone who has seen one
	// acts as its owner while this is on. Keys that have a secret are
	// verified either way.
	UnsafeTrustUnverifiedAccessKeyIDs bool

	ignored []string // LiteLLM settings present but not acted on
}

// Key is one virtual key of the demo key store.
type Key struct {
	// Key is the secret the client sends (Authorization: Bearer, x-api-key,
	// api-key, x-goog-api-key, ?key=), or an AWS access key ID for clients
	// that sign with SigV4 (AWS CLI, AWS SDKs, Claude Code in Bedrock mode).
	// Never logged.
	Key string `json:"key"`
	// AWSSecretAccessKey is the secret access key the gateway issued with
	// the access key ID in Key: SigV4 signatures under that ID are verified
	// with it, and the ID is then accepted only with a valid signature
	// (never as a bearer token or API key). Key must then have the shape
	// of an access key ID (16 to 128 upper-case letters and digits). Never
	// logged.
	AWSSecretAccessKey string `json:"aws_secret_access_key,omitempty"`
	// KeyAlias names the key in logs and decisions; defaults to a
	// non-reversible fingerprint of Key.
	KeyAlias string             `json:"key_alias,omitempty"`
	Models   modelacl.Allowlist `json:"models"`
	TeamID   string             `json:"team_id,omitempty"`
	UserID   string             `json:"user_id,omitempty"`
	OrgID    string             `json:"org_id,omitempty"`
	// Aliases maps a name the client may send to the model group it means.
	Aliases map[string]string `json:"aliases,omitempty"`
}

// Team is one team's allowlist.
type Team struct {
	TeamID string             `json:"team_id"`
	Models modelacl.Allowlist `json:"models"`
	OrgID  string             `json:"org_id,omitempty"`
}

// User is one internal user's allowlist.
type User struct {
	UserID string             `json:"user_id"`
	Models modelacl.Allowlist `json:"models"`
}

// Org is one organization's allowlist.
type Org struct {
	OrgID  string             `json:"org_id"`
	Models modelacl.Allowlist `json:"models"`
}

// Upstreams holds one base URL per provider ("http://host:port[/path]").
type Upstreams struct {
	Bedrock   string `json:"bedrock,omitempty"`
	OpenAI    string `json:"openai,omitempty"`
	Anthropic string `json:"anthropic,omitempty"`
	Azure     string `json:"azure,omitempty"`
	Gemini    string `json:"gemini,omitempty"`
	Vertex    string `json:"vertex,omitempty"`
}

// AWS holds the credentials the gateway signs Bedrock requests with.
type AWS struct {
	Region          string `json:"region"`
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	SessionToken    string `json:"session_token,omitempty"`
}

// upstreamNames lists the providers of [Upstreams] in a stable order, with
// a pointer to each field.
func (u *Upstreams) fields() []struct {
	name string
	url  *string
} {
	return []struct {
		name string
		url  *string
	}{
		{"bedrock", &u.Bedrock},
		{"openai", &u.OpenAI},
		{"anthropic", &u.Anthropic},
		{"azure", &u.Azure},
		{"gemini", &u.Gemini},
		{"vertex", &u.Vertex},
	}
}

// The fields each entry of keys, teams, users and orgs may carry. A
// misspelt field there (say "modles") would silently leave an allowlist
// unset, that is unrestricted, so unknown fields in these sections are a
// configuration error. Elsewhere unknown fields are ignored, so a LiteLLM
// config with its other settings still loads.
var strictSections = map[string][]string{
	"keys":  {"key", "aws_secret_access_key", "key_alias", "models", "team_id", "user_id", "org_id", "aliases"},
	"teams": {"team_id", "models", "org_id"},
	"users": {"user_id", "models"},
	"orgs":  {"org_id", "models"},
}

var topLevel = []string{
	"model_list", "litellm_compat", "keys", "teams", "users", "orgs",
	"upstreams", "aws", "deny_status", "unsafe_trust_unverified_access_key_ids",
}

// LoadConfig reads a YAML config file.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseConfig(b)
}

// ParseConfig parses a YAML config document. It validates the demo key
// store (unique keys, known teams/users/orgs, no unknown fields in those
// sections) but not model_list: [modelacl.Compile] does that in [New].
func ParseConfig(doc []byte) (*Config, error) {
	var generic any
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	if err := dec.Decode(&generic); err != nil {
		return nil, fmt.Errorf("gateway config: %w", err)
	}
	root, ok := generic.(map[string]any)
	if !ok {
		return nil, errors.New("gateway config: top level must be a mapping")
	}
	if err := checkFields(root); err != nil {
		return nil, err
	}
	js, err := json.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("gateway config: %w", err)
	}

	var cfg Config
	if err := json.Unmarshal(js, &cfg.Policy); err != nil {
		return nil, fmt.Errorf("gateway config: model_list: %w", err)
	}
	var rest struct {
		Keys       []Key     `json:"keys"`
		Teams      []Team    `json:"teams"`
		Users      []User    `json:"users"`
		Orgs       []Org     `json:"orgs"`
		Upstreams  Upstreams `json:"upstreams"`
		AWS        *AWS      `json:"aws"`
		DenyStatus int       `json:"deny_status"`
		Unsafe     bool      `json:"unsafe_trust_unverified_access_key_ids"`
	}
	if err := json.Unmarshal(js, &rest); err != nil {
		return nil, fmt.Errorf("gateway config: %w", err)
	}
	cfg.Keys, cfg.Teams, cfg.Users, cfg.Orgs = rest.Keys, rest.Teams, rest.Users, rest.Orgs
	cfg.Upstreams, cfg.AWS, cfg.DenyStatus = rest.Upstreams, rest.AWS, rest.DenyStatus
	cfg.UnsafeTrustUnverifiedAccessKeyIDs = rest.Unsafe
	cfg.ignored = ignoredSettings(root)
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

func checkFields(root map[string]any) error {
	var errs []error
	for k := range root {
		if !contains(topLevel, k) {
			// Tolerated: LiteLLM settings blocks we do not use.
			continue
		}
		allowed, strict := strictSections[k]
		if !strict {
			continue
		}
		list, ok := root[k].([]any)
		if !ok {
			if root[k] != nil {
				errs = append(errs, fmt.Errorf("gateway config: %s must be a list", k))
			}
			continue
		}
		for i, e := range list {
			m, ok := e.(map[string]any)
			if !ok {
				errs = append(errs, fmt.Errorf("gateway config: %s[%d] must be a mapping", k, i))
				continue
			}
			for f := range m {
				if !contains(allowed, f) {
					errs = append(errs, fmt.Errorf("gateway config: %s[%d]: unknown field %q (known: %s)", k, i, f, strings.Join(allowed, ", ")))
				}
			}
		}
	}
	if u, ok := root["upstreams"].(map[string]any); ok {
		var known Upstreams
		var names []string
		for _, f := range known.fields() {
			names = append(names, f.name)
		}
		for f := range u {
			if !contains(names, f) {
				errs = append(errs, fmt.Errorf("gateway config: upstreams: unknown provider %q (known: %s)", f, strings.Join(names, ", ")))
			}
		}
	}
	sortErrs(errs)
	return errors.Join(errs...)
}

func (c *Config) validate() error {
	var errs []error
	seen := map[string]int{}
	aliases := map[string]int{}
	for i, k := range c.Keys {
		if k.KeyAlias != "" {
			if j, dup := aliases[k.KeyAlias]; dup {
				errs = append(errs, fmt.Errorf("gateway config: keys[%d]: same key_alias as keys[%d]", i, j))
			}
			aliases[k.KeyAlias] = i
		}
		for from, to := range k.Aliases {
			// A comma-separated model string names several models: the
			// body rewritten to such a target would name two upstream.
			if strings.Contains(from, ",") || strings.Contains(to, ",") {
				errs = append(errs, fmt.Errorf("gateway config: keys[%d].aliases: %q -> %q: names must not contain ','", i, from, to))
			}
		}
		if k.Key == "" {
			errs = append(errs, fmt.Errorf("gateway config: keys[%d]: key is empty", i))
			continue
		}
		if j, dup := seen[k.Key]; dup {
			errs = append(errs, fmt.Errorf("gateway config: keys[%d]: same key as keys[%d]", i, j))
		}
		seen[k.Key] = i
		if k.AWSSecretAccessKey != "" && !modelacl.IsAccessKeyID(k.Key) {
			errs = append(errs, fmt.Errorf("gateway config: keys[%d]: a key with aws_secret_access_key must be an access key ID (16 to 128 upper-case letters and digits)", i))
		}
		if k.TeamID != "" && c.team(k.TeamID) == nil {
			errs = append(errs, fmt.Errorf("gateway config: keys[%d]: team_id %q is not in teams", i, k.TeamID))
		}
		if k.UserID != "" && c.user(k.UserID) == nil {
			errs = append(errs, fmt.Errorf("gateway config: keys[%d]: user_id %q is not in users", i, k.UserID))
		}
		if k.OrgID != "" && c.org(k.OrgID) == nil {
			errs = append(errs, fmt.Errorf("gateway config: keys[%d]: org_id %q is not in orgs", i, k.OrgID))
		}
	}
	for i, t := range c.Teams {
		if t.TeamID == "" {
			errs = append(errs, fmt.Errorf("gateway config: teams[%d]: team_id is empty", i))
		}
		if t.OrgID != "" && c.org(t.OrgID) == nil {
			errs = append(errs, fmt.Errorf("gateway config: teams[%d]: org_id %q is not in orgs", i, t.OrgID))
		}
	}
	for i, u := range c.Users {
		if u.UserID == "" {
			errs = append(errs, fmt.Errorf("gateway config: users[%d]: user_id is empty", i))
		}
	}
	for i, o := range c.Orgs {
		if o.OrgID == "" {
			errs = append(errs, fmt.Errorf("gateway config: orgs[%d]: org_id is empty", i))
		}
	}
	for _, f := range c.Upstreams.fields() {
		if *f.url == "" {
			continue
		}
		u, err := url.Parse(*f.url)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("gateway config: upstreams.%s: %q is not an http(s) base URL", f.name, *f.url))
		}
	}
	if c.AWS != nil && (c.AWS.Region == "" || c.AWS.AccessKeyID == "" || c.AWS.SecretAccessKey == "") {
		errs = append(errs, errors.New("gateway config: aws needs region, access_key_id and secret_access_key"))
	}
	if c.DenyStatus != 0 && c.DenyStatus != 401 && c.DenyStatus != 403 {
		errs = append(errs, fmt.Errorf("gateway config: deny_status %d is neither 403 nor 401", c.DenyStatus))
	}
	return errors.Join(errs...)
}

func (c *Config) team(id string) *Team {
	for i := range c.Teams {
		if c.Teams[i].TeamID == id {
			return &c.Teams[i]
		}
	}
	return nil
}

func (c *Config) user(id string) *User {
	for i := range c.Users {
		if c.Users[i].UserID == id {
			return &c.Users[i]
		}
	}
	return nil
}

func (c *Config) org(id string) *Org {
	for i := range c.Orgs {
		if c.Orgs[i].OrgID == id {
			return &c.Orgs[i]
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortErrs(errs []error) {
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
}
