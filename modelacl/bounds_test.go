package modelacl_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// holdingNext is a next handler that keeps each request (and so its
// buffered body) until release is closed, and counts what it was given.
type holdingNext struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	served  int
}

func newHoldingNext() *holdingNext {
	return &holdingNext{entered: make(chan struct{}, 64), release: make(chan struct{})}
}

func (h *holdingNext) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	h.mu.Lock()
	h.served++
	h.mu.Unlock()
	h.entered <- struct{}{}
	<-h.release
	w.WriteHeader(http.StatusOK)
}

func (h *holdingNext) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.served
}

// chatOf is a chat completion body of exactly size bytes naming model.
func chatOf(size int, model string) []byte { return chatBody(size, model) }

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestBoundsOptionsValidated(t *testing.T) {
	auth := fixtureKeys().authenticate
	p := fixturePolicy(t)
	for _, tc := range []struct {
		name string
		o    modelacl.Options
	}{
		{"negative decoded limit", modelacl.Options{MaxDecodedBodyBytes: -1}},
		{"negative buffer budget", modelacl.Options{MaxBufferedBytes: -1}},
		{"budget smaller than one body and its decoding", modelacl.Options{MaxBodyBytes: 1 << 20, MaxBufferedBytes: 2 << 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Policy, tc.o.Authenticate = p, auth
			_, err := modelacl.New(tc.o)
			require.Error(t, err)
		})
	}
	// The smallest budget that fits one body of each kind is accepted.
	_, err := modelacl.New(modelacl.Options{Policy: p, Authenticate: auth, MaxBodyBytes: 1 << 20, MaxBufferedBytes: 1<<20 + 1 + 3<<19 + 1})
	require.NoError(t, err)
}

// TestBufferBudgetSharedByRequestsInFlight drives MaxBufferedBytes past
// its limit with requests whose bodies are held by the next handler: the
// one that does not fit is refused with 503 and Retry-After in its
// dialect, never forwarded, and a request fits again once one finishes.
func TestBufferBudgetSharedByRequestsInFlight(t *testing.T) {
	const body = 1000
	next := newHoldingNext()
	mw, err := modelacl.New(modelacl.Options{
		Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate,
		MaxBodyBytes: body, MaxDecodedBodyBytes: body,
		// Room for three bodies (each held as its Content-Length) and
		// no fourth: 3*1000 <= budget < 4*1000.
		MaxBufferedBytes: 3*(body+1) + 500,
	})
	require.NoError(t, err)
	h := mw.Handler(next)

	serve := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(chatOf(body, "gpt-4o-mini")))
		r.Header.Set("Content-Type", "application/json")
		bearer(r, restrictedKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	var wg sync.WaitGroup
	codes := make(chan int, 4)
	for range 3 {
		wg.Go(func() { codes <- serve().Code })
		<-next.entered
	}

	// A fourth does not fit: 503, Retry-After, OpenAI's shape, not forwarded.
	w := serve()
	require.Equal(t, http.StatusServiceUnavailable, w.Code, "%s", w.Body)
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assertDialect(t, dOpenAI, http.StatusServiceUnavailable, "api_error", w.Result(), w.Body.Bytes())
	assert.Equal(t, 3, next.count(), "a request over the budget must not be forwarded")

	// Other dialects say the same in their own words.
	for _, tc := range []struct {
		target, ctype string
		body          []byte
		d             dialectName
		kind          string
		cred          func(*http.Request, string)
	}{
		// (Bedrock's own routes name the model in the path and have no
		// body to buffer.)
		{"/v1/messages", "application/json", []byte(`{"model":"claude-haiku-4-5","max_tokens":1,"messages":[]` + strings.Repeat(" ", body-60) + `}`), dAnthropic, "overloaded_error", xAPIKey},
		{"/v1beta/models/gemini-2.5-flash:generateContent", "application/json", []byte(`{"contents":[]` + strings.Repeat(" ", body-20) + `}`), dGoogle, "UNAVAILABLE", googKey},
	} {
		res, out := send(h, http.MethodPost, tc.target, tc.ctype, tc.body, tc.cred, restrictedKey)
		require.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "%s: %s", tc.target, out)
		assert.Equal(t, "1", res.Header.Get("Retry-After"))
		assertDialect(t, tc.d, http.StatusServiceUnavailable, tc.kind, res, out)
	}
	assert.Equal(t, 3, next.count())

	// Requests without a body to buffer still go through.
	wg.Go(func() {
		res, _ := send(h, http.MethodGet, "/v1/models", "", nil, bearer, restrictedKey)
		codes <- res.StatusCode
	})
	<-next.entered
	assert.Equal(t, 4, next.count())

	// One body request finishes: its bytes are given back and the next
	// body fits.
	next.release <- struct{}{}
	next.release <- struct{}{} // and the GET, whichever order they end in
	require.Equal(t, http.StatusOK, <-codes)
	require.Equal(t, http.StatusOK, <-codes)
	done := make(chan int, 1)
	go func() { done <- serve().Code }()
	<-next.entered
	close(next.release)
	require.Equal(t, http.StatusOK, <-done)
	wg.Wait()
}

