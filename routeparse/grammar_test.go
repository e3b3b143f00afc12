package routeparse_test

import (
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

var updateDoc = flag.Bool("update-doc", false, "rewrite the route table section of doc.go from the table (go generate)")

// docTableHeader opens the generated section of doc.go: a preformatted
// block whose lines are the route table's rows.
const docTableHeader = "// Route table:"

// TestGrammarDoc: the grammar in the package documentation lists exactly
// the route table's rows, in order, so the doc cannot drift from the
// parser. go generate (-update-doc) rewrites it.
func TestGrammarDoc(t *testing.T) {
	data, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	lines := strings.Split(string(data), "\n")
	start := -1
	for i, l := range lines {
		if l == docTableHeader {
			start = i + 2 // the header, then an empty comment line
			break
		}
	}
	require.GreaterOrEqual(t, start, 2, "doc.go has no %q section", docTableHeader)
	require.Equal(t, "//", lines[start-1])
	end := start
	for end < len(lines) && strings.HasPrefix(lines[end], "//\t") {
		end++
	}
	var want []string
	for _, l := range routeparse.GrammarDocLines() {
		want = append(want, "//\t"+strings.TrimRight(l, " "))
	}
	if *updateDoc {
		out := append(append(append([]string{}, lines[:start]...), want...), lines[end:]...)
		require.NoError(t, os.WriteFile("doc.go", []byte(strings.Join(out, "\n")), 0o644))
		return
	}
	assert.Equal(t, want, lines[start:end], "doc.go's route table is stale: run go generate ./routeparse")
}

// TestRouteTableCoverage: every row of the route table is exercised by at
// least one golden vector of testdata/path that the row classifies, so a
// route cannot be added (or kept) without a vector that shows who sends it.
func TestRouteTableCoverage(t *testing.T) {
	covered := make([]int, routeparse.RouteRowCount)
	for _, v := range loadPathVectors(t) {
		p := routeparse.Parser{Prefixes: v.prefixes}
		i, err := routeparse.RouteRow(&p, v.method, v.path, v.query)
		if i >= 0 && (err == nil || routeparse.RowLimited(i) && errors.Is(err, routeparse.ErrNoModel)) {
			covered[i]++
		}
	}
	for i, n := range covered {
		assert.NotZero(t, n, "route table row %d has no golden vector in testdata/path: %s", i, routeparse.GrammarDocLine(i))
	}
}
