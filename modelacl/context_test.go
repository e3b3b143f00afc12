package modelacl_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/modelacl"
)

// A Decision in a context can only come from the middleware: a value a
// caller stores under any key it can name is not a Decision to FromContext,
// and no exported function takes a Decision and returns a context or a
// request carrying it.
func TestDecisionInContextCannotBeForged(t *testing.T) {
	forged := &modelacl.Decision{Allowed: true, KeyID: "forged"}
	type decisionKey struct{}
	for _, key := range []any{decisionKey{}, struct{}{}, "decision", "modelacl.decisionKey", (*modelacl.Decision)(nil)} {
		ctx := context.WithValue(context.Background(), key, forged)
		d, ok := modelacl.FromContext(ctx)
		assert.False(t, ok, "key %T %v", key, key)
		assert.Nil(t, d)
	}

	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	var forgers []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || !fd.Name.IsExported() {
				continue
			}
			takesDecision := false
			for _, p := range fd.Type.Params.List {
				if typeString(p.Type) == "*Decision" || typeString(p.Type) == "Decision" {
					takesDecision = true
				}
			}
			if !takesDecision || fd.Type.Results == nil {
				continue
			}
			for _, r := range fd.Type.Results.List {
				if s := typeString(r.Type); s == "context.Context" || s == "*http.Request" {
					forgers = append(forgers, fd.Name.Name)
				}
			}
		}
	}
	assert.Empty(t, forgers, "exported functions that put a caller's Decision in a context")
}

func typeString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + typeString(e.X)
	case *ast.SelectorExpr:
		return typeString(e.X) + "." + e.Sel.Name
	}
	return ""
}

// The context the middleware hands on keeps its Decision when the handler
// derives contexts from it (timeouts, values of its own), and a request
// that did not go through the middleware has none.
func TestDecisionSurvivesDerivedContexts(t *testing.T) {
	mw := modelacl.MustNew(modelacl.Options{Policy: fixturePolicy(t), Authenticate: fixtureKeys().authenticate})
	r := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(`{"model":"gpt-4o-mini"}`))
	bearer(r, restrictedKey)
	r2, d, err := mw.Check(r)
	require.NoError(t, err)
	type hostKey struct{}
	ctx, cancel := context.WithCancel(context.WithValue(r2.Context(), hostKey{}, "v"))
	defer cancel()
	got, ok := modelacl.FromContext(ctx)
	require.True(t, ok)
	assert.Same(t, d, got)

	_, ok = modelacl.FromContext(r.Context())
	assert.False(t, ok, "the caller's own request is not changed")
	_, ok = modelacl.FromContext(httptest.NewRequest(http.MethodGet, "/", nil).Context())
	assert.False(t, ok)
}
