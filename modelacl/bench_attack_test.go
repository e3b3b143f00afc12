package modelacl_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgate/modelgate/modelacl"
)

// procStatusKiB reads a field of /proc/self/status (VmRSS, VmHWM) in KiB,
// or -1 where there is none.
func procStatusKiB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return n
				}
			}
		}
	}
	return -1
}

// peakRSSAbove runs f and returns the process's peak resident set during
// f above what it held before, in MiB (-1 where /proc cannot tell: the peak
// is reset through /proc/self/clear_refs, Linux only).
func peakRSSAbove(f func()) float64 {
	runtime.GC()
	debug.FreeOSMemory()
	idle := procStatusKiB("VmRSS")
	if idle < 0 || os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) != nil {
		f()
		return -1
	}
	f()
	return float64(procStatusKiB("VmHWM")-idle) / 1024
}

// attackServer is the middleware with its defaults in front of a handler
// that counts what reaches it, on a loopback server.
func attackServer(b *testing.B) (*httptest.Server, *atomic.Int64) {
	var forwarded atomic.Int64
	mw, err := modelacl.New(modelacl.Options{Policy: fixturePolicy(b), Authenticate: fixtureKeys().authenticate})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		forwarded.Add(1)
	})))
	b.Cleanup(srv.Close)
	return srv, &forwarded
}

func postChat(c *http.Client, url string, body []byte, encoding string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url+"/v1/chat/completions", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+restrictedKey)
	req.Header.Set("Content-Type", "application/json")
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// BenchmarkAttackGzipBombs sends 64 gzip bombs at once (about 33 KB each,
// decoding to 32 MiB) through a loopback server to the middleware with
// its default bounds. Every one must be refused (413 past
// MaxDecodedBodyBytes, or 503 past MaxBufferedBytes) and the process must
// stay under 300 MiB of resident memory above idle; it reports the peak.
func BenchmarkAttackGzipBombs(b *testing.B) {
	srv, forwarded := attackServer(b)
	raw := chatBody(32<<20+64, "gpt-4o-mini")
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	bomb := gz.Bytes()
	raw = nil
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.Cleanup(client.CloseIdleConnections)
	b.ReportAllocs()
	var peak float64
	for b.Loop() {
		peak = max(peak, peakRSSAbove(func() {
			var wg sync.WaitGroup
			for range 64 {
				wg.Go(func() {
					code, err := postChat(client, srv.URL, bomb, "gzip")
					if err != nil || (code != http.StatusRequestEntityTooLarge && code != http.StatusServiceUnavailable) {
						b.Errorf("bomb: status %d, %v", code, err)
					}
				})
			}
			wg.Wait()
		}))
	}
	if n := forwarded.Load(); n != 0 {
		b.Fatalf("%d bombs were forwarded", n)
	}
	b.ReportMetric(peak, "peak-RSS-MiB")
	if peak > 300 {
		b.Fatalf("peak resident memory %.0f MiB above idle, want under 300", peak)
	}
}

// BenchmarkAttackManyNames sends a 32 MiB body that names one allowed model
// about 2.4 million times. It must be refused (400, too many models) well
// under a second after it arrives, holding about the body and no more.
func BenchmarkAttackManyNames(b *testing.B) {
	srv, forwarded := attackServer(b)
	var body bytes.Buffer
	body.WriteString(`{"model":"gpt-4o-mini","messages":[],"fallbacks":[`)
	for body.Len() < 32<<20-64 {
		body.WriteString(`"gpt-4o-mini",`)
	}
	body.WriteString(`"gpt-4o-mini"]}`)
	client := &http.Client{}
	b.ReportAllocs()
	var peak float64
	var slowest time.Duration
	for b.Loop() {
		peak = max(peak, peakRSSAbove(func() {
			start := time.Now()
			code, err := postChat(client, srv.URL, body.Bytes(), "")
			slowest = max(slowest, time.Since(start))
			if err != nil || code != http.StatusBadRequest {
				b.Errorf("many names: status %d, %v", code, err)
			}
		}))
	}
	if n := forwarded.Load(); n != 0 {
		b.Fatalf("%d many-names bodies were forwarded", n)
	}
	b.ReportMetric(peak, "peak-RSS-MiB")
	if slowest > time.Second {
		b.Fatalf("refused after %v, want well under a second", slowest)
	}
}
