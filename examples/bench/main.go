// Command bench measures modelgate's cost end to end on loopback, in one
// invocation of alternating rounds, and prints throughput ratios with the
// CPU each server spends per request:
//
//	go -C examples run ./bench [-rounds 4] [-round 2s] [-conns 8] [-host-gogc 200] [-svg FILE]
//	go -C examples run ./bench -count [-n1 1000] [-n2 5000] [-only library] [-shape KiB]
//
// (a) a tuned host with the modelacl middleware against the same host
// without it, and (b) the reference gateway against a bare default
// httputil.ReverseProxy, each for a Bedrock path-model request, a 1 KiB
// and a 1 MiB chat body. With -svg it also writes the README's chart.
// With -count it times nothing: it runs each role under valgrind's
// cachegrind and prints the instructions and simulated cache misses each
// spends per request (see bench.RunCounts).
// Every server is a child process on a loopback port; see
// examples/internal/bench.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/modelgate/modelgate/examples/internal/bench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	role := flag.String("role", "", "internal: serve this role (started by the bench itself)")
	upstream := flag.String("upstream", "", "internal: the upstream's URL for -role")
	rounds := flag.Int("rounds", 4, "pairs of alternating rounds per comparison and shape")
	round := flag.Duration("round", 2*time.Second, "length of one round")
	conns := flag.Int("conns", 8, "concurrent connections of the load generator")
	svg := flag.String("svg", "", "write the chart of the ratios to this SVG file")
	quiet := flag.Bool("q", false, "do not print each round")
	only := flag.String("only", "", "run only the comparisons whose name contains this (library, gateway)")
	shape := flag.String("shape", "", "run only the shapes whose name contains this (path, KiB, MiB)")
	profile := flag.String("cpuprofile", "", "write each server's CPU profile into this directory as ROLE.pprof")
	hostGOGC := flag.Int("host-gogc", bench.DefaultHostGOGC, "GOGC of the tuned host roles (100 is the runtime's default)")
	count := flag.Bool("count", false, "instead of timing, count each role's instructions and cache misses per request under valgrind's cachegrind")
	n1 := flag.Int("n1", 1000, "with -count: requests of the first run")
	n2 := flag.Int("n2", 5000, "with -count: requests of the second run")
	flag.Parse()
	if *role == "" { // the server processes inherit it
		v := strconv.Itoa(*hostGOGC)
		if _, err := bench.HostGOGC(v); err != nil {
			return err
		}
		if err := os.Setenv(bench.HostGOGCEnv, v); err != nil {
			return err
		}
	}
	if *profile != "" {
		dir, err := filepath.Abs(*profile)
		if err != nil {
			return err
		}
		if err := os.Setenv(bench.ProfileEnv, dir); err != nil { // the server processes inherit it
			return err
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *role != "" {
		return bench.ServeRole(ctx, *role, *upstream, os.Stdout)
	}
	if *count {
		counts, err := bench.RunCounts(ctx, bench.CountOptions{N1: *n1, N2: *n2, Conns: *conns, Comparison: *only, Shape: *shape, Progress: os.Stderr})
		if err != nil {
			return err
		}
		fmt.Printf("%s/%s, cachegrind, per request: (%d-request run - %d-request run) / %d, tuned hosts at GOGC=%d\n\n",
			runtime.GOOS, runtime.GOARCH, *n2, *n1, *n2-*n1, *hostGOGC)
		bench.WriteCounts(os.Stdout, counts)
		return nil
	}
	o := bench.Options{Rounds: *rounds, Round: *round, Conns: *conns, Progress: os.Stderr, Comparison: *only, Shape: *shape}
	if *quiet {
		o.Progress = nil
	}
	results, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("%s/%s, %d CPUs, %d connections, %d x 2 rounds of %s per comparison and shape, tuned hosts at GOGC=%d\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), *conns, *rounds, *round, *hostGOGC)
	bench.WriteTable(os.Stdout, results)
	if *svg != "" {
		f, err := os.Create(*svg)
		if err != nil {
			return err
		}
		caption := fmt.Sprintf("Throughput ratio B/A, one run of go -C examples run ./bench\n%d connections, %d x 2 alternating rounds of %s per bar, %d CPUs, tuned hosts at GOGC=%d", *conns, *rounds, *round, runtime.NumCPU(), *hostGOGC)
		if err := bench.WriteSVG(f, results, caption); err != nil {
			_ = f.Close()
			return err
		}
		return f.Close()
	}
	return nil
}
