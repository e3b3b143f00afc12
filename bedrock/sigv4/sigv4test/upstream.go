package sigv4test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Capture reads r's body and returns r as the server received it. Use it in
// a handler of your own; [Upstream] calls it for every request.
func Capture(r *http.Request) (Request, error) {
	body, err := io.ReadAll(r.Body)
	return Request{
		Method:        r.Method,
		RequestURI:    r.RequestURI,
		Host:          r.Host,
		Header:        r.Header.Clone(),
		Body:          body,
		ContentLength: r.ContentLength,
	}, err
}

// Upstream is a loopback HTTP server that records every request it
// receives, a stand-in for the AWS endpoint a signer sends to. Its methods
// are safe for concurrent use.
type Upstream struct {
	*httptest.Server

	mu   sync.Mutex
	reqs []Request
}

// NewUpstream starts an Upstream. Each request is recorded (with as much of
// its body as could be read), then answered by reply, which sees the request
// with its body already read, or, if reply is nil, with 200 and the JSON body
// {"ok":true}. A request whose body cannot be read is answered 400 without
// calling reply. Call Close when done.
func NewUpstream(reply http.Handler) *Upstream {
	u := &Upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := Capture(r)
		u.mu.Lock()
		u.reqs = append(u.reqs, req)
		u.mu.Unlock()
		if err != nil {
			http.Error(w, "reading the body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if reply == nil {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true}`)
			return
		}
		reply.ServeHTTP(w, r)
	}))
	return u
}

// Requests returns the requests received so far, oldest first.
func (u *Upstream) Requests() []Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]Request(nil), u.reqs...)
}

// Take returns the requests received so far, oldest first, and forgets them.
func (u *Upstream) Take() []Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	reqs := u.reqs
	u.reqs = nil
	return reqs
}
