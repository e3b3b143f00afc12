package gateway

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The reference server's defaults, used where a [ServerOptions] field is
// zero.
const (
	// DefaultReadHeaderTimeout bounds the time to read a request's
	// headers (and, with TLS, the handshake).
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultBodyReadTimeout bounds the time to read a request's body,
	// from when its handler starts: 32 MiB (the body limit) at 2 Mbit/s.
	DefaultBodyReadTimeout = 2 * time.Minute
	// DefaultIdleTimeout closes a keep-alive connection (or an HTTP/2
	// connection with no open stream) idle this long.
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultMaxHeaderBytes bounds a request's header block (HTTP/1) or
	// its decoded header list (HTTP/2). Go's default is 1 MiB; LLM
	// clients send a few KiB.
	DefaultMaxHeaderBytes = 64 << 10
)

// ServerOptions configure [NewServer]. The zero value serves plaintext
// HTTP/1.1 and h2c with the documented defaults.
type ServerOptions struct {
	// ReadHeaderTimeout bounds reading a request's headers and the TLS
	// handshake. Zero: DefaultReadHeaderTimeout (10 s). Negative: none.
	ReadHeaderTimeout time.Duration
	// BodyReadTimeout bounds reading a request's body, counted from when
	// its handler starts; a body not read to its end by then fails to
	// read, and the request is refused. It no longer applies once the
	// body has been read, so a long streamed response is not cut, nor on
	// Bedrock's invoke-with-bidirectional-stream, whose body lasts as long
	// as the session. Zero: DefaultBodyReadTimeout (2 min). Negative: none.
	BodyReadTimeout time.Duration
	// IdleTimeout closes idle keep-alive and HTTP/2 connections. Zero:
	// DefaultIdleTimeout (2 min). Negative: none.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers. Zero or negative:
	// DefaultMaxHeaderBytes (64 KiB).
	MaxHeaderBytes int
	// TLS, when set, serves HTTPS only: HTTP/2 (ALPN "h2") and HTTP/1.1.
	// Nil: plaintext HTTP/1.1 and HTTP/2 with prior knowledge (h2c).
	// The h2c upgrade from HTTP/1.1 (Upgrade: h2c) is never served.
	TLS *tls.Config
	// Logger receives the server's own errors (TLS handshakes, malformed
	// requests) at Debug. Nil: slog.Default().
	Logger *slog.Logger
}

// Server is the reference gateway's HTTP server: [http.Server] with the
// timeouts and limits of [ServerOptions], HTTP/2 on both plaintext (h2c
// with prior knowledge) and TLS, and two request-framing rules net/http
// leaves to its host:
//
//   - A request with both Content-Length and Transfer-Encoding (RFC 9112
//     section 6.3: a possible smuggling attempt) is read by its
//     Transfer-Encoding, as net/http does, and its connection is closed
//     after the response, so nothing a front proxy framed differently is
//     read as a next request.
//   - A request body that arrives too slowly is cut at BodyReadTimeout.
type Server struct {
	srv         *http.Server
	tls         *tls.Config
	bodyTimeout time.Duration
	handshake   time.Duration
	logger      *slog.Logger
}

// NewServer returns a server for h.
func NewServer(h http.Handler, o ServerOptions) *Server {
	s := &Server{
		tls:         o.TLS,
		bodyTimeout: pick(o.BodyReadTimeout, DefaultBodyReadTimeout),
		handshake:   pick(o.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		logger:      o.Logger,
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	maxHeader := o.MaxHeaderBytes
	if maxHeader <= 0 {
		maxHeader = DefaultMaxHeaderBytes
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	if o.TLS != nil {
		protocols.SetHTTP2(true)
	} else {
		protocols.SetUnencryptedHTTP2(true)
	}
	s.srv = &http.Server{
		Handler:           s.wrap(h),
		ReadHeaderTimeout: s.handshake,
		IdleTimeout:       pick(o.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    maxHeader,
		Protocols:         &protocols,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			switch c := c.(type) {
			case *framingConn:
				return context.WithValue(ctx, framingKey{}, c)
			case tlsFramingConn:
				return context.WithValue(ctx, framingKey{}, c.framingConn)
			}
			return ctx
		},
	}
	return s
}

// pick returns d, def when d is zero, or no limit (0) when d is negative.
func pick(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Serve accepts connections on ln until [Server.Shutdown] or
// [Server.Close]; like http.Server.Serve it returns http.ErrServerClosed
// then.
func (s *Server) Serve(ln net.Listener) error {
	if s.tls != nil {
		cfg := s.tls.Clone()
		cfg.NextProtos = []string{"h2", "http/1.1"}
		if cfg.MinVersion < tls.VersionTLS12 {
			cfg.MinVersion = tls.VersionTLS12 // HTTP/2 requires it (RFC 9113 section 9.2)
		}
		ln = newTLSListener(ln, cfg, s.handshake, s.logger)
	} else {
		ln = framingListener{ln}
	}
	return s.srv.Serve(ln)
}

// Shutdown stops accepting and waits for active requests, as
// http.Server.Shutdown does.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Close closes the listeners and every connection at once.
func (s *Server) Close() error { return s.srv.Close() }

// wrap applies the framing and body-deadline rules around h.
func (s *Server) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fc, ok := r.Context().Value(framingKey{}).(*framingConn); ok && r.ProtoMajor == 1 && fc.ambiguous.Swap(false) {
			// Go's server has already read the body by its chunked
			// framing and dropped Content-Length; close afterwards, as
			// RFC 9112 section 6.3 requires.
			w.Header().Set("Connection", "close")
		}
		if s.bodyTimeout > 0 && r.Body != nil && r.Body != http.NoBody {
			// Once the body is read to its end, net/http lifts the
			// deadline itself (HTTP/1) or no longer applies it (HTTP/2),
			// so a response that streams for longer is not cut.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.bodyTimeout))
		}
		h.ServeHTTP(w, r)
	})
}

// liftBodyDeadline removes the body read deadline of a request whose body
// is meant to last as long as its response (a bidirectional stream).
func liftBodyDeadline(w http.ResponseWriter) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
}

