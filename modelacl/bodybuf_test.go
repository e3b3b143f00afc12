package modelacl_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// distinctBody is a chat body of exactly size bytes naming model whose
// filler is id's own token repeated, so that any run of a few bytes from
// another request's body is told apart.
func distinctBody(id, size int, model string) []byte {
	head := `{"messages":[{"role":"user","content":"`
	tail := `"}],"model":"` + model + `"}`
	tok := fmt.Sprintf("<%08x>", id)
	b := make([]byte, 0, size)
	b = append(b, head...)
	for len(b) < size-len(tail) {
		b = append(b, tok[(len(b)-len(head))%len(tok)])
	}
	return append(b, tail...)
}

// TestRecycledBodyNeverReachesAnotherRequest: the middleware reuses body
// buffers across requests, and net/http's Transport may still be writing a
// request's body after RoundTrip returned and the handler with it: the
// upstream answered before reading the body, and the host answered its
// client without waiting for the upstream's response body to end (as one
// that finishes reading it in the background does). Through a real
// forwarder on loopback: requests whose upstream answers first and reads
// only later, then many concurrent requests with distinct bodies of the
// same size, which take the recycled buffers; then the first upstreams
// read. Every byte an upstream receives is a byte of the request it came
// with, at its offset. A body cut short is allowed (its request was over);
// a byte of another request is not.
func TestRecycledBodyNeverReachesAnotherRequest(t *testing.T) {
	const (
		size   = 1 << 20 // far more than the small socket buffers hold
		early  = 4
		others = 32
		conns  = 4
	)
	var foreign, cut, whole atomic.Int64
	resume := make(chan struct{})
	var earlyRead sync.WaitGroup // the upstreams that answered first are done reading
	earlyRead.Add(early)
	upstream := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.Header.Get("X-Body-Id"))
		if err != nil {
			foreign.Add(1)
			return
		}
		answerFirst := r.Header.Get("X-Answer-First") != ""
		if answerFirst {
			_ = http.NewResponseController(w).EnableFullDuplex()
			w.Header().Set("Content-Length", "2")
			_, _ = w.Write([]byte("ok"))
			_ = http.NewResponseController(w).Flush()
			defer earlyRead.Done()
			<-resume
		}
		want := distinctBody(id, size, "gpt-4o-mini")
		buf := make([]byte, 32<<10)
		got := 0
		for {
			n, err := r.Body.Read(buf)
			if got+n > len(want) || !bytes.Equal(buf[:n], want[got:got+n]) {
				foreign.Add(1)
				return
			}
			got += n
			if err != nil {
				break
			}
		}
		if got == len(want) {
			whole.Add(1)
		} else {
			cut.Add(1)
		}
		if !answerFirst {
			_, _ = w.Write([]byte("ok"))
		}
	}))
	// Small socket buffers (which also stop their autotuning), so that a
	// Transport's write blocks until the upstream reads.
	upstream.Listener = smallBufListener{upstream.Listener}
	upstream.Start()
	defer upstream.Close()

	target, err := url.Parse(upstream.URL)
	require.NoError(t, err)
	dialer := &net.Dialer{}
	tr := &http.Transport{MaxIdleConnsPerHost: conns, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetWriteBuffer(smallSocketBuf)
		}
		return c, err
	}}
	defer tr.CloseIdleConnections()
	var background sync.WaitGroup
	forward := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The upstream call outlives the client's request.
		out := r.Clone(context.WithoutCancel(r.Context()))
		out.URL.Scheme, out.URL.Host, out.RequestURI = target.Scheme, target.Host, ""
		res, err := tr.RoundTrip(out)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(res.StatusCode)
		answerFirst := r.Header.Get("X-Answer-First") != ""
		background.Go(func() {
			if answerFirst {
				// The Transport keeps writing the request body while
				// the response is unread (and gives up 50 ms after it
				// was read): read it once the upstream is done.
				<-resume
				earlyRead.Wait()
			}
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
		})
	})
	mw, err := modelacl.New(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate})
	require.NoError(t, err)
	host := httptest.NewServer(mw.Handler(forward))
	defer host.Close()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}, Timeout: 20 * time.Second}
	defer client.CloseIdleConnections()
	post := func(id int, answerFirst bool) {
		req, err := http.NewRequest(http.MethodPost, host.URL+"/v1/chat/completions", bytes.NewReader(distinctBody(id, size, "gpt-4o-mini")))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Body-Id", strconv.Itoa(id))
		if answerFirst {
			req.Header.Set("X-Answer-First", "1")
		}
		bearer(req, restrictedKey)
		res, err := client.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode)
	}
	for id := 1; id <= early; id++ {
		post(id, true) // answered: its handler returned, its body is still being sent
	}
	var next atomic.Int64
	next.Store(early)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for id := int(next.Add(1)); id <= early+others; id = int(next.Add(1)) {
				post(id, false)
			}
		})
	}
	wg.Wait()
	close(resume) // the first upstreams read the rest of their bodies now
	background.Wait()
	upstream.Close() // waits for the upstream's handlers

	require.Zero(t, foreign.Load(), "bytes of one request reached the upstream as part of another")
	assert.Equal(t, int64(others), whole.Load(), "the bodies of the requests answered after reading arrived whole")
	assert.Equal(t, int64(early), cut.Load(), "the bodies still being sent when their handlers returned were cut short")
	t.Logf("%d bodies read whole, %d cut short after the answer", whole.Load(), cut.Load())
}

