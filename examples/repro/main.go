// Command repro is the seed scenario in one command:
//
//	go -C examples run ./repro
//
// It starts the reference gateway in-process with mock upstreams, sends
// the requests of the original report (three standard routes, four Bedrock
// routes, and an application inference profile in its short and ARN forms)
// with a key restricted to "common-models" and with a key allowed every
// model, and prints what happened to each. It exits non-zero if a
// restricted request reached an upstream or an allowed one failed.
//
// With -v the gateway's log line for every decision, allowed ones included,
// goes to stderr.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/modelgate/modelgate/examples/internal/repro"
)

func main() {
	verbose := flag.Bool("v", false, "print the gateway's decision log to stderr")
	flag.Parse()
	var logw io.Writer
	if *verbose {
		logw = os.Stderr
	}
	results, err := repro.Run(context.Background(), logw)
	if err != nil {
		fmt.Fprintln(os.Stderr, "repro:", err)
		os.Exit(2)
	}
	ok := repro.PrintTable(os.Stdout, results)
	fmt.Println()
	fmt.Println(repro.Summary(results))
	if !ok {
		os.Exit(1)
	}
}
