package modelacl_test

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/modelacl"
)

// polRefMatch is the textbook recursive glob matcher ('*' = any run, all
// else literal), read straight off the definition. Memoised on the
// (pattern, name) suffix positions so that the fuzzer's many-star inputs do
// not take exponential time.
func polRefMatch(pattern, name string) bool {
	memo := map[[2]int]bool{}
	var match func(i, j int) bool
	match = func(i, j int) bool {
		key := [2]int{i, j}
		if v, ok := memo[key]; ok {
			return v
		}
		var v bool
		switch {
		case i == len(pattern):
			v = j == len(name)
		case pattern[i] == '*':
			v = match(i+1, j) || (j < len(name) && match(i, j+1))
		default:
			v = j < len(name) && name[j] == pattern[i] && match(i+1, j+1)
		}
		memo[key] = v
		return v
	}
	return match(0, 0)
}

// FuzzGlob checks that an allowlist of two entries allows exactly the names
// the reference matcher accepts for either, through the public Check with
// no deployments (so the requested name is the only name a model has).
// Two entries exercise the index of globs by literal prefix. The last seeds
// are shapes that make a backtracking matcher blow up.
func FuzzGlob(f *testing.F) {
	for _, s := range [][3]string{
		{"gpt-4.1*", "x", "gpt-4x1"}, {"bedrock/*", "bedrock", "bedrockz/x"}, {"a*b*c", "ab*", "abcabc"},
		{"*a*a*a*b", "a*", "aaaaaaaaab"}, {"ab*ba", "abc*", "aba"}, {"**", "", "x"}, {"*x*", "y*", "yyy"},
		{"", "b", "a"}, {"a", "a*", "A"}, {"*", "x", "anything"}, {"gpt-*", "gpt-4*", "gpt-4o"},
		{"a*a*a*a*a*a*a*a*a*a*b", "a*a*a*c", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	policy, err := modelacl.Compile(modelacl.Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p1, p2, name string) {
		if len(p1) > 64 || len(p2) > 64 || len(name) > 256 || name == "" {
			return
		}
		for _, s := range []string{p1, p2, name} {
			if s == modelacl.AllProxyModels || s == modelacl.AllTeamModels {
				return // sentinels, not globs, and not model names
			}
		}
		if name == modelacl.AllModels {
			return // "*" is allowlist vocabulary, never a model name
		}
		d, err := policy.Check(&modelacl.Principal{Key: modelacl.Allow(p1, p2)}, name)
		want := polRefMatch(p1, name) || polRefMatch(p2, name)
		if d.Allowed != want || (err == nil) != want {
			t.Fatalf("Allow(%q, %q) on %q: allowed=%v err=%v, reference says %v", p1, p2, name, d.Allowed, err, want)
		}
	})
}

// Vocabulary for FuzzPolicyInvariants: small, so that random configs and
// lists collide often.
var (
	polFuzzGroups    = []string{"a", "b", "openai/x", "bedrock/*", "*", "c-*"}
	polFuzzUpstreams = []string{"openai/a", "azure/a", "bedrock/us.y", "openai/x", "bedrock/*", "openai/*"}
	polFuzzAccess    = []string{"g1", "g2"}
	polFuzzEntries   = []string{"a", "b", "g1", "g2", "openai/*", "azure/*", "*", "all-team-models", "bedrock/*", "c-*", "openai/x"}
	polFuzzRequests  = []string{"a", "b", "openai/x", "openai/z", "bedrock/us.y", "c-1", "g1", "zz", "azure/a"}
)

// polFuzzReader hands out bytes of fuzz input, then zeros.
type polFuzzReader struct{ b []byte }

func (r *polFuzzReader) next() int {
	if len(r.b) == 0 {
		return 0
	}
	v := int(r.b[0])
	r.b = r.b[1:]
	return v
}

func (r *polFuzzReader) pick(list []string) string { return list[r.next()%len(list)] }

func (r *polFuzzReader) allowlist() modelacl.Allowlist {
	n := r.next() % 5
	if n == 4 {
		return modelacl.Allowlist{} // unset
	}
	var entries []string
	for range n {
		entries = append(entries, r.pick(polFuzzEntries))
	}
	return modelacl.Allow(entries...)
}

// FuzzPolicyInvariants builds random configurations and principals and
// checks properties that any correct policy has, whatever its internals:
// a longer list never denies what a shorter one allowed, a scope never
// allows more when combined with another, an alias decides exactly like
// its target, the compatibility switch only widens, and listing agrees
// with checking.
func FuzzPolicyInvariants(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{5, 0, 0, 1, 2, 1, 3, 2, 2, 4, 5, 1, 2, 3, 0, 9, 9, 9, 1})
	f.Add([]byte{255, 17, 3, 200, 7, 7, 7, 1, 0, 3, 3, 3, 3, 3, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &polFuzzReader{b: data}
		var cfg modelacl.Config
		for range r.next() % 6 {
			d := modelacl.Deployment{ModelName: r.pick(polFuzzGroups), LiteLLMParams: modelacl.LiteLLMParams{Model: r.pick(polFuzzUpstreams)}}
			for range r.next() % 3 {
				d.ModelInfo.AccessGroups = append(d.ModelInfo.AccessGroups, r.pick(polFuzzAccess))
			}
			cfg.ModelList = append(cfg.ModelList, d)
		}
		strict, err := modelacl.Compile(cfg)
		if err != nil {
			return // e.g. a wildcard upstream under an exact name
		}
		cfg.LiteLLMCompat = true
		compat, err := modelacl.Compile(cfg)
		if err != nil {
			t.Fatalf("compatibility mode changed validity: %v", err)
		}
		pr := modelacl.Principal{Key: r.allowlist(), TeamID: "t", Team: r.allowlist()}
		if r.next()%2 == 0 {
			pr.TeamID = ""
		}
		req := r.pick(polFuzzRequests)
		extra := r.pick(polFuzzEntries)
		allowed := func(p *modelacl.Policy, pr modelacl.Principal, name string) bool {
			d, err := p.Check(&pr, name)
			if d.Allowed != (err == nil) {
				t.Fatalf("Allowed=%v but err=%v", d.Allowed, err)
			}
			return d.Allowed
		}

		base := allowed(strict, pr, req)

		// Monotonic: one more entry on the key never denies.
		if base && pr.Key.IsSet() {
			wider := pr
			wider.Key = modelacl.Allow(append(pr.Key.Entries(), extra)...)
			if !allowed(strict, wider, req) {
				t.Fatalf("adding %q to the key denied %q", extra, req)
			}
		}
		// AND: what key and team allow together, the team allows alone.
		if base && pr.Team.IsSet() {
			teamOnly := pr
			teamOnly.Key = modelacl.Allowlist{}
			if !allowed(strict, teamOnly, req) {
				t.Fatalf("team alone denied %q that key+team allowed", req)
			}
		}
		// Aliases: an alias decides exactly like its target.
		aliased := pr
		aliased.Aliases = map[string]string{"alias-name": req}
		if allowed(strict, aliased, "alias-name") != base {
			t.Fatalf("alias to %q decided differently from %q", req, req)
		}
		// Compatibility only widens.
		if base && !allowed(compat, pr, req) {
			t.Fatalf("compatibility mode denied %q", req)
		}
		// Listing agrees with checking, for every configured group name.
		listed := map[string]bool{}
		for _, m := range strict.Models(&pr) {
			listed[m] = true
		}
		for _, d := range cfg.ModelList {
			if strings.Contains(d.ModelName, "*") {
				continue
			}
			if listed[d.ModelName] != allowed(strict, pr, d.ModelName) {
				t.Fatalf("Models and Check disagree on %q", d.ModelName)
			}
		}
	})
}