// smallSocketBuf is the socket buffer size of TestRecycledBodyNeverReachesAnotherRequest.
const smallSocketBuf = 32 << 10

// smallBufListener gives every accepted connection small socket buffers.
type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(smallSocketBuf)
	}
	return c, err
}

// stash is a next handler that keeps the body, a GetBody copy and the
// Decision it was handed, to use them after it returned.
type stash struct {
	mu       sync.Mutex
	body     io.ReadCloser
	copyBody io.ReadCloser
	getBody  func() (io.ReadCloser, error)
	decision *modelacl.Decision
	got      []byte // what it read while it ran
}

func (s *stash) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.getBody = r.Body, r.GetBody
	s.copyBody, _ = r.GetBody()
	s.decision, _ = modelacl.FromContext(r.Context())
	s.got, _ = io.ReadAll(r.Body)
	w.WriteHeader(http.StatusOK)
}

// TestBodyReadAfterHandlerReturnsFails: a handler that keeps the body,
// a GetBody copy or GetBody itself past its return reads an error, never
// data, however many requests reuse the buffer after it; the Decision it
// kept still names its own model.
func TestBodyReadAfterHandlerReturnsFails(t *testing.T) {
	const size = 64 << 10
	s := &stash{}
	mw, err := modelacl.New(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate})
	require.NoError(t, err)
	h := mw.Handler(s)
	serve := func(body []byte) {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		bearer(r, restrictedKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(t, http.StatusOK, w.Code, "%s", w.Body)
	}

	first := distinctBody(1, size, "gpt-4o-mini")
	serve(first)
	require.Equal(t, first, s.got)
	kept, keptCopy, keptGetBody, keptDecision := s.body, s.copyBody, s.getBody, s.decision

	for id := 2; id < 6; id++ {
		body := distinctBody(id, size, "text-embedding-3-small")
		serve(body)
		require.Equal(t, body, s.got, "request %d reads its own body", id)

		var p [64]byte
		for name, rd := range map[string]io.Reader{"Body": kept, "a GetBody copy": keptCopy} {
			n, err := rd.Read(p[:])
			assert.Zero(t, n, "%s read after the handler returned", name)
			require.Error(t, err, name)
			assert.NotErrorIs(t, err, io.EOF, "%s must not look like a complete body", name)
			if ra, ok := rd.(io.ReaderAt); ok {
				n, err := ra.ReadAt(p[:], 0)
				assert.Zero(t, n)
				require.Error(t, err)
			}
			if wt, ok := rd.(io.WriterTo); ok {
				var out bytes.Buffer
				_, err := wt.WriteTo(&out)
				require.Error(t, err)
				assert.Zero(t, out.Len())
			}
		}
		rc, err := keptGetBody()
		require.NoError(t, err)
		got, err := io.ReadAll(rc)
		require.Error(t, err, "a GetBody made after the handler returned")
		assert.Empty(t, got)

		require.NotNil(t, keptDecision)
		require.Len(t, keptDecision.Route.Models(), 1)
		assert.Equal(t, "gpt-4o-mini", keptDecision.Route.Models()[0].Name(), "a kept Decision is not touched by later requests")
	}
}

