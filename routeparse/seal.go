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

// sealSeed keys the digest of the models beyond a Route's inline ones. It
// is random per process.
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
// Checker.CheckRoute does. Sealed does not allocate; it compares the
// route with the copy of its fields the parser kept, which costs a few
// nanoseconds when nothing changed.
func (r *Route) Sealed() bool {
	s := &r.seal
	if !s.made || s.provider != r.Provider || s.op != r.Operation || s.dialect != r.Dialect ||
		s.body != r.Body || s.stream != r.Stream || s.free != r.ModelFree ||
		s.prefix != r.Prefix || s.upstream != r.UpstreamPath || s.n != r.n {
		return false
	}
	for i := range s.n { // Models returns only these: the others are never read
		if s.inline[i] != r.inline[i] {
			return false
		}
	}
	if r.extra == nil {
		return !s.hasExtra
	}
	return s.hasExtra && len(r.extra) == s.extraLen && modelsDigest(r.extra) == s.extraSum
}

// sealState is what the parser set on a Route, kept to compare with: a
// copy of the exported fields and of the inline models (comparing strings
// that still share their bytes is a pointer check), and a digest of the
// models beyond the inline ones, which only requests naming more than
// two models have.
type sealState struct {
	made     bool
	provider Provider
	op       Operation
	dialect  Provider
	body     BodyKind
	stream   bool
	free     bool
	hasExtra bool
	n        uint8
	extraLen int
	extraSum uint64
	prefix   string
	upstream string
	inline   [inlineModels]Model
}

// sealNow records r's current fields as the parser's.
func (r *Route) sealNow() {
	s := &r.seal
	s.made, s.provider, s.op, s.dialect, s.body = true, r.Provider, r.Operation, r.Dialect, r.Body
	s.stream, s.free, s.n, s.prefix, s.upstream = r.Stream, r.ModelFree, r.n, r.Prefix, r.UpstreamPath
	// Only the models in use: Sealed compares no other slot.
	copy(s.inline[:r.n], r.inline[:r.n])
	s.hasExtra, s.extraLen, s.extraSum = false, 0, 0
	if r.extra != nil {
		s.hasExtra, s.extraLen, s.extraSum = true, len(r.extra), modelsDigest(r.extra)
	}
}

// modelsDigest hashes every field of ms, exported or not (a caller could
// swap in a Model of another Route).
func modelsDigest(ms []Model) uint64 {
	var h maphash.Hash
	h.SetSeed(sealSeed)
	var b [12]byte
	for i := range ms {
		m := &ms[i]
		b[0], b[1], b[2], b[3] = byte(m.Source), boolByte(m.Fallback), boolByte(m.part), boolByte(m.elem)
		putU32(b[4:8], m.spanOff)
		putU32(b[8:12], m.spanEnd)
		h.Write(b[:])
		writeStr(&h, m.Field)
		writeStr(&h, m.raw)
		writeStr(&h, m.name)
	}
	return h.Sum64()
}

// writeStr writes s with its length, so that no two sequences of strings
// hash the same way by moving a boundary.
func writeStr(h *maphash.Hash, s string) {
	var n [4]byte
	putU32(n[:], uint32(len(s)))
	h.Write(n[:])
	h.WriteString(s)
}

func putU32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
