// Command gateway is the reference LLM gateway built on modelgate: the
// modelacl middleware in front of a reverse proxy per provider.
//
//	go -C examples run ./gateway [-config FILE] [-addr HOST:PORT]
//
// Without -config it serves the embedded seed scenario; any provider the
// config gives no upstream is served by a built-in mock upstream on a
// loopback port, so it runs without a cloud account. See examples/README.md
// for the configuration and the route table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/modelgate/modelgate/examples/internal/gateway"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func run() error {
	configPath := flag.String("config", "", "YAML config file (default: the embedded seed scenario)")
	addr := flag.String("addr", "127.0.0.1:4000", "listen address")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	var (
		cfg *gateway.Config
		err error
	)
	if *configPath == "" {
		cfg, err = gateway.ParseConfig(gateway.DefaultConfig)
	} else {
		cfg, err = gateway.LoadConfig(*configPath)
	}
	if err != nil {
		return err
	}
	mocks, err := cfg.StartMocks()
	if err != nil {
		return err
	}
	defer func() { _ = mocks.Close() }()
	names := make([]string, 0, len(mocks))
	for name := range mocks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		logger.Info("mock upstream", "provider", name, "url", mocks[name].URL())
	}

	gw, err := gateway.New(cfg, gateway.Options{Logger: logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	logger.Info("listening", "addr", "http://"+ln.Addr().String())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
