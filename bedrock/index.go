package bedrock

import (
	"errors"
	"slices"
	"strings"
)

// ErrNotBedrock is returned by [ParseLiteLLM] for a model string that is not
// a Bedrock route (no "bedrock/" prefix, or a route that does not call AWS).
var ErrNotBedrock = errors.New("bedrock: not a Bedrock model route")

// litellmRoutes are the LiteLLM route labels that may follow "bedrock/"
// before the model ID: first an optional API selector, then an optional
// request-format handler used for imported models. Anything else after
// "bedrock/" that is not itself an ID is rejected, so a typo in a
// configuration fails at load time instead of matching nothing (or
// something else) at request time.
var (
	litellmAPIs     = [...]string{"converse", "invoke"}
	litellmHandlers = [...]string{"llama", "deepseek_r1", "qwen2", "qwen3", "openai", "moonshot"}
)

// ParseLiteLLM parses a LiteLLM-style model string that routes to Bedrock,
// as found in a deployment's litellm_params.model, and returns the Bedrock
// model ID it calls:
//
//	bedrock/<id>
//	bedrock/converse/<id>            bedrock/invoke/<id>
//	bedrock/<handler>/<id>           bedrock/invoke/<handler>/<id>
//
// where <handler> is one of llama, deepseek_r1, qwen2, qwen3, openai,
// moonshot and <id> is anything [Parse] accepts. The prefix is matched
// exactly and case-sensitively; "bedrock/converse_like/..." (an
// OpenAI-compatible endpoint that is not AWS) and every string without the
// "bedrock/" prefix return [ErrNotBedrock]. An unknown route label or a
// malformed ID returns an error wrapping [ErrInvalidModelID]: a configuration
// holding one should fail to load.
func ParseLiteLLM(model string) (ModelID, error) {
	rest, ok := strings.CutPrefix(model, "bedrock/")
	if !ok {
		return ModelID{}, ErrNotBedrock
	}
	if strings.HasPrefix(rest, "converse_like/") {
		return ModelID{}, ErrNotBedrock
	}
	rest = cutLabel(rest, litellmAPIs[:])
	rest = cutLabel(rest, litellmHandlers[:])
	if label, _, ok := strings.Cut(rest, "/"); ok && !strings.HasPrefix(rest, arnPrefix) && label+"/" != shortPrefix {
		// A base or profile ID has no "/", so this is a route label we
		// do not know; refuse it rather than guess.
		return ModelID{}, &ParseError{Input: model, Reason: "unknown LiteLLM Bedrock route label"}
	}
	return Parse(rest)
}

func cutLabel(s string, labels []string) string {
	if strings.HasPrefix(s, arnPrefix) {
		return s
	}
	label, rest, ok := strings.Cut(s, "/")
	if ok && slices.Contains(labels, label) {
		return rest
	}
	return s
}

// Entry pairs a configured model ID with the value an [Index] returns for
// it, typically a model group name.
type Entry[V comparable] struct {
	ID    ModelID
	Value V
}

// Index answers "which configured deployments serve the model this request
// names?" for Bedrock IDs. Build it once from the configuration with
// [NewIndex]; it is immutable and safe for concurrent use.
//
// Matching is exact on [ModelID.Canonical], never by prefix or suffix:
//
//   - a foundation-model ARN and its base ID match each other, whichever of
//     the two is configured or requested;
//   - an inference-profile ARN and its system profile ID match each other;
//   - a geography label never matches another (us. is not global.);
//   - an application inference profile ARN matches only itself;
//   - a requested short form application-inference-profile/{id} matches
//     every configured application-inference-profile ARN whose ID is {id}
//     (and a configured short form equal to it), and returns the values of
//     all of them. The short form carries no Region or account: which of
//     the ARNs AWS serves depends on where the request is sent, so a
//     caller must be allowed each of them. (Matching none of them when
//     there are several, as an earlier version did, let the request fall
//     through to whatever serves unknown IDs, such as a "bedrock/*"
//     wildcard deployment: a bypass.)
//   - a short form whose {id} no configured ARN carries matches nothing;
//     the caller decides what serves an unknown ID (the modelacl policy
//     lets wildcard deployments and globs such as "bedrock/*" decide it).
//
// A nil *Index matches nothing.
type Index[V comparable] struct {
	m map[string][]V
}

// NewIndex builds an Index from configured IDs. Several entries may share an
// ID or a value; each key maps to its values once each, in the order first
// seen. It returns an error wrapping [ErrInvalidModelID] if an entry's ID is
// the zero ModelID.
func NewIndex[V comparable](entries ...Entry[V]) (*Index[V], error) {
	ix := &Index[V]{m: make(map[string][]V, len(entries))}
	profileARNs := map[string][]string{} // application profile ID -> distinct ARNs, in order first seen
	for _, e := range entries {
		if !e.ID.IsValid() {
			return nil, &ParseError{Reason: "zero ModelID in index entry"}
		}
		key := e.ID.Canonical()
		ix.add(key, e.Value)
		if e.ID.kind == KindApplicationProfileARN {
			r := e.ID.Resource()
			if !slices.Contains(profileARNs[r], key) {
				profileARNs[r] = append(profileARNs[r], key)
			}
		}
	}
	// The short form means every configured ARN with its ID (see the type
	// documentation): its values are the union of theirs.
	for r, arns := range profileARNs {
		short := shortPrefix + r
		for _, arn := range arns {
			for _, v := range ix.m[arn] {
				ix.add(short, v)
			}
		}
	}
	for k, vs := range ix.m {
		ix.m[k] = slices.Clip(vs)
	}
	return ix, nil
}

func (ix *Index[V]) add(key string, v V) {
	if !slices.Contains(ix.m[key], v) {
		ix.m[key] = append(ix.m[key], v)
	}
}

// Lookup parses the model ID a request names and returns the values of the
// configured IDs it matches. It reports false when requested does not parse
// or matches nothing. The returned slice is shared: do not modify it.
//
// Lookup does not allocate for a well-formed ID.
func (ix *Index[V]) Lookup(requested string) ([]V, bool) {
	id, reason := parse(requested)
	if reason != "" {
		return nil, false
	}
	return ix.LookupID(id)
}

// LookupID is [Index.Lookup] for an already parsed ID.
func (ix *Index[V]) LookupID(id ModelID) ([]V, bool) {
	if ix == nil || !id.IsValid() {
		return nil, false
	}
	vs, ok := ix.m[id.Canonical()]
	return vs, ok
}

// Len returns the number of distinct keys in the index.
func (ix *Index[V]) Len() int {
	if ix == nil {
		return 0
	}
	return len(ix.m)
}
