package modelacl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Allowlist sentinels. An entry equal to one of these is not a model name.
const (
	// AllModels and AllProxyModels allow every model.
	AllModels      = "*"
	AllProxyModels = "all-proxy-models"
	// AllTeamModels, on a key, allows what the key's team allows. On a key
	// without a team it allows nothing (see [ErrTeamModelsWithoutTeam]); on
	// any other scope it allows nothing.
	AllTeamModels = "all-team-models"
)

// Allowlist is the set of models one scope (a key, a team, a user, ...)
// may call. It has three states:
//
//   - unset: the zero value. The scope does not restrict; only the other
//     scopes decide. (A principal on whom every scope is unset is denied,
//     see [ErrNoAllowlist].)
//   - none: [DenyAll] or an empty list. Nothing is allowed. Under
//     Config.LiteLLMCompat an empty list (but not [DenyAll]) reads as "all
//     models", as it does in LiteLLM.
//   - a list of entries, any of which allows a model.
//
// An entry is one of:
//
//   - a model group name, a provider-qualified model name
//     ("bedrock/us.amazon.nova-micro-v1:0") or any other model name,
//     compared exactly and case-sensitively;
//   - an access group name (model_info.access_groups), compared exactly;
//   - a glob containing '*', which matches any run of characters; every
//     other character is literal (no regex, no '?', no classes), and
//     globs match model names, never access group names;
//   - the sentinels [AllModels] ("*") and [AllProxyModels] (all models)
//     and [AllTeamModels] (the team's list, keys only).
//
// Which names a model has, and how access groups reach it, is the
// [Policy]'s to say; see the package documentation.
//
// An Allowlist is immutable once built and safe for concurrent use. It is
// small (one pointer) and meant to be passed by value.
//
// In JSON, absent or null is unset, [] is the empty list and an array of
// strings is a list; anything else, and an empty-string entry, is an error.
type Allowlist struct {
	l *list
}

type list struct {
	entries    []string // as given, for Entries and MarshalJSON
	denyAll    bool     // DenyAll: nothing, whatever the compatibility mode
	all        bool     // "*" or "all-proxy-models"
	teamModels bool     // "all-team-models"
	exact      map[string]struct{}
	// Globs by their literal prefix, and the distinct prefix lengths in
	// increasing order: a name is only tried against the globs whose
	// prefix it starts with, one map lookup per distinct length, instead
	// of against every glob.
	globs      map[string][]glob
	prefixLens []int
}

// Allow returns the list of the given entries (see [Allowlist] for their
// grammar). It never fails: an empty-string entry matches nothing, since no
// model is named "". Allow() with no entries is the empty list.
func Allow(entries ...string) Allowlist {
	l := &list{entries: append([]string(nil), entries...)}
	for _, e := range entries {
		switch {
		case e == AllModels || e == AllProxyModels:
			l.all = true
		case e == AllTeamModels:
			l.teamModels = true
		case strings.IndexByte(e, '*') >= 0:
			g := compileGlob(e)
			if l.globs == nil {
				l.globs = make(map[string][]glob)
			}
			if _, seen := l.globs[g.prefix]; !seen {
				l.prefixLens = append(l.prefixLens, len(g.prefix))
			}
			l.globs[g.prefix] = append(l.globs[g.prefix], g)
		default:
			if l.exact == nil {
				l.exact = make(map[string]struct{}, len(entries))
			}
			l.exact[e] = struct{}{}
		}
	}
	slices.Sort(l.prefixLens)
	l.prefixLens = slices.Compact(l.prefixLens)
	return Allowlist{l: l}
}

// AllowAll returns the list that allows every model, the same as
// Allow("*").
func AllowAll() Allowlist { return Allow(AllModels) }

// DenyAll returns the list that allows nothing. Unlike the empty list it
// also denies under Config.LiteLLMCompat, and it has no JSON form.
func DenyAll() Allowlist { return Allowlist{l: &list{denyAll: true}} }

// IsSet reports whether the allowlist restricts its scope, that is, whether
// it is not the zero value.
func (a Allowlist) IsSet() bool { return a.l != nil }

// Entries returns a copy of the entries the list was built from; nil when
// unset, DenyAll or empty.
func (a Allowlist) Entries() []string {
	if a.l == nil || len(a.l.entries) == 0 {
		return nil
	}
	return append([]string(nil), a.l.entries...)
}

// empty reports the empty list: no entry at all (and not DenyAll).
func (l *list) empty() bool { return !l.denyAll && len(l.entries) == 0 }

// matchName reports whether an entry names s: exactly, by glob or by an
// all-models sentinel. Access groups are checked by hasGroup.
func (l *list) matchName(s string) bool {
	if l.all {
		return true
	}
	if _, ok := l.exact[s]; ok {
		return true
	}
	for _, n := range l.prefixLens {
		if n > len(s) {
			break
		}
		gs := l.globs[s[:n]]
		for i := range gs {
			if gs[i].match(s) {
				return true
			}
		}
	}
	return false
}

// hasGroup reports whether an entry names one of the access groups.
func (l *list) hasGroup(groups []string) bool {
	for _, g := range groups {
		if _, ok := l.exact[g]; ok {
			return true
		}
	}
	return false
}

// UnmarshalJSON reads null as unset, [] as the empty list and an array of
// non-empty strings as a list. Errors wrap [ErrInvalidConfig].
func (a *Allowlist) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*a = Allowlist{}
		return nil
	}
	var entries []string
	if err := json.Unmarshal(data, &entries); err != nil {
		return fmt.Errorf("%w: allowlist must be null or an array of strings", ErrInvalidConfig)
	}
	return a.set(entries)
}

// UnmarshalYAML reads a YAML sequence of strings like UnmarshalJSON reads
// an array. It has the signature YAML decoders accept without this package
// importing one (gopkg.in/yaml.v2 and go.yaml.in/yaml/v3 both call it).
// Those decoders do not call it for null or an absent key, which therefore
// leave the Allowlist unset.
func (a *Allowlist) UnmarshalYAML(unmarshal func(any) error) error {
	var entries []string
	if err := unmarshal(&entries); err != nil {
		return fmt.Errorf("%w: allowlist must be a sequence of strings", ErrInvalidConfig)
	}
	return a.set(entries)
}

// set installs a list read from configuration (never unset: the decoder
// saw a sequence).
func (a *Allowlist) set(entries []string) error {
	for i, e := range entries {
		if e == "" {
			return fmt.Errorf("%w: allowlist entry %d is empty", ErrInvalidConfig, i)
		}
	}
	if entries == nil {
		entries = []string{}
	}
	*a = Allow(entries...)
	return nil
}

// MarshalJSON writes unset as null and a list as its entries. DenyAll has
// no JSON form (an empty array would read as "all" under LiteLLM
// compatibility), so marshaling it fails rather than widen access.
func (a Allowlist) MarshalJSON() ([]byte, error) {
	switch {
	case a.l == nil:
		return []byte("null"), nil
	case a.l.denyAll:
		return nil, fmt.Errorf("modelacl: DenyAll has no JSON form")
	case len(a.l.entries) == 0:
		return []byte("[]"), nil
	}
	return json.Marshal(a.l.entries)
}

// String describes the state without listing entries ("unset", "none",
// "empty", "3 entries"), so that logging an Allowlist cannot leak it.
func (a Allowlist) String() string {
	switch {
	case a.l == nil:
		return "unset"
	case a.l.denyAll:
		return "none"
	case len(a.l.entries) == 0:
		return "empty"
	case len(a.l.entries) == 1:
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", len(a.l.entries))
}
