package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Counting work instead of timing it: every role of a comparison is run
// under valgrind's cachegrind, which counts the instructions the server
// process executes and simulates its caches, and is sent a fixed number of
// requests twice over (N1, then N2 in a fresh process). The difference of
// the two runs divided by N2-N1 is the cost of one request with start-up,
// warm-up and shut-down cancelled out. The figures do not move with the
// machine's load, so they settle what a noisy throughput ratio cannot: how
// much work the middleware adds per request, and how much of it is
// instruction fetch from outside the first-level cache (code that ran cold
// because the host's own work evicted it since the last request). The
// kernel's share of a request is not counted.

// CountEvents are the cachegrind events a [Count] holds per request, in
// order: instructions, first-level instruction cache misses, data reads,
// first-level data read misses, data writes, first-level data write misses.
var CountEvents = []string{"Ir", "I1mr", "Dr", "D1mr", "Dw", "D1mw"}

// Count is one role's cachegrind figures per request on one shape.
type Count struct {
	Role, Shape string
	PerRequest  []float64 // per CountEvents
}

// CountOptions configure [RunCounts].
type CountOptions struct {
	N1, N2     int    // requests of the two runs; default 1000 and 5000
	Conns      int    // concurrent connections; default 8
	Valgrind   string // the valgrind executable; default "valgrind" from PATH
	Dir        string // where cachegrind writes its files; default a temporary directory
	Comparison string // as in [Options]
	Shape      string // as in [Options]
	Progress   io.Writer
}

// RunCounts measures, for every shape, each role of the comparisons whose
// names contain o.Comparison, once per role and shape.
func RunCounts(ctx context.Context, o CountOptions) ([]Count, error) {
	if o.N1 <= 0 {
		o.N1 = 1000
	}
	if o.N2 <= o.N1 {
		o.N2 = 5 * o.N1
	}
	if o.Conns <= 0 {
		o.Conns = 8
	}
	if o.Valgrind == "" {
		o.Valgrind = "valgrind"
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	vg, err := exec.LookPath(o.Valgrind)
	if err != nil {
		return nil, fmt.Errorf("bench: counting needs valgrind: %w", err)
	}
	if o.Dir == "" {
		dir, err := os.MkdirTemp("", "modelgate-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		o.Dir = dir
	}
	up, _, stopUp, err := StartProcess(RoleUpstream, "")
	if err != nil {
		return nil, err
	}
	defer stopUp()

	var roles []string
	seen := map[string]bool{}
	for _, c := range Comparisons() {
		if !strings.Contains(c.Name, o.Comparison) {
			continue
		}
		for _, r := range []string{c.A, c.B} {
			if !seen[r] {
				seen[r] = true
				roles = append(roles, r)
			}
		}
	}
	var out []Count
	for _, shape := range Shapes() {
		if !strings.Contains(shape.Name, o.Shape) {
			continue
		}
		for _, role := range roles {
			var sums [2][]int64
			for i, n := range []int{o.N1, o.N2} {
				file := filepath.Join(o.Dir, fmt.Sprintf("cg.%s.%d", role, n))
				s, err := countRun(ctx, vg, file, role, up, shape, o.Conns, n)
				if err != nil {
					return nil, fmt.Errorf("bench: %s, %s, %d requests: %w", role, shape.Name, n, err)
				}
				sums[i] = s
			}
			c := Count{Role: role, Shape: shape.Name, PerRequest: make([]float64, len(CountEvents))}
			for k := range CountEvents {
				c.PerRequest[k] = float64(sums[1][k]-sums[0][k]) / float64(o.N2-o.N1)
			}
			fmt.Fprintf(o.Progress, "%-9s %-10s %8.0f instructions, %5.0f I1 misses per request\n", role, shape.Name, c.PerRequest[0], c.PerRequest[1])
			out = append(out, c)
		}
	}
	return out, nil
}

// countRun starts role under cachegrind, sends it n requests of shape,
// stops it and returns its totals of CountEvents.
func countRun(ctx context.Context, vg, file, role, upstream string, shape Shape, conns, n int) ([]int64, error) {
	var vgOut strings.Builder
	cmd, base, err := startRole([]string{vg, "--tool=cachegrind", "--cache-sim=yes", "--cachegrind-out-file=" + file},
		&vgOut, role, upstream)
	if err != nil {
		return nil, fmt.Errorf("%w; valgrind said: %s", err, vgOut.String())
	}
	_, failed := Send(ctx, base, shape, conns, n)
	// The interrupt ends ServeRole, so cachegrind writes its totals.
	if err := interrupt(cmd, 30*time.Second); err != nil {
		return nil, fmt.Errorf("%w; valgrind said: %s", err, vgOut.String())
	}
	if failed > 0 {
		return nil, fmt.Errorf("%d requests failed", failed)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCachegrind(f)
}

// readCachegrind returns the totals of CountEvents from a cachegrind output
// file: its "events:" line names the columns of its "summary:" line.
func readCachegrind(r io.Reader) ([]int64, error) {
	var events, summary []string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "events:"); ok {
			events = strings.Fields(v)
		} else if v, ok := strings.CutPrefix(sc.Text(), "summary:"); ok {
			summary = strings.Fields(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(events) == 0 || len(events) != len(summary) {
		return nil, errors.New("cachegrind output without matching events and summary lines")
	}
	out := make([]int64, len(CountEvents))
	for k, name := range CountEvents {
		i := slices.Index(events, name)
		if i < 0 {
			return nil, fmt.Errorf("cachegrind output without %s (run with --cache-sim=yes)", name)
		}
		v, err := strconv.ParseInt(summary[i], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("cachegrind summary %s: %w", name, err)
		}
		out[k] = v
	}
	return out, nil
}
