// Package bench measures what modelgate costs end to end, on loopback, in
// one invocation: each comparison runs its two servers in alternating
// rounds (A B, B A, A B, ...) against the same upstream, so a noisy
// machine slows both sides alike and the ratio of their throughputs is
// what it reports. Absolute numbers from a shared machine mean little.
//
// Two comparisons, each for three request shapes (a Bedrock request whose
// model is in the path, a 1 KiB chat body, a 1 MiB chat body):
//
//   - library: a tuned host (an httputil.ReverseProxy with a buffer pool and
//     an idle pool sized for the load) with the modelacl middleware in front,
//     against the same host without it. The ratio is the library's cost.
//   - gateway: the reference gateway (examples/internal/gateway) against a
//     bare httputil.ReverseProxy with every default. The ratio is what a
//     user of the reference gateway gets against proxying with no checks.
//
// The tuned host roles set their GC percent to [DefaultHostGOGC] (or what
// [HostGOGCEnv] says), as a host tuned for production would: see there.
//
// Every server runs in its own process (the bench binary started again
// with a role), so the CPU each one spends per request is read from
// /proc/<pid>/stat apart from the load generator's and the upstream's.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelgate/modelgate/examples/internal/gateway"
	"github.com/modelgate/modelgate/modelacl"
)

// Roles a server process can play.
const (
	RoleUpstream = "upstream"  // answers every request with a small JSON body
	RoleBare     = "bare"      // httputil.NewSingleHostReverseProxy, all defaults
	RoleHost     = "host"      // tuned proxy, no middleware
	RoleHostACL  = "host-acl"  // tuned proxy behind the modelacl middleware
	RoleHostBuf  = "host-buf"  // tuned proxy that reads each body into memory first, checking nothing
	RoleGateway  = "gateway"   // the reference gateway
	allowedKey   = "sk-bench"  // the key every request carries
	benchModel   = "gpt-bench" // the chat model of the body shapes
)

// benchConfig is the reference gateway's configuration for the run: one
// Bedrock and one OpenAI model, a key allowed both, every upstream the bench
// upstream.
const benchConfig = `
model_list:
  - model_name: claude-bench
    litellm_params: {model: bedrock/global.anthropic.claude-haiku-4-5}
  - model_name: gpt-bench
    litellm_params: {model: openai/gpt-bench}
keys:
  - {key: sk-bench, key_alias: bench, models: [claude-bench, gpt-bench]}
upstreams: {bedrock: UPSTREAM, openai: UPSTREAM}
`