// TestBufferBudgetUnknownLength: a chunked body (no Content-Length) is
// counted as it grows, and refused when the growth does not fit.
func TestBufferBudgetUnknownLength(t *testing.T) {
	const limit = 64 << 10
	next := newHoldingNext()
	mw, err := modelacl.New(modelacl.Options{
		Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate,
		MaxBodyBytes: limit, MaxBufferedBytes: limit + 1 + limit*3/2 + 1, // 160 KiB
	})
	require.NoError(t, err)
	h := mw.Handler(next)
	post := func(size int, chunked bool) int {
		r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(chatOf(size, "gpt-4o-mini")))
		if chunked {
			r.ContentLength = -1
			r.Body = io.NopCloser(r.Body)
		}
		bearer(r, restrictedKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	// Two bodies of 60 KiB are held by the next handler...
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { assert.Equal(t, http.StatusOK, post(60<<10, false)) })
		<-next.entered
	}
	// ...so a chunked 40 KiB body, whose buffer doubles to 64 KiB, does
	// not fit in the 40 KiB left.
	require.Equal(t, http.StatusServiceUnavailable, post(40<<10, true))
	assert.Equal(t, 2, next.count())

	// A small chunked body does.
	wg.Go(func() { assert.Equal(t, http.StatusOK, post(2000, true)) })
	<-next.entered
	close(next.release)
	wg.Wait()
	assert.Equal(t, 3, next.count())
}