// blockingWriter holds the slice it is given inside Write until told to
// check it.
type blockingWriter struct {
	entered chan struct{}
	check   chan struct{}
	intact  chan bool
	want    []byte
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.entered <- struct{}{}
	<-w.check
	w.intact <- bytes.Equal(p, w.want)
	return len(p), nil
}

// TestWriteToInFlightKeepsItsBuffer: io.Copy from the body writes straight
// from the buffer; a Write still under way when the handler returns keeps
// the buffer out of the pool, so later requests of the same size never
// write into the bytes it is sending.
func TestWriteToInFlightKeepsItsBuffer(t *testing.T) {
	const size = 64 << 10
	first := distinctBody(1, size, "gpt-4o-mini")
	w := &blockingWriter{entered: make(chan struct{}), check: make(chan struct{}), intact: make(chan bool, 1), want: first}
	copied := make(chan error, 1)
	var calls atomic.Int64
	next := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			// Send the body from another goroutine and return at once,
			// as a Transport still writing after RoundTrip does.
			go func() {
				_, err := io.Copy(w, r.Body)
				copied <- err
			}()
			<-w.entered
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
	})
	mw, err := modelacl.New(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate})
	require.NoError(t, err)
	h := mw.Handler(next)
	serve := func(body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		bearer(r, restrictedKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		require.Equal(t, http.StatusOK, rec.Code, "%s", rec.Body)
	}
	serve(first)
	for id := 2; id < 10; id++ {
		serve(distinctBody(id, size, "gpt-4o-mini"))
	}
	close(w.check)
	assert.True(t, <-w.intact, "the bytes being written were overwritten by a later request")
	require.NoError(t, <-copied)
}

// TestCheckBodyStaysReadable: a host that calls Check itself decides when
// the request is over; the body Check hands on is never recycled, so it
// reads whole even after the request's context ended and other requests
// went through the same middleware.
func TestCheckBodyStaysReadable(t *testing.T) {
	const size = 64 << 10
	mw, err := modelacl.New(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate})
	require.NoError(t, err)
	first := distinctBody(1, size, "gpt-4o-mini")
	ctx, cancel := context.WithCancel(t.Context())
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/chat/completions", bytes.NewReader(first))
	bearer(r, restrictedKey)
	r2, _, err := mw.Check(r)
	require.NoError(t, err)
	cancel()

	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	for id := 2; id < 6; id++ {
		_, _ = send(h, http.MethodPost, "/v1/chat/completions", "application/json", distinctBody(id, size, "gpt-4o-mini"), bearer, restrictedKey)
	}
	got, err := io.ReadAll(r2.Body)
	require.NoError(t, err)
	assert.Equal(t, first, got)
}

// TestLargeBodyBufferIsReused pins the point of the pool: serving 1 MiB
// bodies one after another allocates a fraction of a body per request, not
// a fresh buffer each time. (The margin: sync.Pool misses now and then,
// and under the race detector it drops a quarter of what it is given.)
func TestLargeBodyBufferIsReused(t *testing.T) {
	const size = 1 << 20
	mw, err := modelacl.New(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate})
	require.NoError(t, err)
	h := mw.Handler(drain)
	body := rewindBody{bytes.NewReader(chatBody(size, "gpt-4o-mini"))}
	r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", body)
	r.ContentLength = size
	r.Header.Set("Content-Type", "application/json")
	auth := []string{"Bearer " + restrictedKey}
	w := discardWriter{h: http.Header{}}
	serve := func() {
		_, _ = body.Seek(0, io.SeekStart)
		r.Header["Authorization"] = auth
		w.clear()
		h.ServeHTTP(w, r)
	}
	serve() // the first request allocates the buffer
	const runs = 40
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		serve()
	}
	runtime.ReadMemStats(&after)
	perRequest := (after.TotalAlloc - before.TotalAlloc) / runs
	assert.Less(t, perRequest, uint64(size*3/4), "bytes allocated per 1 MiB request")
	t.Logf("%d bytes allocated per request", perRequest)
}
