package routeparse_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// The body vectors in testdata/body/*.txt are data: one block per request,
//
//	--- name
//	# comments: who sends this body (SDK, file) and why it matters
//	METHOD /escaped/path[?raw-query]
//	content-type: ...          (optional; default application/json)
//	content-encoding: ...      (optional; gzip and deflate bodies are compressed by the test)
//	limit: N                   (optional ParseBody limit)
//	repeat: N                  (optional: the body text repeated N times)
//	crlf                       (optional: line ends in the body become CRLF)
//	hex                        (optional: \xHH in the body is that byte)
//	raw                        (optional: send the body as written even with a content-encoding)
//	<<<
//	body text, any number of lines (joined with "\n", no final newline)
//	>>>
//	=> expectation
//
// where the expectation is either
//
//	error <sentinel> <shape>
//
// or
//
//	ok [stream] [model=<source>:<field>:<name>[:fallback]]...
//
// listing every model of the route, path and query ones included. The
// expectations are written by hand; -update-body (or the package's -update)
// rewrites them from the parser's output, for reviewing a deliberate change
// as a diff.
var updateBody = flag.Bool("update-body", false, "rewrite the expectations in testdata/body from the parser's output")

func updatingBodyVectors() bool {
	if *updateBody {
		return true
	}
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

type bodyVector struct {
	name, file string
	wantLine   int // index of the "=>" line in the file
	method     string
	path       string
	query      string
	ct, ce     string
	limit      int64
	repeat     int
	crlf, hex  bool
	raw        bool
	body       string
	want       string
}

func loadBodyVectors(t *testing.T, file string) ([]bodyVector, []string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	lines := strings.Split(string(raw), "\n")
	var (
		out    []bodyVector
		cur    *bodyVector
		inBody bool
		body   []string
	)
	for i, line := range lines {
		where := file + ":" + strconv.Itoa(i+1)
		if inBody {
			if line == ">>>" {
				inBody = false
				cur.body = strings.Join(body, "\n")
				continue
			}
			body = append(body, line)
			continue
		}
		switch {
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "--- "):
			out = append(out, bodyVector{name: strings.TrimPrefix(line, "--- "), file: file, wantLine: -1, repeat: 1})
			cur = &out[len(out)-1]
		case cur == nil:
			t.Fatalf("%s: line outside a vector: %q", where, line)
		case line == "<<<":
			inBody, body = true, nil
		case strings.HasPrefix(line, "=> "):
			cur.want, cur.wantLine = strings.TrimPrefix(line, "=> "), i
		case line == "crlf":
			cur.crlf = true
		case line == "hex":
			cur.hex = true
		case line == "raw":
			cur.raw = true
		case strings.HasPrefix(line, "content-type: "):
			cur.ct = strings.TrimPrefix(line, "content-type: ")
		case strings.HasPrefix(line, "content-encoding: "):
			cur.ce = strings.TrimPrefix(line, "content-encoding: ")
		case strings.HasPrefix(line, "limit: "):
			cur.limit, err = strconv.ParseInt(strings.TrimPrefix(line, "limit: "), 10, 64)
			require.NoError(t, err, where)
		case strings.HasPrefix(line, "repeat: "):
			cur.repeat, err = strconv.Atoi(strings.TrimPrefix(line, "repeat: "))
			require.NoError(t, err, where)
		case cur.method == "":
			method, target, ok := strings.Cut(line, " ")
			require.True(t, ok, "%s: want METHOD /path, got %q", where, line)
			cur.method = method
			cur.path, cur.query, _ = strings.Cut(target, "?")
		default:
			t.Fatalf("%s: unexpected line %q", where, line)
		}
	}
	require.False(t, inBody, "%s: body not closed", file)
	return out, lines
}

// bodyBytes builds the request body a vector describes.
func (v *bodyVector) bodyBytes(t *testing.T) []byte {
	text := v.body
	if v.crlf {
		text = strings.ReplaceAll(text, "\n", "\r\n")
	}
	if v.hex {
		var b strings.Builder
		for i := 0; i < len(text); i++ {
			if strings.HasPrefix(text[i:], `\x`) && i+4 <= len(text) {
				n, err := strconv.ParseUint(text[i+2:i+4], 16, 8)
				require.NoError(t, err, "%s: bad \\x escape", v.name)
				b.WriteByte(byte(n))
				i += 3
				continue
			}
			b.WriteByte(text[i])
		}
		text = b.String()
	}
	data := []byte(strings.Repeat(text, v.repeat))
	if v.raw {
		return data
	}
	switch strings.ToLower(v.ce) {
	case "gzip", "x-gzip":
		return compress(t, "gzip", data)
	case "deflate":
		return compress(t, "deflate", data)
	}
	return data
}

var bodySentinelNames = []struct {
	err  error
	name string
}{
	{routeparse.ErrMalformedBody, "malformed_body"},
	{routeparse.ErrAmbiguousModel, "ambiguous_model"},
	{routeparse.ErrNoModel, "no_model"},
	{routeparse.ErrUnsupportedEncoding, "unsupported_encoding"},
	{routeparse.ErrBodyTooLarge, "body_too_large"},
	{routeparse.ErrMalformedPath, "malformed_path"},
	{routeparse.ErrUnknownRoute, "unknown_route"},
}

// renderBodyResult formats what ParseRequest + ParseBody made of a vector.
func renderBodyResult(t *testing.T, v *bodyVector) string {
	var p routeparse.Parser
	r, err := p.ParseRequest(v.method, v.path, v.query, nil)
	if err == nil {
		ct := v.ct
		if ct == "" {
			ct = "application/json"
		}
		err = p.ParseBody(&r, ct, v.ce, v.bodyBytes(t), v.limit)
	}
	if err != nil {
		var perr *routeparse.Error
		require.ErrorAs(t, err, &perr, "%s: not a *routeparse.Error", v.name)
		for _, s := range bodySentinelNames {
			if errors.Is(err, s.err) {
				return "error " + s.name + " " + perr.Shape
			}
		}
		t.Fatalf("%s: error %v wraps no known sentinel", v.name, err)
	}
	out := []string{"ok"}
	if r.Stream {
		out = append(out, "stream")
	}
	for _, m := range r.Models() {
		s := "model=" + m.Source.String() + ":" + m.Field + ":" + m.Name()
		if m.Fallback {
			s += ":fallback"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestBodyVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "body", "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	total := 0
	for _, file := range files {
		vectors, lines := loadBodyVectors(t, file)
		changed := false
		for i := range vectors {
			v := &vectors[i]
			total++
			t.Run(strings.TrimSuffix(filepath.Base(file), ".txt")+"/"+v.name, func(t *testing.T) {
				require.NotEmpty(t, v.method, "vector has no request line")
				got := renderBodyResult(t, v)
				if updatingBodyVectors() {
					if v.wantLine < 0 {
						t.Fatalf("vector %s has no => line to update", v.name)
					}
					if lines[v.wantLine] != "=> "+got {
						lines[v.wantLine] = "=> " + got
						changed = true
					}
					return
				}
				require.GreaterOrEqual(t, v.wantLine, 0, "vector has no expectation")
				assert.Equal(t, v.want, got)
			})
		}
		if changed {
			require.NoError(t, os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644))
		}
	}
	assert.GreaterOrEqual(t, total, 30, "too few body vectors")
}
