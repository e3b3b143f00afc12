package routeparse

import (
	"fmt"
	"strings"
)

// Body models of Gemini and Vertex model-path routes.
//
// The path names the model ("/v1beta/models/{m}:generateContent"), but a
// Google request body may name one too: the top-level "model" of
// embedContent and of a GenerateContentRequest, "requests[].model" of
// batchEmbedContents (google.golang.org/genai@v1.77.0 models.go
// embedContentParametersPrivateToMldev sets it to "models/{m}"),
// "generateContentRequest.model" of countTokens and
// "batch.inputConfig.requests.requests[].request.model" of
// batchGenerateContent (batches.go inlinedRequestToMldev). The API
// requires them to match the path; a dispatcher or a compatible server
// may instead serve the body's. So every one of them must name the path's
// model, in any of Google's spellings of it, or the body is refused with
// [ErrAmbiguousModel]. They are not recorded as models of their own: they
// name the path model, which is already authorized.
//
// Protobuf JSON accepts a field's proto name as well as its JSON name, so
// "generate_content_request" and "input_config" are read too; both
// spellings in one object are ambiguous.

// gnode is an object in the Google body tree; gmember one of its members.
type gnode struct {
	members []gmember
}

type gmember struct {
	names []string // the JSON name, then the proto name when it differs
	field string   // non-empty: the member is a model string with this Field
	obj   *gnode   // the member is an object (or, with list, a list of objects)
	list  bool
}

var (
	gRequestModel = &gnode{members: []gmember{{names: []string{"model"}, field: "requests.request.model"}}}
	gRequests     = &gnode{members: []gmember{
		{names: []string{"model"}, field: "requests.model"},
		{names: []string{"request"}, obj: gRequestModel},
	}}
	gBatchRequest = &gnode{members: []gmember{{names: []string{"model"}, field: "batch.inputConfig.requests.requests.request.model"}}}
	gBatch        = &gnode{members: []gmember{
		{names: []string{"model"}, field: "batch.model"},
		{names: []string{"inputConfig", "input_config"}, obj: &gnode{members: []gmember{
			{names: []string{"requests"}, obj: &gnode{members: []gmember{
				{names: []string{"requests"}, obj: &gnode{members: []gmember{
					{names: []string{"request"}, obj: gBatchRequest},
				}}, list: true},
			}}},
		}}},
	}}
	googleBody = &gnode{members: []gmember{
		{names: []string{"model"}, field: "model"},
		{names: []string{"requests"}, obj: gRequests, list: true},
		{names: []string{"generateContentRequest", "generate_content_request"}, obj: &gnode{members: []gmember{
			{names: []string{"model"}, field: "generateContentRequest.model"},
		}}},
		{names: []string{"batch"}, obj: gBatch},
	}}
)

// gmatch returns the member of n that the raw key names, or -1, and
// whether the match is exact rather than a case variant.
func (x *extractor) gmatch(raw []byte, esc bool, n *gnode) (int, bool) {
	for mi := range n.members {
		if idx, exact := x.lookup(raw, esc, n.members[mi].names); idx >= 0 {
			return mi, exact
		}
	}
	return -1, false
}

// gobject walks the object at b[i], depth levels below the top, reading
// the members n lists.
func (x *extractor) gobject(i, depth int, n *gnode) int {
	s := &x.s
	var seen uint32
	it := s.object(i)
	for it.next() {
		mi, exact := x.gmatch(it.key(), it.keyEsc, n)
		if mi < 0 {
			it.pos = s.value(it.pos, depth+1)
			continue
		}
		m := &n.members[mi]
		if !x.member(mi, exact, &seen, m.names[0], it.key(), true) {
			return -1
		}
		if it.pos = x.gvalue(it.pos, depth+1, m); it.pos < 0 {
			return -1
		}
	}
	return it.pos
}

// gvalue reads the value of member m at b[i].
func (x *extractor) gvalue(i, depth int, m *gmember) int {
	s := &x.s
	c := s.at(i)
	switch {
	case m.field != "":
		if c != '"' {
			return x.notString(i, depth, fmt.Sprintf("%q", m.field))
		}
		return x.googleModel(i, m.field)
	case c == 'n':
		return s.literal(i) // an unset message or list
	case !m.list:
		if c != '{' {
			return x.wrongType(i, depth, fmt.Sprintf("%q", m.names[0]), "an object")
		}
		return x.gobject(i, depth, m.obj)
	}
	if c != '[' {
		return x.wrongType(i, depth, fmt.Sprintf("%q", m.names[0]), "a list")
	}
	it := s.array(i)
	for it.next() {
		if e := s.at(it.pos); e != '{' {
			return x.wrongType(it.pos, depth+1, fmt.Sprintf("an element of %q", m.names[0]), "an object")
		}
		if it.pos = x.gobject(it.pos, depth+1, m.obj); it.pos < 0 {
			return -1
		}
	}
	return it.pos
}

// googleModel checks the model string at b[i] against the path model.
func (x *extractor) googleModel(i int, field string) int {
	end, esc := x.s.str(i)
	if end < 0 {
		return -1
	}
	raw := x.s.b[i+1 : end-1]
	name := string(raw)
	if esc {
		var buf [256]byte
		dec, err := unescapeJSON(buf[:0], name, true)
		if err != nil {
			x.badName(field, err)
			return -1
		}
		name = string(dec)
	}
	if name == "" {
		x.malformed(fmt.Sprintf("empty model name in %q", field))
		return -1
	}
	if err := checkModelName(name); err != nil {
		x.badName(field, err)
		return -1
	}
	if !googleSameModel(x.provider, x.pub, x.want, name) {
		x.fail(ErrAmbiguousModel, fmt.Sprintf("%q names %q, not the path's model %q", field, clip(name), clip(x.want)))
		return -1
	}
	return end
}

// googleSameModel reports whether name, from the body, is one of the
// spellings of the path model want that the provider reads as the same
// model:
//
//   - Gemini: "{m}" and "models/{m}" (genai's tModel adds "models/");
//     a tuned model only as "tunedModels/{m}";
//   - Vertex, publisher pub, path model {m} (want is "{pub}/{m}" for
//     publishers other than google and anthropic): "{m}", "{pub}/{m}"
//     and "publishers/{pub}/models/{m}" (genai's short and long forms).
//
// A full resource name ("projects/p/locations/l/publishers/...") is not
// accepted: its project and location need not be the path's.
func googleSameModel(p Provider, pub, want, name string) bool {
	if name == want {
		return true
	}
	switch p {
	case Gemini:
		m, ok := strings.CutPrefix(name, "models/")
		return ok && m == want && !strings.HasPrefix(want, "tunedModels/")
	case Vertex:
		if pub == "" {
			return false
		}
		m := want
		if q, ok := strings.CutPrefix(want, pub+"/"); ok && pub != "google" && pub != "anthropic" {
			m = q
		}
		if name == m {
			return true
		}
		if rest, ok := strings.CutPrefix(name, pub+"/"); ok && rest == m {
			return true
		}
		if rest, ok := strings.CutPrefix(name, "publishers/"+pub+"/models/"); ok && rest == m {
			return true
		}
	}
	return false
}