// TestBufferBudgetCompressedBodies: while a compressed body is decoded its
// decoder's worst case counts, so concurrent bombs cannot add up; a body
// that decodes past MaxDecodedBodyBytes is 413.
func TestBufferBudgetCompressedBodies(t *testing.T) {
	const decoded = 64 << 10
	next := newHoldingNext()
	close(next.release)
	mw, err := modelacl.New(modelacl.Options{
		Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate,
		MaxBodyBytes: 16 << 10, MaxDecodedBodyBytes: decoded,
		MaxBufferedBytes: decoded + 1 + decoded*3/2 + 1, // one decoding at a time
	})
	require.NoError(t, err)
	h := mw.Handler(next)
	post := func(body []byte) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Content-Encoding", "gzip")
		bearer(r, restrictedKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	bomb := gzipped(t, chatOf(decoded+1, "gpt-4o-mini"))
	require.Less(t, len(bomb), 16<<10)
	w := post(bomb)
	require.Equal(t, http.StatusRequestEntityTooLarge, w.Code, "a body decoding past MaxDecodedBodyBytes: %s", w.Body)

	ok := gzipped(t, chatOf(decoded, "gpt-4o-mini"))
	require.Equal(t, http.StatusOK, post(ok).Code)

	// Many at once: each is decoded alone or refused with 503; none is
	// forwarded unchecked, and the budget comes back whole.
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 16 {
		wg.Go(func() {
			c := post(bomb).Code
			mu.Lock()
			codes[c]++
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.Equal(t, 16, codes[http.StatusRequestEntityTooLarge]+codes[http.StatusServiceUnavailable], "%v", codes)
	assert.Equal(t, 1, next.count(), "only the well-formed body was forwarded")
	require.Equal(t, http.StatusOK, post(ok).Code, "every reservation was given back")
}

// TestCheckReturnsBudgetWhenContextEnds: with Check, the body's share is
// held until the request's context is done.
func TestCheckReturnsBudgetWhenContextEnds(t *testing.T) {
	const body = 1000
	mw, err := modelacl.New(modelacl.Options{
		Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate,
		MaxBodyBytes: body, MaxBufferedBytes: body + 1 + 1501, // two bodies of 1001, not three
	})
	require.NoError(t, err)
	check := func(ctx context.Context) error {
		r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/chat/completions", bytes.NewReader(chatOf(body, "gpt-4o-mini")))
		bearer(r, restrictedKey)
		_, _, err := mw.Check(r)
		return err
	}
	ctx, cancel := context.WithCancel(t.Context())
	require.NoError(t, check(ctx))
	require.NoError(t, check(t.Context()))
	require.ErrorIs(t, check(t.Context()), modelacl.ErrBufferBudget, "the first two bodies are still held")
	cancel()
	require.Eventually(t, func() bool { return check(t.Context()) == nil }, time.Second, time.Millisecond)
}

// TestLogLineStaysSmall: a request naming thousands of models, or very
// long names, still logs one short line, with the count of what it left
// out.
func TestLogLineStaysSmall(t *testing.T) {
	for _, tc := range []struct {
		name  string
		names []string
	}{
		{"many allowed fallbacks", repeatNames("gpt-4o-mini", 5000)},
		{"long denied names", repeatNames(strings.Repeat("x", 4000), 50)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			// The names cap raised, so the log bound is seen on its own.
			h, _ := newHandler(t, modelacl.Options{Logger: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), MaxModelsPerRequest: 10000})
			quoted := make([]string, len(tc.names))
			for i, n := range tc.names {
				quoted[i] = `"` + n + `"`
			}
			body := `{"model":"gpt-4o-mini","messages":[],"fallbacks":[` + strings.Join(quoted, ",") + `]}`
			res, out := send(h, http.MethodPost, "/v1/chat/completions", "application/json", []byte(body), bearer, restrictedKey)
			require.NotEqual(t, http.StatusBadRequest, res.StatusCode, "%s", out)
			line := buf.String()
			require.NotEmpty(t, line)
			assert.Less(t, len(line), 8<<10, "log line of %d bytes", len(line))
			var rec map[string]any
			require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
			assert.LessOrEqual(t, len(rec["models"].([]any)), 8)
			assert.EqualValues(t, len(tc.names)+1, rec["models_count"])
		})
	}
}

func repeatNames(n string, k int) []string {
	out := make([]string, k)
	for i := range out {
		out[i] = n
	}
	return out
}

// TestReportOnlyPassesOverBudgetBodyWhole: under ReportOnly a body that
// does not fit MaxBufferedBytes is logged as a would-be refusal and handed
// on whole (what was read, then the rest), never truncated.
func TestReportOnlyPassesOverBudgetBodyWhole(t *testing.T) {
	const body = 1000
	next := newHoldingNext()
	mw, err := modelacl.New(modelacl.Options{
		Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate, ReportOnly: true,
		MaxBodyBytes: body, MaxBufferedBytes: body + 1 + 1501, // two bodies of 1001
	})
	require.NoError(t, err)
	h := mw.Handler(next)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			res, _ := send(h, http.MethodPost, "/v1/chat/completions", "application/json", chatOf(body, "gpt-4o-mini"), bearer, restrictedKey)
			assert.Equal(t, http.StatusOK, res.StatusCode)
		})
		<-next.entered
	}
	rec := &recorder{}
	h2 := mw.Handler(rec)
	want := chatOf(body, "gpt-4o-mini")
	res, out := send(h2, http.MethodPost, "/v1/chat/completions", "application/json", want, bearer, restrictedKey)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", out)
	require.True(t, rec.last.called)
	assert.Equal(t, want, rec.last.body, "the body goes on whole")
	require.True(t, rec.last.hasDecision)
	assert.False(t, rec.last.decision.Allowed)
	assert.ErrorIs(t, rec.last.decision.Err, modelacl.ErrBufferBudget)
	close(next.release)
	wg.Wait()
}
