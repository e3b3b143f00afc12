package routeparse_test

import (
	"bufio"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// The path vectors in testdata/path/*.txt are data: one block per request,
//
//	--- name
//	# comments: who sends this request (SDK, file) and why it matters
//	prefixes: bedrock=/llm/bedrock openai=-      (optional Parser.Prefixes)
//	METHOD /escaped/path[?raw-query]
//	=> expectation
//
// where the expectation is either
//
//	error <sentinel> <shape>
//
// or the route, its fields in this order, optional ones only when set:
//
//	<provider> <operation> [dialect=D] [prefix=P] [upstream=U] [stream] [free] [body=json|multipart]
//	[model=<source>:<field>:<name>]...
//
// The expectations are written by hand from the SDK sources; -update
// rewrites them from the parser's output, for reviewing a deliberate change
// as a diff.
var update = flag.Bool("update", false, "rewrite the expectations in testdata/path from the parser's output")

type pathVector struct {
	name     string
	file     string
	line     int // of the "=>" line
	prefixes routeparse.Prefixes
	method   string
	path     string
	query    string
	want     string
}

func loadPathVectors(t *testing.T) []pathVector {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "path", "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var out []pathVector
	for _, f := range files {
		out = append(out, parseVectorFile(t, f)...)
	}
	return out
}

func parseVectorFile(t *testing.T, file string) []pathVector {
	t.Helper()
	fh, err := os.Open(file)
	require.NoError(t, err)
	defer fh.Close()
	var (
		out []pathVector
		cur *pathVector
	)
	sc := bufio.NewScanner(fh)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "--- "):
			out = append(out, pathVector{name: strings.TrimPrefix(line, "--- "), file: file})
			cur = &out[len(out)-1]
		case cur == nil:
			t.Fatalf("%s:%d: content before the first '--- name' line", file, ln)
		case strings.HasPrefix(line, "prefixes:"):
			for _, kv := range strings.Fields(strings.TrimPrefix(line, "prefixes:")) {
				k, v, ok := strings.Cut(kv, "=")
				require.True(t, ok, "%s:%d: bad prefixes entry %q", file, ln, kv)
				switch k {
				case "bedrock":
					cur.prefixes.Bedrock = v
				case "vertex":
					cur.prefixes.Vertex = v
				case "gemini":
					cur.prefixes.Gemini = v
				case "azure":
					cur.prefixes.Azure = v
				case "openai":
					cur.prefixes.OpenAI = v
				case "anthropic":
					cur.prefixes.Anthropic = v
				default:
					t.Fatalf("%s:%d: unknown prefix %q", file, ln, k)
				}
			}
		case strings.HasPrefix(line, "=> "):
			require.Empty(t, cur.want, "%s:%d: two expectations", file, ln)
			cur.want = strings.TrimPrefix(line, "=> ")
			cur.line = ln
		default:
			require.Empty(t, cur.method, "%s:%d: two request lines in %q", file, ln, cur.name)
			method, uri, ok := strings.Cut(line, " ")
			require.True(t, ok, "%s:%d: want 'METHOD URI', got %q", file, ln, line)
			cur.method = method
			cur.path, cur.query, _ = strings.Cut(uri, "?")
		}
	}
	require.NoError(t, sc.Err())
	for _, v := range out {
		require.NotEmpty(t, v.method, "%s: vector %q has no request", file, v.name)
		require.NotEmpty(t, v.want, "%s: vector %q has no expectation", file, v.name)
	}
	return out
}

var sentinelNames = []struct {
	err  error
	name string
}{
	{routeparse.ErrMalformedPath, "malformed_path"},
	{routeparse.ErrUnknownRoute, "unknown_route"},
	{routeparse.ErrNoModel, "no_model"},
	{routeparse.ErrAmbiguousModel, "ambiguous_model"},
	{routeparse.ErrMalformedBody, "malformed_body"},
	{routeparse.ErrUnsupportedEncoding, "unsupported_encoding"},
	{routeparse.ErrBodyTooLarge, "body_too_large"},
}

// renderOutcome is the vector notation of a ParseRequest result.
func renderOutcome(t *testing.T, r routeparse.Route, err error) string {
	t.Helper()
	if err != nil {
		var perr *routeparse.Error
		require.ErrorAs(t, err, &perr, "every error is a *routeparse.Error")
		for _, s := range sentinelNames {
			if errors.Is(err, s.err) {
				return "error " + s.name + " " + perr.Shape
			}
		}
		t.Fatalf("error %v wraps no sentinel", err)
	}
	var b strings.Builder
	b.WriteString(r.Provider.String() + " " + r.Operation.String())
	if r.Dialect != routeparse.ProviderUnknown {
		b.WriteString(" dialect=" + r.Dialect.String())
	}
	if r.Prefix != "" {
		b.WriteString(" prefix=" + r.Prefix + " upstream=" + r.UpstreamPath)
	}
	if r.Stream {
		b.WriteString(" stream")
	}
	if r.ModelFree {
		b.WriteString(" free")
	}
	if r.Body != routeparse.BodyNone {
		b.WriteString(" body=" + r.Body.String())
	}
	for _, m := range r.Models() {
		b.WriteString(" model=" + m.Source.String() + ":" + m.Field + ":" + m.Name())
	}
	return b.String()
}

func TestGoldenPathVectors(t *testing.T) {
	vectors := loadPathVectors(t)
	require.GreaterOrEqual(t, len(vectors), 120, "the path vectors cover every shape and attack")
	seen := map[string]bool{}
	got := map[string]map[int]string{} // file -> line -> actual, for -update
	for _, v := range vectors {
		require.False(t, seen[v.name], "duplicate vector name %q", v.name)
		seen[v.name] = true
		t.Run(v.name, func(t *testing.T) {
			p := routeparse.Parser{Prefixes: v.prefixes}
			r, err := p.ParseRequest(v.method, v.path, v.query, nil)
			if err != nil {
				assert.Empty(t, r.Models(), "no model is returned with an error")
				assert.Equal(t, routeparse.Route{}.Provider, r.Provider)
			}
			actual := renderOutcome(t, r, err)
			if got[v.file] == nil {
				got[v.file] = map[int]string{}
			}
			got[v.file][v.line] = actual
			if !*update {
				assert.Equal(t, v.want, actual, "%s:%d", v.file, v.line)
			}
		})
	}
	if *update {
		for file, lines := range got {
			rewriteExpectations(t, file, lines)
		}
	}
}

func rewriteExpectations(t *testing.T, file string, lines map[int]string) {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	all := strings.Split(string(data), "\n")
	for ln, actual := range lines {
		require.True(t, strings.HasPrefix(all[ln-1], "=> "))
		all[ln-1] = "=> " + actual
	}
	require.NoError(t, os.WriteFile(file, []byte(strings.Join(all, "\n")), 0o644))
}
