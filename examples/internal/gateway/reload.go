package gateway

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
)

// Reload puts cfg in force: its policy (model_list, litellm_compat,
// router_settings), its key store (keys, teams, users, orgs) and its
// deny_status, compiled together and swapped in as one snapshot. A request
// already being served finishes with the configuration it started with;
// every later one sees the new one, whole.
//
// The wiring stays: upstreams and aws cannot change without a restart (the
// proxies and their connection pools are built once). A provider that cfg
// gives no upstream keeps the one it has (a mock upstream included); one
// that cfg points elsewhere is an error.
//
// On any error nothing changes and the error lists every problem found
// (errors.Join).
func (g *Gateway) Reload(cfg *Config) error {
	var errs []error
	next := cfg.Upstreams
	cur := g.upstreams
	curFields := cur.fields()
	for i, f := range next.fields() {
		switch *f.url {
		case "", *curFields[i].url:
			*f.url = *curFields[i].url
		default:
			errs = append(errs, fmt.Errorf("gateway config: upstreams.%s changed (%q to %q): restart the gateway to change upstreams", f.name, *curFields[i].url, *f.url))
		}
	}
	if !sameAWS(cfg.AWS, g.aws) {
		errs = append(errs, errors.New("gateway config: aws changed: restart the gateway to change the Bedrock signing credentials"))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	gen, err := g.build(cfg)
	if err != nil {
		return err
	}
	gen.handler = gen.mw.Handler(g.dispatch)
	g.gen.Store(gen)
	for _, s := range cfg.Ignored() {
		g.logger.Warn("config: LiteLLM setting ignored by this gateway", "setting", s)
	}
	return nil
}

func sameAWS(a, b *AWS) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// ReloadFile reads the config file at path (the embedded default config
// when path is "") and puts it in force with [Gateway.Reload]. It logs the
// outcome: one line per problem when the file is refused, and the
// previous configuration stays in force.
func (g *Gateway) ReloadFile(path string) error {
	var (
		cfg *Config
		err error
	)
	if path == "" {
		cfg, err = ParseConfig(DefaultConfig)
	} else {
		cfg, err = LoadConfig(path)
	}
	if err == nil {
		err = g.Reload(cfg)
	}
	if err != nil {
		for _, e := range flatten(err) {
			g.logger.Error("config reload refused; the previous configuration stays in force", "path", path, "err", e)
		}
		return err
	}
	g.logger.Info("config reloaded", "path", path)
	return nil
}

// ReloadOnSignal calls [Gateway.ReloadFile] for path each time the process
// receives one of sigs (SIGHUP in the gateway command), until ctx is done.
// It returns once the signals are being watched.
func (g *Gateway) ReloadOnSignal(ctx context.Context, path string, sigs ...os.Signal) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	go func() {
		defer signal.Stop(ch)
		for {
			select {
			case <-ctx.Done():
				return
			case <-ch:
				_ = g.ReloadFile(path)
			}
		}
	}()
}

// flatten lists the errors err joins, depth first; err itself when it
// joins none.
func flatten(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, flatten(e)...)
	}
	return out
}
