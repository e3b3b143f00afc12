package modelacl

import "strings"

// glob is a compiled pattern in which '*' matches any run of bytes
// (including none) and every other byte matches itself. There is no other
// metacharacter: '.', '?', '[', '\' are literal, so "gpt-4.1*" does not
// match "gpt-4x1" (the regex reading of it would).
//
// The pattern is split at '*' into a literal prefix, a literal suffix and
// the literal segments in between. Matching checks the prefix and suffix and
// then finds each middle segment at its leftmost position after the previous
// one. Leftmost-first is optimal for '*'-only globs (taking a later
// occurrence can only leave less room for the rest), so there is no
// backtracking and matching is linear in the name for each segment searched.
type glob struct {
	prefix, suffix string
	middle         []string
	minLen         int // len(prefix)+len(suffix)+sum(len(middle))
}

// compileGlob compiles a pattern that contains at least one '*'. Runs of
// stars are equivalent to one star.
func compileGlob(pattern string) glob {
	first := strings.IndexByte(pattern, '*')
	last := strings.LastIndexByte(pattern, '*')
	g := glob{prefix: pattern[:first], suffix: pattern[last+1:]}
	g.minLen = len(g.prefix) + len(g.suffix)
	for _, seg := range strings.Split(pattern[first+1:last+1], "*") {
		if seg != "" {
			g.middle = append(g.middle, seg)
			g.minLen += len(seg)
		}
	}
	return g
}

func (g *glob) match(s string) bool {
	if len(s) < g.minLen || !strings.HasPrefix(s, g.prefix) || !strings.HasSuffix(s, g.suffix) {
		return false
	}
	s = s[len(g.prefix) : len(s)-len(g.suffix)]
	for _, seg := range g.middle {
		i := strings.Index(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	return true
}

// captures matches s against g and returns the runs the stars matched, in
// order (runs of stars count as one). It is used to carry a wildcard
// deployment's match into its upstream model name.
func (g *glob) captures(s string) ([]string, bool) {
	if !g.match(s) {
		return nil, false
	}
	out := make([]string, 0, len(g.middle)+1)
	s = s[len(g.prefix) : len(s)-len(g.suffix)]
	for _, seg := range g.middle {
		i := strings.Index(s, seg)
		out = append(out, s[:i])
		s = s[i+len(seg):]
	}
	return append(out, s), true
}

// stars reports how many star runs a pattern has ("a**b*" has two).
func stars(pattern string) int {
	n := 0
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == '*' && (i == 0 || pattern[i-1] != '*') {
			n++
		}
	}
	return n
}

// fill replaces the star runs of pattern, in order, with caps. It is only
// called with len(caps) == stars(pattern).
func fill(pattern string, caps []string) string {
	var b strings.Builder
	k := 0
	for i := 0; i < len(pattern); i++ {
		if pattern[i] != '*' {
			b.WriteByte(pattern[i])
			continue
		}
		if i > 0 && pattern[i-1] == '*' {
			continue
		}
		b.WriteString(caps[k])
		k++
	}
	return b.String()
}
