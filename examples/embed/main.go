// Command embed is a small LLM gateway built on modelacl: every request is
// authorized for every model it names, then forwarded to its provider.
//
//	go -C examples run ./embed -config embed/config.yaml
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/modelgate/modelgate/modelacl"
)

// config is LiteLLM's model_list and router_settings, plus this gateway's
// keys and upstreams.
type config struct {
	modelacl.Config
	Keys      map[string]key    `json:"keys"`      // secret -> key
	Upstreams map[string]string `json:"upstreams"` // "openai", "anthropic", ... -> base URL
}

type key struct {
	ID      string             `json:"id"`
	Models  modelacl.Allowlist `json:"models"` // absent: unset; []: denies all
	Aliases map[string]string  `json:"aliases"`
}

// upstreamAuth is how each provider takes the gateway's own key; the
// middleware has removed the client's. (Bedrock wants SigV4: use
// bedrock/sigv4's Signer.RoundTripper as that proxy's Transport.)
var upstreamAuth = map[string]struct{ header, prefix, env string }{
	"openai":    {"Authorization", "Bearer ", "OPENAI_API_KEY"},
	"anthropic": {"X-Api-Key", "", "ANTHROPIC_API_KEY"},
	"gemini":    {"X-Goog-Api-Key", "", "GEMINI_API_KEY"},
}

func main() {
	path := flag.String("config", "config.yaml", "YAML or JSON configuration")
	addr := flag.String("addr", "127.0.0.1:4000", "listen address")
	flag.Parse()
	raw, err := os.ReadFile(*path)
	if err != nil {
		log.Fatal(err)
	}
	h, err := newGateway(raw)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Fatal(srv.ListenAndServe())
}

func newGateway(raw []byte) (http.Handler, error) {
	// YAML (a superset of JSON) to generic values, then JSON, which is how
	// modelacl reads a config: an allowlist's states (absent, [], a list)
	// survive.
	var generic any
	if err := yaml.Unmarshal(raw, &generic); err != nil {
		return nil, err
	}
	js, err := json.Marshal(generic)
	if err != nil {
		return nil, err
	}
	var cfg config
	if err := json.Unmarshal(js, &cfg); err != nil {
		return nil, err
	}
	policy, err := modelacl.Compile(cfg.Config) // every problem at once
	if err != nil {
		return nil, err
	}
	keys := make(map[string]*modelacl.Principal, len(cfg.Keys))
	for secret, k := range cfg.Keys {
		keys[secret] = &modelacl.Principal{KeyID: k.ID, Key: k.Models, Aliases: k.Aliases}
	}
	proxies := make(map[string]*httputil.ReverseProxy, len(cfg.Upstreams))
	for provider, base := range cfg.Upstreams {
		u, err := url.Parse(base)
		if err != nil {
			return nil, err
		}
		auth := upstreamAuth[provider]
		secret := os.Getenv(auth.env)
		proxies[provider] = &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u) // joins u's path with the escaped path set below
			if auth.header != "" {
				pr.Out.Header.Set(auth.header, auth.prefix+secret)
			}
		}}
	}
	mw, err := modelacl.New(modelacl.Options{
		Policy: policy,
		Authenticate: func(_ *http.Request, c modelacl.Credential) (*modelacl.Principal, error) {
			if pr, ok := keys[c.Secret]; ok && c.Kind == modelacl.CredentialToken {
				return pr, nil
			}
			return nil, modelacl.ErrUnknownKey // 401
		},
		Discovery: &modelacl.DiscoveryOptions{}, // answer /v1/models per key
		Logger:    slog.Default(),
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK) // outside the middleware: no key needed
	})
	mux.Handle("/", mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forward(w, r, proxies)
	})))
	return mux, nil
}

// forward sends an authorized request upstream as it was authorized.
func forward(w http.ResponseWriter, r *http.Request, proxies map[string]*httputil.ReverseProxy) {
	d, ok := modelacl.FromContext(r.Context())
	if !ok || !d.Allowed { // fail closed: forward only what the middleware allowed
		http.Error(w, "request was not authorized", http.StatusForbidden)
		return
	}
	proxy := proxies[d.Route.Provider.String()]
	if proxy == nil {
		http.Error(w, "no upstream for this provider", http.StatusBadGateway)
		return
	}
	// UpstreamPath is the escaped path without the gateway prefix. Keep it
	// escaped in RawPath, so a Bedrock ARN's %2F stays inside one segment,
	// and set Path to its decoding.
	p, err := url.PathUnescape(d.Route.UpstreamPath)
	if err != nil {
		http.Error(w, "path cannot be forwarded", http.StatusBadRequest)
		return
	}
	if err := rewriteAlias(r, d); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	u := *r.URL
	u.Path, u.RawPath = p, d.Route.UpstreamPath
	r.URL = &u
	if g, ok := d.Primary(); ok { // what budgets and rate limits key on
		slog.Debug("forward", "key", d.KeyID, "group", g.Group, "upstream_model", d.UpstreamModel(g))
	}
	// A body the middleware did not buffer streams upstream while the
	// response streams back: let both directions run at once.
	_ = http.NewResponseController(w).EnableFullDuplex()
	proxy.ServeHTTP(w, r)
}

var errAliasPlacement = errors.New("a model alias is only accepted as the body's top-level model")

// rewriteAlias makes the body name what was authorized. The policy
// authorizes an alias's target, so the upstream must receive the target:
// it is spliced in at the span the parser recorded, nothing else changes.
func rewriteAlias(r *http.Request, d *modelacl.Decision) error {
	at := -1
	for i, g := range d.Grants() {
		if d.UpstreamModel(g) == g.Requested {
			continue
		}
		if at >= 0 {
			return errAliasPlacement
		}
		at = i
	}
	if at < 0 {
		return nil
	}
	// Where the upstream model differs, grants and models are one to one.
	m := d.Route.Models()[at]
	span, ok := m.BodySpan()
	if !ok || span.Shared || span.Element || m.Fallback || r.Header.Get("Content-Encoding") != "" {
		return errAliasPlacement
	}
	body, err := io.ReadAll(r.Body) // the middleware's buffered copy
	if err != nil {
		return err
	}
	target, err := json.Marshal(d.UpstreamModel(d.Grants()[at]))
	if err != nil {
		return err
	}
	body = slices.Concat(body[:span.Start], target, body[span.End:])
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return nil
}
