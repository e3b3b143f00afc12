package modelacl

import (
	"crypto/sha256"
	"errors"
	"io"
	"math/bits"
	"sync"
)

// Body buffers are reused across requests served by [Middleware.Handler]:
// a 1 MiB body read into a fresh buffer costs the zeroing of that buffer
// and, above all, the garbage collections its allocation brings on, which
// together cost more CPU than the copy from the socket. A buffer goes back
// to its pool only when the request is over (the next handler returned)
// and nobody can read it any more: the body handed on and every GetBody
// copy read it through one guard, which refuses reads from then on
// ([errBodyReleased]), and a write straight from the buffer still under
// way (WriteTo) keeps it out of the pool until it returns. So no byte of
// one request's body can be read as part of another's.
//
// [Middleware.Check] never hands out a pooled buffer: its caller decides
// when the request is over, and nothing tells the middleware.

// errBodyReleased is what a read of a handed-on body returns once the
// next handler has returned: its buffer holds, or will hold, another
// request's body.
var errBodyReleased = errors.New("modelacl: request body read after the handler returned; copy it before returning to keep it")

// Size classes of pooled buffers: 1 KiB and below, then four classes per
// doubling (5/4, 6/4, 7/4 and 8/4 of a power of two), so a buffer is at
// most 25% larger than the body it holds, up to maxPooledBuf. Larger
// buffers are allocated per request and left to the garbage collector.
const (
	minPooledBuf  = 1 << 10
	maxPooledBuf  = 64 << 20 // above the default MaxBodyBytes (32 MiB) + 1
	classesPerLog = 4
	numBufClasses = 1 + classesPerLog*(26-10) // 26: log2(maxPooledBuf)
)

// bufClass returns the class of a buffer of at least n bytes and its
// capacity; ok is false above maxPooledBuf.
func bufClass(n int64) (class int, size int64, ok bool) {
	if n <= minPooledBuf {
		return 0, minPooledBuf, true
	}
	if n > maxPooledBuf {
		return 0, 0, false
	}
	e := bits.Len64(uint64(n-1)) - 1 // 2^e < n <= 2^(e+1), e >= 10
	step := int64(1) << (e - 2)
	q := (n + step - 1) / step // 5..8
	return 1 + (e-10)*classesPerLog + int(q-5), q * step, true
}

// bodyBuf is a pooled buffer; the pools hold pointers, so that Get and Put
// allocate nothing.
type bodyBuf struct{ b []byte }

// bodyPool is one Middleware's pools of body buffers. The garbage
// collector empties a sync.Pool of what stayed unused over two cycles,
// so the pools hold about what the requests in flight used recently
// (bounded by MaxBufferedBytes, plus the rounding up to a class), as
// their garbage would have.
type bodyPool struct {
	classes [numBufClasses]sync.Pool
}

// get returns a buffer of capacity n or more, from the pool when n has a
// class (pooled true), otherwise a new one of capacity n.
func (p *bodyPool) get(n int64) (bb *bodyBuf, pooled bool) {
	class, size, ok := bufClass(n)
	if !ok {
		return &bodyBuf{b: make([]byte, 0, n)}, false
	}
	if v, _ := p.classes[class].Get().(*bodyBuf); v != nil {
		return v, true
	}
	return &bodyBuf{b: make([]byte, 0, size)}, true
}

// put gives bb back; bb must come from get, pooled, and nobody may read
// or write it any more.
func (p *bodyPool) put(bb *bodyBuf) {
	class, size, ok := bufClass(int64(cap(bb.b)))
	if !ok || size != int64(cap(bb.b)) {
		return
	}
	bb.b = bb.b[:0]
	p.classes[class].Put(bb)
}

// bufLease is the body buffer one request reads into: from pool when the
// request is served by [Middleware.Handler], owned (nil once handed on or
// given back).
type bufLease struct {
	pool  *bodyPool
	owned *bodyBuf
	// probe is where readAtMost looks for the end of a full buffer: a
	// byte on the stack would escape to the heap through io.Reader.
	probe [1]byte
}

// newBuf returns an empty buffer of capacity n for l's request, holding n
// bytes of the budget; ok is false when the budget cannot hold them.
func (l *lease) newBuf(n int64) (buf []byte, ok bool) {
	if !l.growTo(n) {
		return nil, false
	}
	if l.bufs.pool == nil {
		return make([]byte, 0, n), true
	}
	bb, pooled := l.bufs.pool.get(n)
	if pooled {
		l.bufs.owned = bb
	}
	// Capped at n: what the budget holds is what the body may fill, and
	// a recycled buffer's bytes past it are never in reach.
	return bb.b[:0:n], true
}

// growBuf returns buf's bytes in a new buffer of capacity n, giving the
// old one back to the pool (nobody else has seen it yet); ok is false when
// the budget cannot hold n bytes.
func (l *lease) growBuf(buf []byte, n int64) (grown []byte, ok bool) {
	old := l.bufs.owned
	l.bufs.owned = nil
	grown, ok = l.newBuf(n)
	if !ok {
		l.bufs.owned = old
		return buf, false
	}
	grown = append(grown, buf...)
	if old != nil {
		l.bufs.pool.put(old)
	}
	return grown, true
}

