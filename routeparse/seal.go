package routeparse

import (
	"errors"
	"hash/maphash"
)

// ErrUnsealedRoute: a [Route] that did not come from [Parser.ParseRequest]
// (built by hand, the zero value) or whose fields were changed after the
// parser set them. [Parser.ParseBody] refuses it, and so must any
// authorizer ([Route.Sealed]): a route is a security decision's input, and
// only the parser may make one.
var ErrUnsealedRoute = errors.New("routeparse: route not made by the parser, or changed after parsing")

// sealSeed keys the seal. It is random per process, so a seal cannot be
// computed outside this package (nor carried from one process to another).
var sealSeed = maphash.MakeSeed()

// Sealed reports whether r is exactly as the parser made it: returned by
// [Parser.ParseRequest] (and, when [Route.Body] is not [BodyNone], then
// passed through [Parser.ParseBody]), with none of its exported fields,
// and none of the [Model] values of [Route.Models], changed since. A
// Route built by hand (Route{ModelFree: true}), the zero value, or a
// parsed route whose Provider, ModelFree, Body, UpstreamPath, ... were
// edited is not sealed. Copies of a sealed Route are sealed.
//
// Authorizers must refuse a route that is not sealed: modelacl's
// Checker.CheckRoute does. Sealed does not allocate; it hashes the
// route's fields, so it costs about as much as reading them once.
func (r *Route) Sealed() bool {
	return r.seal != 0 && r.seal == r.digest()
}

// sealNow records the digest of r's current fields.
func (r *Route) sealNow() { r.seal = r.digest() }

// digest hashes every field a caller could change (exported fields of the
// Route and of its Models) and the unexported fields of the Models (which
// a caller could swap in by copying a Model of another Route). It is
// never 0, so the zero Route is unsealed.
func (r *Route) digest() uint64 {
	var h maphash.Hash
	h.SetSeed(sealSeed)
	var b [8]byte
	b[0], b[1], b[2], b[3] = byte(r.Provider), byte(r.Operation), byte(r.Dialect), byte(r.Body)
	b[4], b[5] = boolByte(r.Stream), boolByte(r.ModelFree)
	h.Write(b[:6])
	writeStr(&h, r.Prefix)
	writeStr(&h, r.UpstreamPath)
	for i := range r.Models() {
		m := &r.Models()[i]
		b[0], b[1], b[2], b[3] = byte(m.Source), boolByte(m.Fallback), boolByte(m.part), boolByte(m.elem)
		h.Write(b[:4])
		putU32(&h, m.spanOff)
		putU32(&h, m.spanEnd)
		writeStr(&h, m.Field)
		writeStr(&h, m.raw)
		writeStr(&h, m.name)
	}
	return h.Sum64() | 1
}

// writeStr writes s with its length, so that no two sequences of strings
// hash the same way by moving a boundary.
func writeStr(h *maphash.Hash, s string) {
	putU32(h, uint32(len(s)))
	h.WriteString(s)
}

func putU32(h *maphash.Hash, v uint32) {
	h.Write([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)})
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
