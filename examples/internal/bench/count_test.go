package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A cachegrind file as valgrind 3.19 writes it with --cache-sim=yes: the
// summary's columns follow the events line, which need not be in
// CountEvents' order and holds more events than it.
const cachegrindFile = `desc: I1 cache:         65536 B, 64 B, 8-way associative
cmd: /tmp/bench -role host -upstream http://127.0.0.1:1
events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
fl=/x.go
fn=main
1 10 2 0 4 1 0 3 1 0
summary: 298424066 9111883 13623 68456897 1791076 43106 37370028 868942 264164
`

func TestReadCachegrind(t *testing.T) {
	got, err := readCachegrind(strings.NewReader(cachegrindFile))
	require.NoError(t, err)
	// Ir, I1mr, Dr, D1mr, Dw, D1mw.
	assert.Equal(t, []int64{298424066, 9111883, 68456897, 1791076, 37370028, 868942}, got)

	noSim := "events: Ir\nsummary: 5\n"
	_, err = readCachegrind(strings.NewReader(noSim))
	assert.ErrorContains(t, err, "--cache-sim=yes")
	_, err = readCachegrind(strings.NewReader("events: Ir I1mr\nsummary: 5\n"))
	assert.Error(t, err)
	_, err = readCachegrind(strings.NewReader(strings.Replace(cachegrindFile, "9111883", "x", 1)))
	assert.Error(t, err)
}

func TestWriteCountsShowsDifferenceFromFirstRole(t *testing.T) {
	var b strings.Builder
	WriteCounts(&b, []Count{
		{Role: "host", Shape: "s", PerRequest: []float64{100, 10, 1, 1, 1, 1}},
		{Role: "host-acl", Shape: "s", PerRequest: []float64{150, 12, 1, 1, 1, 1}},
		{Role: "host", Shape: "t", PerRequest: []float64{200, 20, 2, 2, 2, 2}},
	})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 5)
	assert.Equal(t, "| s | host | 100 | 10 | 1 | 1 | 1 | 1 |", lines[2])
	assert.Equal(t, "| s | host-acl | 150 (+50) | 12 (+2) | 1 (+0) | 1 (+0) | 1 (+0) | 1 (+0) |", lines[3])
	assert.Equal(t, "| t | host | 200 | 20 | 2 | 2 | 2 | 2 |", lines[4])
}

// TestSendSendsExactlyN checks the count-based load: n requests, no more,
// from several connections, and failures counted as such.
func TestSendSendsExactlyN(t *testing.T) {
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	defer srv.Close()
	ok, failed := Send(context.Background(), srv.URL, Shapes()[1], 4, 95)
	assert.Equal(t, int64(95), seen.Load())
	assert.Equal(t, int64(86), ok)
	assert.Equal(t, int64(9), failed)
}
