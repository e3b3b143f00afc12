package modelacl_test

import (
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
		for _, p := range []string{p1, p2} {
			if p == modelacl.AllProxyModels || p == modelacl.AllTeamModels {
				return // sentinels, not globs
			}
		}
		d, err := policy.Check(&modelacl.Principal{Key: modelacl.Allow(p1, p2)}, name)
		want := polRefMatch(p1, name) || polRefMatch(p2, name)
		if d.Allowed != want || (err == nil) != want {
			t.Fatalf("Allow(%q, %q) on %q: allowed=%v err=%v, reference says %v", p1, p2, name, d.Allowed, err, want)
		}
	})
}
