package gateway_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/examples/internal/gateway"
)

// slowClient is one keyless connection that sends its headers, then
// dribbles its body a byte at a time, and records when the gateway refused
// it and when the gateway let go of the connection.
type slowClient struct {
	status            int
	refused, released time.Duration // since the start; 0: never
	err               error
}

func dribble(addr string, start time.Time, stop <-chan struct{}) slowClient {
	var sc slowClient
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		sc.err = err
		return sc
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetReadDeadline(time.Now().Add(6 * time.Second))
	_, err = io.WriteString(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
	if err != nil {
		sc.err = err
		return sc
	}
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		sc.err = fmt.Errorf("no refusal: %w", err)
		return sc
	}
	sc.status, sc.refused = resp.StatusCode, time.Since(start)
	_, _ = io.Copy(io.Discard, resp.Body)
	// The connection is released when the gateway closes it (a reset
	// when the gateway closes with some of the body unread).
	if _, err := br.ReadByte(); err == io.EOF || errors.Is(err, syscall.ECONNRESET) {
		sc.released = time.Since(start)
	} else {
		sc.err = fmt.Errorf("connection still open after the refusal: %v", err)
	}
	return sc
}

// 300 keyless connections dribble their bodies. Each is refused (401) at
// once and released within a second of its refusal, without its body
// being read at the attacker's pace; an authenticated client is served
// all along.
func TestSlowClientsHoldNothing(t *testing.T) {
	const attackers = 300
	addr, mocks := serve(t, baseConfig+"keys: [{key: sk-a, models: ['*']}]\n", gateway.ServerOptions{})
	start := time.Now()
	cpu0 := cpuTime()
	stop := make(chan struct{})

	var served, failed atomic.Int64
	var slowest atomic.Int64
	var legit sync.WaitGroup
	legit.Go(func() {
		client := &http.Client{Timeout: 2 * time.Second}
		for {
			select {
			case <-stop:
				return
			default:
			}
			t0 := time.Now()
			req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/chat/completions", strings.NewReader(chatMini))
			req.Header.Set("Authorization", "Bearer sk-a")
			resp, err := client.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				failed.Add(1)
			} else {
				served.Add(1)
			}
			if resp != nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			if d := int64(time.Since(t0)); d > slowest.Load() {
				slowest.Store(d)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})

	results := make([]slowClient, attackers)
	var wg sync.WaitGroup
	for i := range attackers {
		wg.Go(func() { results[i] = dribble(addr, start, stop) })
	}
	wg.Wait()
	// The authenticated client goes on a while after the last refusal.
	time.Sleep(time.Until(start.Add(1500 * time.Millisecond)))
	close(stop)
	legit.Wait()
	cpu := cpuTime() - cpu0

	refused, released, held := 0, 0, 0
	var worst time.Duration
	for _, r := range results {
		if r.status == http.StatusUnauthorized {
			refused++
		}
		if r.released > 0 && r.released-r.refused <= time.Second {
			released++
		} else {
			held++
		}
		worst = max(worst, r.released-r.refused)
	}
	t.Logf("%d keyless slow clients: %d refused, %d released within 1 s of their refusal, %d held; worst release %v; CPU %v in %v; authenticated: %d served, %d failed, slowest %v",
		attackers, refused, released, held, worst, cpu.Round(time.Millisecond), time.Since(start).Round(time.Millisecond),
		served.Load(), failed.Load(), time.Duration(slowest.Load()).Round(time.Millisecond))
	for i, r := range results {
		if r.err != nil {
			t.Errorf("client %d: %v", i, r.err)
			break
		}
	}
	assert.Equal(t, attackers, refused)
	assert.Equal(t, attackers, released, "connections held past a second after their refusal")
	assert.Positive(t, served.Load())
	assert.Zero(t, failed.Load(), "the authenticated client was not served throughout")
	require.Equal(t, int(served.Load()), mocks.Total(), "only authenticated requests reach an upstream")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
