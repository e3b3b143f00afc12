// Command gateway is the reference LLM gateway built on modelgate: the
// modelacl middleware in front of a reverse proxy per provider.
//
//	go -C examples run ./gateway [-config FILE] [-addr HOST:PORT]
//	    [-tls-cert FILE -tls-key FILE | -tls-self-signed]
//	    [-read-header-timeout D] [-body-timeout D] [-idle-timeout D] [-max-header-bytes N]
//
// SIGHUP reloads -config (policy and keys, swapped together; upstreams
// and aws need a restart); a file with errors is refused and each error
// logged, the previous configuration staying in force.
//
// It serves HTTP/1.1 and HTTP/2: h2c with prior knowledge on plaintext,
// ALPN h2 with TLS. -tls-self-signed makes a throwaway certificate for
// localhost (local use only; its fingerprint is logged). A zero timeout
// or size takes the default shown by -help; a negative timeout disables
// it.
//
// Without -config it serves the embedded seed scenario; any provider the
// config gives no upstream is served by a built-in mock upstream on a
// loopback port, so it runs without a cloud account. See examples/README.md
// for the configuration and the route table.
package main

import (
	"context"
	"crypto/tls"
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
	tlsCert := flag.String("tls-cert", "", "TLS certificate chain (PEM); serve HTTPS with HTTP/2 and HTTP/1.1")
	tlsKey := flag.String("tls-key", "", "TLS private key (PEM) for -tls-cert")
	selfSigned := flag.Bool("tls-self-signed", false, "serve HTTPS with a throwaway self-signed certificate for localhost (local use only)")
	readHeader := flag.Duration("read-header-timeout", gateway.DefaultReadHeaderTimeout, "time to read a request's headers (and the TLS handshake); negative: none")
	bodyTimeout := flag.Duration("body-timeout", gateway.DefaultBodyReadTimeout, "time to read a request's body; negative: none")
	idle := flag.Duration("idle-timeout", gateway.DefaultIdleTimeout, "close keep-alive and HTTP/2 connections idle this long; negative: none")
	maxHeader := flag.Int("max-header-bytes", gateway.DefaultMaxHeaderBytes, "largest request header block")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	sopts := gateway.ServerOptions{
		ReadHeaderTimeout: *readHeader,
		BodyReadTimeout:   *bodyTimeout,
		IdleTimeout:       *idle,
		MaxHeaderBytes:    *maxHeader,
	}
	var err error
	if sopts.TLS, err = serverTLS(*selfSigned, *tlsCert, *tlsKey, logger); err != nil {
		return err
	}

	var cfg *gateway.Config
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
	sopts.Logger = logger
	scheme := "http"
	if sopts.TLS != nil {
		scheme = "https"
	}
	srv := gateway.NewServer(gw, sopts)
	logger.Info("listening", "addr", scheme+"://"+ln.Addr().String())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// SIGHUP reloads the config file: policy and keys swap together; a
	// file with errors is refused whole, each error logged.
	gw.ReloadOnSignal(ctx, *configPath, syscall.SIGHUP)
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

// serverTLS returns the TLS configuration the flags ask for, nil for
// plaintext.
func serverTLS(selfSigned bool, certFile, keyFile string, logger *slog.Logger) (*tls.Config, error) {
	switch {
	case selfSigned && (certFile != "" || keyFile != ""):
		return nil, errors.New("-tls-self-signed and -tls-cert/-tls-key are exclusive")
	case selfSigned:
		tc, _, fingerprint, err := gateway.SelfSignedTLS()
		if err != nil {
			return nil, err
		}
		logger.Warn("self-signed certificate for localhost: local use only", "sha256", fingerprint)
		return tc, nil
	case certFile != "" || keyFile != "":
		if certFile == "" || keyFile == "" {
			return nil, errors.New("-tls-cert and -tls-key go together")
		}
		return gateway.LoadTLS(certFile, keyFile)
	}
	return nil, nil
}
