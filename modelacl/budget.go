package modelacl

import (
	"errors"
	"sync/atomic"
)

// ErrBufferBudget: the request's body would take the middleware past
// [Options].MaxBufferedBytes, the bytes all in-flight requests may hold
// buffered together. The request is refused with 503 and a Retry-After
// header, nothing of it forwarded; it may succeed once other requests
// finish. It bounds the memory of many concurrent large bodies, which a
// per-request limit alone does not.
var ErrBufferBudget = errors.New("modelacl: too many request bodies are being buffered; retry later")

// budget is the count of body bytes held by the requests in flight
// through one middleware. Safe for concurrent use.
type budget struct {
	max  int64
	used atomic.Int64
}

// take reserves n bytes, or reports false, reserving nothing, when that
// would exceed max.
func (b *budget) take(n int64) bool {
	for {
		u := b.used.Load()
		if n > b.max-u {
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

func (b *budget) give(n int64) { b.used.Add(-n) }

// lease is what one request holds of the budget.
type lease struct {
	b    *budget
	held int64
	bufs bufLease // the body buffer it paid for (bodybuf.go)
}

// growTo makes the lease hold at least n bytes.
func (l *lease) growTo(n int64) bool {
	if n <= l.held {
		return true
	}
	if !l.b.take(n - l.held) {
		return false
	}
	l.held = n
	return true
}

// release returns everything the lease holds.
func (l *lease) release() {
	if l.held > 0 {
		l.b.give(l.held)
		l.held = 0
	}
}