// Handler returns the http.Handler of a role. upstream is the URL of the
// upstream role; the upstream role itself ignores it.
func Handler(role, upstream string) (http.Handler, error) {
	if role == RoleUpstream {
		return upstreamHandler(), nil
	}
	target, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	switch role {
	case RoleBare:
		return httputil.NewSingleHostReverseProxy(target), nil
	case RoleHost:
		return tunedProxy(target), nil
	case RoleHostACL:
		return protect(tunedProxy(target))
	case RoleHostBuf:
		return bufferFirst(tunedProxy(target)), nil
	case RoleGateway:
		cfg, err := gateway.ParseConfig([]byte(strings.ReplaceAll(benchConfig, "UPSTREAM", upstream)))
		if err != nil {
			return nil, err
		}
		// The gateway as its command runs it, logging to a text handler;
		// the lines go nowhere so the terminal does not set the pace.
		return gateway.New(cfg, gateway.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}
	return nil, fmt.Errorf("bench: unknown role %q", role)
}

// HostGOGCEnv names the environment variable that sets the GC percent of
// the tuned host roles (host, host-acl, host-buf); unset, they use
// [DefaultHostGOGC]. The upstream, the bare proxy and the reference gateway
// keep the runtime's default.
const HostGOGCEnv = "MODELGATE_BENCH_HOST_GOGC"

// DefaultHostGOGC is the tuned host's GOGC. The bench's host holds almost
// no live heap, so at the runtime's default of 100 its heap goal sits on
// the runtime's 4 MB floor: it collects every few hundred requests, and
// the scavenger hands pages back to the kernel that the next cycle faults
// in again. That churn charges every byte a request allocates several
// times over (reading a 1 KiB body into a buffer, checking nothing, costs
// 2-6% of throughput with it and nothing without it), which a host with a
// working set of its own never sees. 200 is the smallest setting at which
// the churn stops on the development VM (page faults and madvise calls per
// request, read with perf, fall to zero); it gives the heap goal of a host
// holding 4 MB of live data at the default.
const DefaultHostGOGC = 200

// HostGOGC parses the value of [HostGOGCEnv]: a positive integer, or empty
// for [DefaultHostGOGC].
func HostGOGC(v string) (int, error) {
	if v == "" {
		return DefaultHostGOGC, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bench: %s=%q: want a positive integer", HostGOGCEnv, v)
	}
	return n, nil
}

// tunedHost reports whether role is one of the tuned host roles.
func tunedHost(role string) bool {
	return role == RoleHost || role == RoleHostACL || role == RoleHostBuf
}

// upstreamHandler reads the whole request body and answers with a fixed
// JSON body of known length, as a non-streaming completion would.
func upstreamHandler() http.Handler {
	resp := []byte(`{"id":"bench","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(len(resp)))
		_, _ = w.Write(resp)
	})
}

// tunedProxy is what a host tuned for production runs: a buffer pool, an
// idle pool that fits the load, no forced flushing (ReverseProxy flushes
// streamed responses by itself).
func tunedProxy(target *url.URL) http.Handler {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 256
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = ""
		},
		Transport:  tr,
		BufferPool: newBufferPool(),
	}
}

// protect puts the modelacl middleware in front of h, with a policy that
// allows the bench key the bench models, and no logger: the host decides
// what it logs.
func protect(h http.Handler) (http.Handler, error) {
	cfg, err := gateway.ParseConfig([]byte(strings.ReplaceAll(benchConfig, "UPSTREAM", "http://127.0.0.1:1")))
	if err != nil {
		return nil, err
	}
	policy, err := modelacl.Compile(cfg.Policy)
	if err != nil {
		return nil, err
	}
	pr := &modelacl.Principal{KeyID: "bench", Key: modelacl.Allow("claude-bench", "gpt-bench")}
	mw, err := modelacl.New(modelacl.Options{
		Policy: policy,
		Authenticate: func(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
			if c.Secret != allowedKey {
				return nil, modelacl.ErrUnknownKey
			}
			return pr, nil
		},
	})
	if err != nil {
		return nil, err
	}
	return mw.Handler(h), nil
}

// bufferFirst reads each request body into memory before calling h, as
// any middleware that inspects bodies must, into one buffer of the size
// Content-Length gives, and checks nothing: the floor under what a
// body-reading checker can cost.
func bufferFirst(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b []byte
		var err error
		if r.ContentLength >= 0 {
			b = make([]byte, r.ContentLength)
			_, err = io.ReadFull(r.Body, b)
		} else {
			b, err = io.ReadAll(r.Body)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		h.ServeHTTP(w, r)
	})
}

type bufferPool struct{ p sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

func (b *bufferPool) Get() []byte  { return *b.p.Get().(*[]byte) }
func (b *bufferPool) Put(p []byte) { b.p.Put(&p) }

// Shape is one kind of request the load generator sends.
type Shape struct {
	Name string
	Path string
	Body []byte
}

// Shapes returns the three request shapes of the run.
func Shapes() []Shape {
	return []Shape{
		{Name: "path model", Path: "/bedrock/model/global.anthropic.claude-haiku-4-5/invoke",
			Body: []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`)},
		{Name: "1 KiB body", Path: "/v1/chat/completions", Body: chatBody(1 << 10)},
		{Name: "1 MiB body", Path: "/v1/chat/completions", Body: chatBody(1 << 20)},
	}
}

