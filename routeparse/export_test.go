package routeparse

import (
	"fmt"
	"strings"
)

// RouteRow classifies a request as ParseRequest does and returns the
// index of the route table row that matched (-1 when another matcher did,
// or none), with ParseRequest's error. A row whose route is refused by
// design (its limit) is reported with its ErrNoModel.
func RouteRow(p *Parser, method, path, query string) (int, error) {
	var r Route
	err := p.parseRequest(&r, method, path, query, nil)
	return int(r.row) - 1, err
}

// RowLimited reports whether row i is refused by design.
func RowLimited(i int) bool { return i < len(apiRows) && apiRows[i].limit != "" }

// RouteRowCount is the number of rows of the route table: the
// OpenAI-shaped routes, then the actions and verbs.
const RouteRowCount = len(apiRows) + len(actionRows)

// GrammarDocLines renders the route table as the grammar lines of doc.go,
// one per row, in table order.
func GrammarDocLines() []string {
	lines := make([]string, 0, RouteRowCount)
	for i := range RouteRowCount {
		lines = append(lines, GrammarDocLine(i))
	}
	return lines
}

// GrammarDocLine renders row i.
func GrammarDocLine(i int) string {
	if i >= len(apiRows) {
		return actionDocLine(&actionRows[i-len(apiRows)])
	}
	rw := &apiRows[i]
	var vers []string
	for _, v := range versions[1:] {
		if rw.vers&v.v != 0 {
			vers = append(vers, v.seg)
		}
	}
	path := "/" + rw.path
	switch {
	case len(vers) > 0 && rw.vers&verNone != 0:
		path = "[/" + strings.Join(vers, "|") + "]" + path
	case len(vers) > 0:
		path = "/" + strings.Join(vers, "|") + path
	}
	var ms []string
	for m := mGet; m < mOther; m <<= 1 {
		if rw.methods&m != 0 {
			ms = append(ms, m.String())
		}
	}
	var fams []string
	for j, name := range famNames {
		if rw.fam&(1<<j) != 0 {
			fams = append(fams, name)
		}
	}
	return fmt.Sprintf("%-15s %-33s %-9s %-23s %-28s %s",
		strings.Join(ms, "|"), path, rw.prov, rw.sp.op, rowWhere(rw), strings.Join(fams, ","))
}

// rowWhere is where a row's model is, in the doc's notation.
func rowWhere(rw *apiRow) string {
	var w string
	switch {
	case rw.limit != "":
		w = "ErrNoModel (see below)"
	case rw.sp.free:
		w = "free"
	case rw.sp.body == BodyMultipart && rw.sp.json:
		w = `F|B "model"`
	case rw.sp.body == BodyMultipart:
		w = `F "model"`
	case rw.sp.shape == shapeBatchRequests:
		w = `B "requests[].params.model"`
	case rw.sp.shape == shapeCallOffer:
		w = `F "session" .model`
	case rw.sp.shape == shapeSession:
		w = `B "session.model"`
	case rw.sp.body == BodyJSON:
		w = `B "model"`
	case strings.Contains(rw.path, phModel), strings.Contains(rw.path, phARN):
		w = "M"
		if rw.field != "" {
			w += " " + rw.field
		}
	default:
		w = `Q "model"`
	}
	if rw.sp.stream {
		w += " stream"
	}
	if rw.sp.opt {
		w += " or default"
	}
	return w
}

// actionDocLine renders an action row in the columns of the route table.
func actionDocLine(a *actionRow) string {
	path, prov, where, fam := "", "", "M", ""
	switch a.fam {
	case actBedrock:
		path, prov, fam = "/model/{M}/"+a.name, "bedrock", "bedrock"
	case actGoogle:
		path, prov, fam = ".../{M}:"+a.name, "gemini|vertex_ai", "gemini,vertex"
	case actAzure:
		path, prov, fam = "/openai/deployments/{M}/"+a.name, "azure", "azure"
		where = `M + B "model"`
		if a.sp.body == BodyMultipart {
			where = `M + F "model"`
		}
	}
	if a.sp.stream {
		where += " stream"
	}
	return fmt.Sprintf("%-15s %-33s %-9s %-23s %-28s %s", "POST", path, prov, a.sp.op, where, fam)
}