// handOn passes the pooled buffer (if any) to whoever guards the body
// handed on; the lease no longer gives it back.
func (l *lease) handOn() *bodyBuf {
	bb := l.bufs.owned
	l.bufs.owned = nil
	return bb
}

// dropBuf gives back a buffer read but never handed on (the request was
// refused): nothing else can hold it.
func (l *lease) dropBuf() {
	if bb := l.handOn(); bb != nil {
		l.bufs.pool.put(bb)
	}
}

// heldBody is a buffered body handed to the next handler: the bytes, and
// the guard that stops every reader of them when the request is over. It
// lives in the request's decisionCtx; the body handed on and each GetBody
// copy are bodyReaders of it.
type heldBody struct {
	mu       sync.Mutex
	buf      []byte // nil once released
	size     int64  // len(buf) when handed on: Size still answers after release
	released bool
	writing  int      // WriteTo calls writing straight from buf
	owned    *bodyBuf // the pooled buffer behind buf, nil if none
	pool     *bodyPool
	sum      *[sha256.Size]byte // SHA-256 of buf, when verifying a SigV4 signature computed it
}

// hold makes h the holder of b, whose SHA-256 is sum (nil: not
// computed), backed by bb (nil: not pooled).
func (h *heldBody) hold(b []byte, sum *[sha256.Size]byte, bb *bodyBuf, pool *bodyPool) {
	h.buf, h.size, h.sum, h.owned, h.pool = b, int64(len(b)), sum, bb, pool
}

// release ends every read of h: from now on they fail. The buffer goes
// back to the pool at once, or when the last write from it returns.
func (h *heldBody) release() {
	h.mu.Lock()
	if h.released {
		h.mu.Unlock()
		return
	}
	h.released = true
	h.buf = nil
	bb := h.recyclable()
	h.mu.Unlock()
	if bb != nil {
		h.pool.put(bb)
	}
}

// recyclable returns the pooled buffer when nobody can touch it any more,
// once; h.mu is held.
func (h *heldBody) recyclable() *bodyBuf {
	if !h.released || h.writing > 0 || h.owned == nil {
		return nil
	}
	bb := h.owned
	h.owned = nil
	return bb
}

// bodyReader reads a heldBody. Besides io.ReadCloser it is an io.ReaderAt
// with a Size, as bytes.Reader is, so that a dispatcher can splice the
// body at the offsets the parser recorded without copying it, an
// io.WriterTo, so that io.Copy writes straight from the buffer, and,
// after a SigV4 verification hashed the body, a sigv4.SummedBody, so
// that a signer re-signing it for the upstream does not hash it again.
type bodyReader struct {
	h   *heldBody
	off int64
}

func (r *bodyReader) Read(p []byte) (int, error) {
	h := r.h
	h.mu.Lock()
	switch {
	case h.released:
		h.mu.Unlock()
		return 0, errBodyReleased
	case r.off >= h.size:
		h.mu.Unlock()
		return 0, io.EOF
	}
	n := copy(p, h.buf[r.off:]) // cannot panic: no defer needed
	r.off += int64(n)
	h.mu.Unlock()
	return n, nil
}

// ReadAt reads as io.ReaderAt; it does not move the reader's offset.
func (r *bodyReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("modelacl: negative offset")
	}
	h := r.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released {
		return 0, errBodyReleased
	}
	if off >= h.size {
		return 0, io.EOF
	}
	n := copy(p, h.buf[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Size is the body's length.
func (r *bodyReader) Size() int64 { return r.h.size }

// ContentSHA256 is the SHA-256 of the whole body (Size bytes, from its
// start), when verifying the client's SigV4 signature computed it; ok is
// false otherwise. Neither depends on how much of the body was read.
func (r *bodyReader) ContentSHA256() (sum [sha256.Size]byte, ok bool) {
	if r.h.sum == nil {
		return sum, false
	}
	return *r.h.sum, true
}

// WriteTo writes the rest of the body to w in one Write, straight from the
// buffer, which stays out of the pool until that Write returns.
func (r *bodyReader) WriteTo(w io.Writer) (int64, error) {
	h := r.h
	h.mu.Lock()
	if h.released {
		h.mu.Unlock()
		return 0, errBodyReleased
	}
	if r.off >= h.size {
		h.mu.Unlock()
		return 0, nil
	}
	p := h.buf[r.off:]
	h.writing++
	h.mu.Unlock()

	n, err := w.Write(p)

	h.mu.Lock()
	h.writing--
	bb := h.recyclable()
	h.mu.Unlock()
	if bb != nil {
		h.pool.put(bb)
	}
	if n < 0 || n > len(p) {
		return 0, errors.New("modelacl: invalid Write count")
	}
	r.off += int64(n)
	if err == nil && n != len(p) {
		err = io.ErrShortWrite
	}
	return int64(n), err
}

// Close does nothing: the buffer is given back when the request is over,
// not when a reader is done.
func (*bodyReader) Close() error { return nil }

// replay is GetBody: a new reader of the same bytes, stopped by the same
// guard.
func (r *bodyReader) replay() (io.ReadCloser, error) {
	return &bodyReader{h: r.h}, nil
}