// chatBody is a chat completion request of about n bytes whose model is
// the last member, so a parser must read all of it.
func chatBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"messages":[{"role":"user","content":"`)
	filler := n - b.Len() - len(`"}],"model":"`+benchModel+`"}`)
	for i := 0; i < filler; i++ {
		b.WriteByte('a' + byte(i%26))
	}
	b.WriteString(`"}],"model":"` + benchModel + `"}`)
	return b.Bytes()
}

// Load sends shape to base from conns connections until d has passed,
// letting the requests under way finish, and returns the number of
// completed requests and of failed ones (any status but 200, or a transport
// error). Cancelling ctx aborts everything.
func Load(ctx context.Context, base string, shape Shape, conns int, d time.Duration) (ok, failed int64) {
	deadline := time.Now().Add(d)
	return drive(ctx, base, shape, conns, func() bool { return time.Now().Before(deadline) })
}

// Send sends n requests of shape to base from conns connections, and
// returns what [Load] does.
func Send(ctx context.Context, base string, shape Shape, conns, n int) (ok, failed int64) {
	var left atomic.Int64
	left.Store(int64(n))
	return drive(ctx, base, shape, conns, func() bool { return left.Add(-1) >= 0 })
}

// drive sends shape to base from conns connections for as long as more
// says, and counts the answers as [Load] does.
func drive(ctx context.Context, base string, shape Shape, conns int, more func() bool) (ok, failed int64) {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var o, f int64
			for ctx.Err() == nil && more() {
				if send(ctx, client, base, shape) {
					o++
				} else if ctx.Err() == nil {
					f++
				}
			}
			mu.Lock()
			ok, failed = ok+o, failed+f
			mu.Unlock()
		})
	}
	wg.Wait()
	return ok, failed
}

// send makes one request and reports whether it was answered with 200.
func send(ctx context.Context, client *http.Client, base string, shape Shape) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+shape.Path, bytes.NewReader(shape.Body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+allowedKey)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Comparison names two roles measured against each other: the ratio is
// B's throughput over A's.
type Comparison struct {
	Name string
	A, B string
	Goal float64 // the ratio it must reach; per shape where Goal1MiB is set
	// Goal1MiB, when set, replaces Goal for the 1 MiB shape.
	Goal1MiB float64
}

// Comparisons are the two the README reports.
func Comparisons() []Comparison {
	return []Comparison{
		// The 1 MiB goal of both is 0.9: a checker holds the whole body
		// before it forwards any of it, and scans it.
		{Name: "library: tuned host with / without the middleware", A: RoleHost, B: RoleHostACL, Goal: 0.97, Goal1MiB: 0.9},
		// No goal: what reading the body before forwarding costs by itself,
		// to read the library's figures against.
		{Name: "buffering: tuned host reading each body first / without", A: RoleHost, B: RoleHostBuf},
		{Name: "gateway: reference gateway / bare ReverseProxy", A: RoleBare, B: RoleGateway, Goal: 1.0, Goal1MiB: 0.9},
	}
}

// GoalFor returns the goal of c for shape.
func (c Comparison) GoalFor(shape string) float64 {
	if c.Goal1MiB != 0 && strings.Contains(shape, "MiB") {
		return c.Goal1MiB
	}
	return c.Goal
}

// Side is one server's totals over all rounds of a comparison.
type Side struct {
	Role     string
	Requests int64
	Failed   int64
	Elapsed  time.Duration
	CPU      time.Duration // the server process's user+system CPU
	Rest     time.Duration // the load generator's and the upstream's, meanwhile
}

// PerSecond is the side's throughput.
func (s Side) PerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// CPUPerRequest is the server's CPU time per completed request.
func (s Side) CPUPerRequest() time.Duration {
	if s.Requests == 0 {
		return 0
	}
	return s.CPU / time.Duration(s.Requests)
}

// RestPerRequest is the CPU the load generator and the upstream spent per
// request completed by this side.
func (s Side) RestPerRequest() time.Duration {
	if s.Requests == 0 {
		return 0
	}
	return s.Rest / time.Duration(s.Requests)
}

// Result is one comparison on one shape.
type Result struct {
	Comparison Comparison
	Shape      string
	A, B       Side
	// Rounds holds B/A for each pair of rounds, to show the spread.
	Rounds []float64
}

// Ratio is B's total throughput over A's.
func (r Result) Ratio() float64 {
	if r.A.PerSecond() == 0 {
		return 0
	}
	return r.B.PerSecond() / r.A.PerSecond()
}

// Spread returns the smallest and largest per-round ratio.
func (r Result) Spread() (lo, hi float64) {
	for i, x := range r.Rounds {
		if i == 0 || x < lo {
			lo = x
		}
		if i == 0 || x > hi {
			hi = x
		}
	}
	return lo, hi
}
