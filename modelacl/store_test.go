package modelacl_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// Two policies that serve the same Bedrock ID from differently named
// groups. The key may call "alpha" only: under policy A the ID is allowed as
// alpha, under B it is denied as beta. A decision that resolves with one
// and decides with the other matches neither.
const swapID = "global.anthropic.claude-haiku-4-5"

func swapPolicy(t testing.TB, group string) *modelacl.Policy {
	t.Helper()
	p, err := modelacl.Compile(modelacl.Config{ModelList: []modelacl.Deployment{
		{ModelName: group, LiteLLMParams: modelacl.LiteLLMParams{Model: "bedrock/" + swapID}},
		{ModelName: "gpt-4o-mini", LiteLLMParams: modelacl.LiteLLMParams{Model: "openai/gpt-4o-mini"}},
	}})
	require.NoError(t, err)
	return p
}

var swapPrincipal = &modelacl.Principal{KeyID: "k", Key: modelacl.Allow("alpha", "gpt-4o-mini")}

// outcome is what a decision says, in a comparable form.
func outcome(d *modelacl.Decision) string {
	return fmt.Sprintf("allowed=%v denied=%q grants=%v", d.Allowed, d.Denied, d.Grants())
}

func TestNewRejectsFixedResolverWithStore(t *testing.T) {
	a := swapPolicy(t, "alpha")
	auth := func(*http.Request, modelacl.Credential) (*modelacl.Principal, error) { return swapPrincipal, nil }

	_, err := modelacl.New(modelacl.Options{Policy: modelacl.NewStore(a), Resolver: a, Authenticate: auth})
	require.ErrorIs(t, err, modelacl.ErrResolverWithStore)

	// A fixed policy with a fixed resolver cannot mix snapshots: accepted.
	_, err = modelacl.New(modelacl.Options{Policy: a, Resolver: a, Authenticate: auth})
	require.NoError(t, err)

	// A Checker built by hand with the same mistake refuses every call.
	c := modelacl.Checker{Policy: modelacl.NewStore(a), Resolver: a}
	d, err := c.CheckNative(swapPrincipal, routeparse.Bedrock, swapID)
	require.ErrorIs(t, err, modelacl.ErrResolverWithStore)
	assert.False(t, d.Allowed)
}

// TestStoreSwapUnderLoadNeverMixesPolicies swaps two policies as fast as it
// can while requests are decided through the middleware, and requires
// every decision to be exactly what one of the two policies decides alone.
func TestStoreSwapUnderLoadNeverMixesPolicies(t *testing.T) {
	a, b := swapPolicy(t, "alpha"), swapPolicy(t, "beta")
	target := "/bedrock/model/" + swapID + "/converse"

	// What each policy decides on its own.
	want := map[string]string{}
	for name, p := range map[string]*modelacl.Policy{"A": a, "B": b} {
		rt, err := (&routeparse.Parser{}).ParseRequest(http.MethodPost, target, "", nil)
		require.NoError(t, err)
		require.NoError(t, (&routeparse.Parser{}).ParseBody(&rt, "application/json", "", []byte(`{}`), 0))
		d, _ := modelacl.Checker{Policy: p}.CheckRoute(swapPrincipal, &rt)
		want[outcome(&d)] = name
	}
	require.Len(t, want, 2, "the two policies must decide differently for the test to see a mix")

	store := modelacl.NewStore(a)
	var mu sync.Mutex
	seen := map[string]int{}
	mw, err := modelacl.New(modelacl.Options{
		Policy:       store,
		Authenticate: func(*http.Request, modelacl.Credential) (*modelacl.Principal, error) { return swapPrincipal, nil },
		OnDecision: func(_ context.Context, d *modelacl.Decision) {
			o := outcome(d)
			mu.Lock()
			seen[o]++
			mu.Unlock()
		},
	})
	require.NoError(t, err)
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))

	// Bounded: at most 20,000 requests or 2 seconds, whichever ends first.
	const workers, perWorker = 8, 2500
	deadline := time.Now().Add(2 * time.Second)
	var stop atomic.Bool
	var swaps atomic.Int64
	swapperDone := make(chan struct{})
	go func() {
		defer close(swapperDone)
		for i := 0; !stop.Load(); i++ {
			if i%2 == 0 {
				store.Store(b)
			} else {
				store.Store(a)
			}
			swaps.Add(1)
			runtime.Gosched() // swap often, without starving the deciders
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := 0; i < perWorker && time.Now().Before(deadline); i++ {
				r := httptest.NewRequest(http.MethodPost, target, http.NoBody)
				r.Header.Set("Authorization", "Bearer x")
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
	wg.Wait()
	stop.Store(true)
	<-swapperDone

	total := 0
	for o, n := range seen {
		total += n
		_, ok := want[o]
		assert.True(t, ok, "%d decisions match neither policy: %s", n, o)
	}
	t.Logf("%d decisions, %d swaps, outcomes %v", total, swaps.Load(), seen)
	require.Positive(t, swaps.Load())
	assert.Len(t, seen, 2, "both policies must have decided some requests, or the swaps were not under load")
}
