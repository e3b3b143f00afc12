// Command bench measures modelgate's cost end to end on loopback, in one
// invocation of alternating rounds, and prints throughput ratios with the
// CPU each server spends per request:
//
//	go -C examples run ./bench [-rounds 4] [-round 2s] [-conns 8] [-host-gogc 200] [-svg FILE]
//
// (a) a tuned host with the modelacl middleware against the same host
// without it, and (b) the reference gateway against a bare default
// httputil.ReverseProxy, each for a Bedrock path-model request, a 1 KiB
// and a 1 MiB chat body. With -svg it also writes the README's chart.
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
	flag.Parse()
	if *role == "" { // the server processes inherit it
		if err := os.Setenv(bench.HostGOGCEnv, strconv.Itoa(*hostGOGC)); err != nil {
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
