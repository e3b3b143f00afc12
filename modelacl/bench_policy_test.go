package modelacl_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// A policy of realistic size for a large multi-tenant gateway: 10,000
// model groups on three providers, 1,000 access groups, two wildcard
// deployments, and a key whose list has 5,000 names, 500 access groups and
// 100 globs (99 "family-NN-*-v*" and "openai/*").
const (
	polBenchGroups       = 10000
	polBenchAccessGroups = 1000
	polBenchGlobs        = 100
)

var polBigPolicy = sync.OnceValues(func() (*modelacl.Policy, *modelacl.Principal) {
	providers := []string{"openai/", "azure/", "bedrock/us.vendor."}
	cfg := modelacl.Config{}
	for i := range polBenchGroups {
		cfg.ModelList = append(cfg.ModelList, polDep(
			fmt.Sprintf("model-%05d", i),
			fmt.Sprintf("%smodel-%05d", providers[i%len(providers)], i),
			fmt.Sprintf("ag-%04d", i%polBenchAccessGroups),
		))
	}
	cfg.ModelList = append(cfg.ModelList, polDep("openai/*", "openai/*"), polDep("bedrock/*", "bedrock/*"))
	p, err := modelacl.Compile(cfg)
	if err != nil {
		panic(err)
	}
	var entries []string
	for i := 0; i < polBenchGroups; i += 2 {
		entries = append(entries, fmt.Sprintf("model-%05d", i))
	}
	for i := range polBenchAccessGroups / 2 {
		entries = append(entries, fmt.Sprintf("ag-%04d", i))
	}
	for i := range polBenchGlobs - 1 {
		entries = append(entries, fmt.Sprintf("family-%02d-*-v*", i))
	}
	entries = append(entries, "openai/*")
	pr := &modelacl.Principal{KeyID: "bench", Key: modelacl.Allow(entries...), TeamID: "t", Team: modelacl.AllowAll()}
	return p, pr
})

// polAdversarialPrincipal has 100 globs with many stars that each get past
// their prefix and suffix on a long run of 'a' and fail only after scanning
// the whole name for their last segment.
func polAdversarialPrincipal() *modelacl.Principal {
	var globs []string
	for i := range polBenchGlobs {
		globs = append(globs, strings.Repeat("a*", 10+i%20)+"ab*a")
	}
	return &modelacl.Principal{Key: modelacl.Allow(globs...)}
}

var polBenchCases = []struct {
	name  string
	model string
	allow bool
}{
	{"exact-hit", "model-04242", true},
	{"glob-hit", "family-98-large-v2", true},
	{"access-group-hit", "model-00001", true},             // odd: not listed by name; ag-0001 is
	{"wildcard-deployment-hit", "openai/brand-new", true}, // served by openai/*, allowed by the last glob
	{"miss", "model-00997", false},                        // odd, on azure/, ag-0997 not listed
}

func BenchmarkPolicyCheck(b *testing.B) {
	p, pr := polBigPolicy()
	for _, bc := range polBenchCases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, _ := p.Check(pr, bc.model)
				if d.Allowed != bc.allow {
					b.Fatalf("%s: allowed=%v", bc.model, d.Allowed)
				}
			}
		})
	}
	b.Run("adversarial-4KiB-vs-100-globs", func(b *testing.B) {
		adv := polAdversarialPrincipal()
		name := strings.Repeat("a", 4096)
		b.ReportAllocs()
		for b.Loop() {
			if d, _ := p.Check(adv, name); d.Allowed {
				b.Fatal("allowed")
			}
		}
	})
	b.Run("resolve-bedrock", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if names, _ := p.Resolve(routeparse.Bedrock, "us.vendor.model-00002"); len(names) != 1 {
				b.Fatal(names)
			}
		}
	})
}

func TestBigPolicyAllowIsAllocationFree(t *testing.T) {
	p, pr := polBigPolicy()
	for _, bc := range polBenchCases {
		d, _ := p.Check(pr, bc.model)
		require.Equal(t, bc.allow, d.Allowed, bc.name)
		if !bc.allow {
			continue
		}
		allocs := testing.AllocsPerRun(50, func() { _, _ = p.Check(pr, bc.model) })
		require.Zero(t, allocs, bc.name)
	}
	d, _ := p.Check(polAdversarialPrincipal(), strings.Repeat("a", 4096))
	require.False(t, d.Allowed)
}
