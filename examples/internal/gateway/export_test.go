package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/modelgate/modelgate/modelacl"
	"github.com/modelgate/modelgate/routeparse"
)

// Dispatch runs the handler behind the middleware with dec as the
// request's decision (nil: none), so tests can hand it decisions the
// middleware would never make; only the middleware can put one in a
// request's context.
func (g *Gateway) Dispatch(w http.ResponseWriter, r *http.Request, dec *modelacl.Decision) {
	g.dispatch.serve(w, r, dec)
}

// SpliceModel is what the dispatcher forwards for an aliased model m of
// body: body with m's string replaced by the JSON encoding of to, through
// the same splice over a reader at offsets. ok is false when the span does
// not hold m's string.
func SpliceModel(body []byte, m routeparse.Model, to string) (out []byte, ok bool) {
	sp, has := m.BodySpan()
	if !has {
		return nil, false
	}
	val, err := json.Marshal(to)
	if err != nil {
		return nil, false
	}
	s, ok := spliceBody(bytes.NewReader(body), sp, m.Raw(), val)
	if !ok {
		return nil, false
	}
	out, err = io.ReadAll(s.reader())
	if err != nil || int64(len(out)) != s.size {
		return nil, false
	}
	return out, true
}