type framingKey struct{}

// framingConn watches the bytes an HTTP/1 connection reads for a header
// block that carries both Content-Length and Transfer-Encoding. net/http
// deletes Content-Length from such a request before the handler sees it,
// so the raw bytes are the only place left to notice it.
//
// The scan looks at the first bytes of every line: a header block ends at
// an empty line. It can be fooled into a false positive by a body that
// contains such lines, which only closes a connection early; it cannot
// miss a real header block, which is read whole before its handler runs.
type framingConn struct {
	net.Conn
	ambiguous atomic.Bool // set at the end of a header block with both headers; the handler clears it

	// Scanner state, touched only by the connection's one reader.
	line       [len("transfer-encoding:")]byte
	n          int
	collecting bool // at the start of a line, gathering its first bytes
	cl, te     bool
}

// tlsFramingConn is a framingConn over TLS. Its ConnectionState lets
// net/http fill Request.TLS; a plaintext framingConn must not have one,
// or net/http would take it for TLS and never look for the h2c preface.
type tlsFramingConn struct {
	*framingConn
	tc *tls.Conn
}

func (c tlsFramingConn) ConnectionState() tls.ConnectionState { return c.tc.ConnectionState() }

func newFramingConn(c net.Conn) *framingConn { return &framingConn{Conn: c, collecting: true} }

func (c *framingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.scan(p[:n])
	return n, err
}

func (c *framingConn) scan(p []byte) {
	for len(p) > 0 {
		if !c.collecting {
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				return
			}
			p = p[i+1:]
			c.collecting, c.n = true, 0
			continue
		}
		b := p[0]
		p = p[1:]
		if b == '\n' {
			if c.n == 0 || (c.n == 1 && c.line[0] == '\r') {
				// End of a header block (or of a chunked body's trailers).
				if c.cl && c.te {
					c.ambiguous.Store(true)
				}
				c.cl, c.te = false, false
			} else {
				c.header()
			}
			c.n = 0
			continue
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		c.line[c.n] = b
		c.n++
		if c.n == len(c.line) {
			c.header()
			c.collecting = false
		}
	}
}

func (c *framingConn) header() {
	line := c.line[:c.n]
	c.cl = c.cl || bytes.HasPrefix(line, []byte("content-length:"))
	c.te = c.te || bytes.HasPrefix(line, []byte("transfer-encoding:"))
}

// framingListener wraps every accepted plaintext connection in a
// framingConn. Go's server still finds the h2c preface on it.
type framingListener struct{ net.Listener }

func (l framingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newFramingConn(c), nil
}

// tlsListener completes each TLS handshake before handing the connection
// to the server, so that HTTP/1.1 connections can be wrapped in a
// framingConn while HTTP/2 ones stay *tls.Conn (net/http recognises
// HTTP/2 by that type). Handshakes run concurrently, each bounded by
// timeout, so a slow client cannot stall Accept.
type tlsListener struct {
	net.Listener
	cfg     *tls.Config
	timeout time.Duration
	logger  *slog.Logger

	conns chan net.Conn
	errs  chan error
	done  chan struct{}
	once  sync.Once
}

func newTLSListener(inner net.Listener, cfg *tls.Config, timeout time.Duration, logger *slog.Logger) *tlsListener {
	l := &tlsListener{
		Listener: inner, cfg: cfg, timeout: timeout, logger: logger,
		conns: make(chan net.Conn), errs: make(chan error), done: make(chan struct{}),
	}
	go l.acceptLoop()
	return l
}

func (l *tlsListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			select {
			case l.errs <- err:
			case <-l.done:
				return
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(5 * time.Millisecond) // a temporary error (out of descriptors): back off
			continue
		}
		go l.handshake(c)
	}
}

func (l *tlsListener) handshake(raw net.Conn) {
	tc := tls.Server(raw, l.cfg)
	if l.timeout > 0 {
		_ = raw.SetDeadline(time.Now().Add(l.timeout))
	}
	if err := tc.Handshake(); err != nil {
		l.logger.Debug("tls handshake failed", "remote", raw.RemoteAddr().String(), "err", err)
		_ = raw.Close()
		return
	}
	_ = raw.SetDeadline(time.Time{})
	var c net.Conn = tc
	if tc.ConnectionState().NegotiatedProtocol != "h2" {
		c = tlsFramingConn{newFramingConn(tc), tc}
	}
	select {
	case l.conns <- c:
	case <-l.done:
		_ = tc.Close()
	}
}

func (l *tlsListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *tlsListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// LoadTLS reads a certificate chain and its key (PEM files) for
// [ServerOptions].TLS.
func LoadTLS(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// SelfSignedTLS makes a throwaway certificate for localhost, 127.0.0.1
// and ::1, valid for a day, for local use only: clients must be told to
// trust it or to skip verification. It returns the server configuration,
// the certificate (DER, for a client to trust) and its SHA-256
// fingerprint in hex.
func SelfSignedTLS() (*tls.Config, []byte, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, "", err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "modelgate local gateway"},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		// Self-signed: it is its own CA, so a client can trust it as a root.
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, "", err
	}
	sum := sha256.Sum256(der)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	}
	return cfg, der, hex.EncodeToString(sum[:]), nil
}
