package routeparse_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/routeparse"
)

// awsEscape escapes a label the way the AWS SDKs do: every byte except
// A-Za-z0-9-._~ as %XX with upper-case hex (smithy-go
// encoding/httpbinding/path_replace.go, EscapePath). Written here from
// that rule so the tests do not share code with the parser.
func awsEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// requireRefused asserts the failure contract: the sentinel, a structured
// error naming a shape, and a zero Route.
func requireRefused(t *testing.T, r routeparse.Route, err error, sentinel error) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, sentinel)
	var perr *routeparse.Error
	require.ErrorAs(t, err, &perr)
	assert.NotEmpty(t, perr.Shape)
	assert.NotEmpty(t, perr.Detail)
	assert.Empty(t, r.Models(), "no model is returned with an error")
	assert.Equal(t, routeparse.ProviderUnknown, r.Provider)
	assert.Equal(t, routeparse.OpUnknown, r.Operation)
	assert.False(t, r.ModelFree, "an error is never model-free")
}

// TestParseRequestRefusesAttacks: every alias of a route that a lenient
// dispatcher might still serve is refused before classification.
func TestParseRequestRefusesAttacks(t *testing.T) {
	model := "/model/anthropic.claude-3-5-sonnet-20241022-v2:0"
	cases := []struct {
		name     string
		method   string
		path     string
		query    string
		sentinel error
	}{
		{"dot-dot segment", "POST", "/model/x/.." + model + "/invoke", "", routeparse.ErrMalformedPath},
		{"dot segment", "POST", "/model/./anthropic.claude-v2/invoke", "", routeparse.ErrMalformedPath},
		{"encoded dot-dot lower case", "POST", "/bedrock/%2e%2e/v1/models", "", routeparse.ErrMalformedPath},
		{"encoded dot-dot upper case", "POST", "/bedrock/%2E%2E/v1/models", "", routeparse.ErrMalformedPath},
		{"half-encoded dot-dot", "GET", "/v1/x/.%2E/models", "", routeparse.ErrMalformedPath},
		{"dot-dot as model", "POST", "/model/../invoke", "", routeparse.ErrMalformedPath},
		{"empty segment", "POST", "/model//anthropic.claude-v2/invoke", "", routeparse.ErrMalformedPath},
		{"leading double slash", "POST", "//model/anthropic.claude-v2/invoke", "", routeparse.ErrMalformedPath},
		{"trailing slash", "POST", model + "/invoke/", "", routeparse.ErrMalformedPath},
		{"semicolon parameter on model", "POST", "/model/anthropic.claude-v2;v=1/invoke", "", routeparse.ErrMalformedPath},
		{"semicolon parameter on action", "POST", model + "/invoke;x", "", routeparse.ErrMalformedPath},
		{"encoded semicolon", "POST", "/model/anthropic.claude-v2%3b/invoke", "", routeparse.ErrMalformedPath},
		{"double encoding in model", "POST", "/model/anthropic.claude-v2%253A0/invoke", "", routeparse.ErrMalformedPath},
		{"double encoded slash in ARN", "POST", "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aapplication-inference-profile%252Fx/invoke", "", routeparse.ErrMalformedPath},
		{"encoded slash in literal segment", "POST", "/model%2Fanthropic.claude-v2/invoke", "", routeparse.ErrUnknownRoute},
		{"encoded slash joining model and action", "POST", "/model/anthropic.claude-v2%2Finvoke", "", routeparse.ErrMalformedPath},
		{"encoded slash in Gemini model", "POST", "/v1beta/models/a%2Fb:generateContent", "", routeparse.ErrMalformedPath},
		{"encoded slash in Azure deployment", "POST", "/openai/deployments/a%2Fb/chat/completions", "", routeparse.ErrMalformedPath},
		{"encoded slash in Vertex location", "POST", "/v1/projects/p/locations/l%2Fx/publishers/google/models/m:generateContent", "", routeparse.ErrMalformedPath},
		{"encoded slash in file ID", "GET", "/v1/files/a%2Fb", "", routeparse.ErrMalformedPath},
		{"truncated escape", "POST", "/model/anthropic.claude-v2%3/invoke", "", routeparse.ErrMalformedPath},
		{"non-hex escape", "POST", "/model/anthropic.claude-v2%zz/invoke", "", routeparse.ErrMalformedPath},
		{"escape at end of path", "POST", "/v1/chat/completions%", "", routeparse.ErrMalformedPath},
		{"escaped unreserved letter", "POST", "/model/%61nthropic.claude-v2/invoke", "", routeparse.ErrMalformedPath},
		{"raw non-ASCII", "POST", "/model/anthropic.claude\u00e9/invoke", "", routeparse.ErrMalformedPath},
		{"encoded non-ASCII", "POST", "/model/anthropic.claude%C3%A9/invoke", "", routeparse.ErrMalformedPath},
		{"encoded NUL", "POST", "/model/anthropic.claude%00/invoke", "", routeparse.ErrMalformedPath},
		{"unknown Bedrock action", "POST", model + "/invoke-model", "", routeparse.ErrMalformedPath},
		{"unknown Bedrock action under prefix", "POST", "/bedrock" + model + "/predict", "", routeparse.ErrMalformedPath},
		{"unknown route under Bedrock prefix", "GET", "/bedrock/v1/models", "", routeparse.ErrMalformedPath},
		{"unknown route under OpenAI prefix", "GET", "/openai/v1/vector_stores", "", routeparse.ErrMalformedPath},
		{"unknown Gemini verb", "POST", "/v1beta/models/gemini-2.0-flash:hack", "", routeparse.ErrMalformedPath},
		{"unknown Vertex verb", "POST", "/v1/projects/p/locations/l/publishers/google/models/m:hack", "", routeparse.ErrMalformedPath},
		{"provider path upper case", "POST", "/Bedrock/MODEL/x/INVOKE", "", routeparse.ErrUnknownRoute},
		{"action upper case under prefix", "POST", "/bedrock/model/x/INVOKE", "", routeparse.ErrMalformedPath},
		{"model keyword upper case under prefix", "POST", "/bedrock/MODEL/x/invoke", "", routeparse.ErrMalformedPath},
		{"method lower case", "post", model + "/invoke", "", routeparse.ErrMalformedPath},
		{"GET on an invoke route", "GET", model + "/invoke", "", routeparse.ErrMalformedPath},
		{"unknown path", "POST", "/v1/assistants", "", routeparse.ErrUnknownRoute},
		{"raw ARN form that is not an ARN", "POST", "/model/a/b/invoke", "", routeparse.ErrMalformedPath},
		{"conflicting query models", "POST", "/v1/chat/completions", "model=a&model=b", routeparse.ErrAmbiguousModel},
		{"case-variant query key", "POST", "/v1/chat/completions", "Model=a", routeparse.ErrAmbiguousModel},
		{"semicolon in query", "POST", "/v1/chat/completions", "model=a;model=b", routeparse.ErrMalformedPath},
		{"realtime without model", "GET", "/v1/realtime", "", routeparse.ErrNoModel},
		{"OpenAI batch creation", "POST", "/v1/batches", "", routeparse.ErrNoModel},
	}
	var p routeparse.Parser
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := p.ParseRequest(c.method, c.path, c.query, nil)
			requireRefused(t, r, err, c.sentinel)
		})
	}
}

// TestBedrockSpellingsAgree: the AWS SDK spelling (%3A, %2F), the
// anthropic-sdk-go spelling (':' raw, %2F) and the raw-'/' spelling of the
// same model ID name the same model.
func TestBedrockSpellingsAgree(t *testing.T) {
	ids := []string{
		"anthropic.claude-3-5-sonnet-20241022-v2:0",
		"us.anthropic.claude-3-7-sonnet-20250219-v1:0",
		"global.anthropic.claude-sonnet-4-20250514-v1:0",
		"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
		"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2:1",
		"arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/abcdef",
	}
	var p routeparse.Parser
	for _, id := range ids {
		spellings := map[string]string{
			"aws-sdk":       "/model/" + awsEscape(id) + "/invoke",
			"anthropic-sdk": "/model/" + url.PathEscape(id) + "/invoke",
		}
		if strings.HasPrefix(id, "arn:") {
			spellings["raw-slash"] = "/model/" + id + "/invoke"
		}
		for name, path := range spellings {
			t.Run(id+"/"+name, func(t *testing.T) {
				r, err := p.ParseRequest("POST", path, "", nil)
				require.NoError(t, err)
				require.Len(t, r.Models(), 1)
				m := r.Models()[0]
				assert.Equal(t, id, m.Name())
				assert.Equal(t, routeparse.SourcePath, m.Source)
				assert.Equal(t, "modelId", m.Field)
				assert.Equal(t, routeparse.Bedrock, r.Provider)
				assert.Equal(t, routeparse.OpInvoke, r.Operation)
				assert.Equal(t, routeparse.BodyNone, r.Body)
			})
		}
	}
}

func TestModelNameRawAndAppendName(t *testing.T) {
	var p routeparse.Parser
	r, err := p.ParseRequest("POST",
		"/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aapplication-inference-profile%2Fabc/invoke",
		"model=us.anthropic.claude-3-5-haiku-20241022-v1%3A0", nil)
	require.NoError(t, err)
	ms := r.Models()
	require.Len(t, ms, 2)

	assert.Equal(t, "arn:aws:bedrock:us-east-1:1:application-inference-profile/abc", ms[0].Name())
	assert.Equal(t, "arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aapplication-inference-profile%2Fabc", ms[0].Raw())
	assert.Equal(t, "prefix:arn:aws:bedrock:us-east-1:1:application-inference-profile/abc",
		string(ms[0].AppendName([]byte("prefix:"))))

	assert.Equal(t, routeparse.SourceQuery, ms[1].Source)
	assert.Equal(t, "model", ms[1].Field)
	assert.Equal(t, "us.anthropic.claude-3-5-haiku-20241022-v1:0", ms[1].Name())
	assert.Equal(t, "us.anthropic.claude-3-5-haiku-20241022-v1%3A0", ms[1].Raw())

	// A Vertex model of a third-party publisher is named with it.
	r, err = p.ParseRequest("POST", "/v1/projects/p/locations/l/publishers/mistralai/models/mistral-large@2407:rawPredict", "", nil)
	require.NoError(t, err)
	require.Len(t, r.Models(), 1)
	assert.Equal(t, "mistralai/mistral-large@2407", r.Models()[0].Name())
	assert.Equal(t, "mistralai/mistral-large@2407", string(r.Models()[0].AppendName(nil)))
	assert.Equal(t, "mistral-large@2407", r.Models()[0].Raw())

	assert.Empty(t, routeparse.Model{}.Name(), "a Model not from a Route has no name")
}

func TestErrorMessages(t *testing.T) {
	var p routeparse.Parser
	_, err := p.ParseRequest("POST", "/model/x/../y/invoke", "key=SECRET-KEY-123", nil)
	require.Error(t, err)
	var perr *routeparse.Error
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, "path", perr.Shape)
	assert.Same(t, routeparse.ErrMalformedPath, perr.Unwrap())
	assert.Contains(t, err.Error(), `"/model/x/../y/invoke"`, "the path is quoted")
	assert.Contains(t, err.Error(), "dot segment")

	// The query (which may hold ?key=) never appears in messages.
	_, err = p.ParseRequest("POST", "/v1/chat/completions", "key=SECRET-KEY-123&model=a&model=b", nil)
	require.ErrorIs(t, err, routeparse.ErrAmbiguousModel)
	assert.NotContains(t, err.Error(), "SECRET")

	// An adversarial path is not echoed in full.
	long := "/model/" + strings.Repeat("a", 4000) + "/nope"
	_, err = p.ParseRequest("POST", long, "", nil)
	require.ErrorIs(t, err, routeparse.ErrMalformedPath)
	assert.Less(t, len(err.Error()), 512)
}

func TestPrefixes(t *testing.T) {
	const inv = "/model/anthropic.claude-v2/invoke"
	cases := []struct {
		name       string
		prefixes   routeparse.Prefixes
		path       string
		wantPrefix string
		wantErr    error
	}{
		{"default bedrock prefix", routeparse.Prefixes{}, "/bedrock" + inv, "/bedrock", nil},
		{"unprefixed always recognised", routeparse.Prefixes{Bedrock: "/x"}, inv, "", nil},
		{"custom multi-segment prefix", routeparse.Prefixes{Bedrock: "/llm/aws"}, "/llm/aws" + inv, "/llm/aws", nil},
		{"default no longer served after change", routeparse.Prefixes{Bedrock: "/llm/aws"}, "/bedrock" + inv, "", routeparse.ErrUnknownRoute},
		{"disabled prefix", routeparse.Prefixes{Bedrock: routeparse.PrefixDisabled}, "/bedrock" + inv, "", routeparse.ErrUnknownRoute},
		{"prefix without leading slash never matches", routeparse.Prefixes{Bedrock: "bedrock"}, "/bedrock" + inv, "", routeparse.ErrUnknownRoute},
		{"prefix with trailing slash never matches", routeparse.Prefixes{Bedrock: "/bedrock/"}, "/bedrock" + inv, "", routeparse.ErrUnknownRoute},
		{"prefix matched on segment boundary only", routeparse.Prefixes{}, "/bedrock2" + inv, "", routeparse.ErrUnknownRoute},
		{"other provider's prefix refuses Bedrock shapes", routeparse.Prefixes{}, "/gemini" + inv, "", routeparse.ErrMalformedPath},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := routeparse.Parser{Prefixes: c.prefixes}
			r, err := p.ParseRequest("POST", c.path, "", nil)
			if c.wantErr != nil {
				requireRefused(t, r, err, c.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, routeparse.Bedrock, r.Provider)
			assert.Equal(t, c.wantPrefix, r.Prefix)
			assert.Equal(t, inv, r.UpstreamPath)
			require.Len(t, r.Models(), 1)
			assert.Equal(t, "anthropic.claude-v2", r.Models()[0].Name())
		})
	}
}

// TestAzureVersusOpenAIPrefix: "/openai" is both the default OpenAI prefix
// and Azure's path root; deployments and api-version decide.
func TestAzureVersusOpenAIPrefix(t *testing.T) {
	var p routeparse.Parser
	cases := []struct {
		name, path, query string
		want              routeparse.Provider
	}{
		{"deployment route is Azure", "/openai/deployments/d1/chat/completions", "", routeparse.Azure},
		{"api-version makes it Azure", "/openai/chat/completions", "api-version=2024-10-21", routeparse.Azure},
		{"no api-version is the OpenAI prefix", "/openai/chat/completions", "", routeparse.OpenAI},
		{"api-version case variant is not api-version", "/openai/chat/completions", "API-VERSION=1", routeparse.OpenAI},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := p.ParseRequest("POST", c.path, c.query, nil)
			require.NoError(t, err)
			assert.Equal(t, c.want, r.Provider)
			assert.Equal(t, routeparse.OpChatCompletions, r.Operation)
		})
	}
}

func TestParserIsSafeForConcurrentUse(t *testing.T) {
	p := &routeparse.Parser{Prefixes: routeparse.Prefixes{Gemini: "/g"}}
	paths := []string{
		"/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aapplication-inference-profile%2Fabc/invoke",
		"/g/v1beta/models/gemini-2.0-flash:generateContent",
		"/openai/deployments/d/chat/completions",
	}
	want := []string{"arn:aws:bedrock:us-east-1:1:application-inference-profile/abc", "gemini-2.0-flash", "d"}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				k := (g + i) % len(paths)
				r, err := p.ParseRequest("POST", paths[k], "", nil)
				if err != nil {
					errs <- err
					return
				}
				if got := r.Models()[0].Name(); got != want[k] {
					errs <- fmt.Errorf("path %q: got %q", paths[k], got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestStringers(t *testing.T) {
	assert.Equal(t, "vertex_ai", routeparse.Vertex.String())
	assert.Equal(t, "unknown", routeparse.Provider(200).String())
	assert.Equal(t, "get_model", routeparse.OpGetModel.String())
	assert.Equal(t, "multipart", routeparse.BodyMultipart.String())
	assert.Equal(t, "unknown", routeparse.BodyKind(9).String())
	assert.Equal(t, "query", routeparse.SourceQuery.String())
	err := &routeparse.Error{Shape: "bedrock", Detail: "x", Err: routeparse.ErrMalformedPath}
	assert.Equal(t, "routeparse: malformed path: bedrock: x", err.Error())
	assert.True(t, errors.Is(err, routeparse.ErrMalformedPath))
}

func ExampleParser_ParseRequest() {
	var p routeparse.Parser // zero value: default prefixes
	// As aws-sdk-go-v2's bedrockruntime sends InvokeModel with an
	// application inference profile ARN.
	r, err := p.ParseRequest("POST",
		"/bedrock/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc123/invoke",
		"", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Provider, r.Operation, r.Prefix, r.Body)
	for _, m := range r.Models() {
		fmt.Println(m.Source, m.Field, m.Name())
	}

	// A dot segment is refused before anything is classified.
	_, err = p.ParseRequest("POST", "/bedrock/model/x/../../v1/models", "", nil)
	fmt.Println(errors.Is(err, routeparse.ErrMalformedPath))
	// Output:
	// bedrock invoke /bedrock none
	// path modelId arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123
	// true
}

func TestNilParserServesDefaults(t *testing.T) {
	var p *routeparse.Parser
	r, err := p.ParseRequest("POST", "/gemini/v1beta/models/gemini-2.0-flash:countTokens", "", nil)
	require.NoError(t, err)
	assert.Equal(t, routeparse.Gemini, r.Provider)
	assert.Equal(t, "/gemini", r.Prefix)
	assert.Equal(t, routeparse.OpCountTokens, r.Operation)
}

// TestResponseDialect: a provider serving another provider's API shape
// keeps its Provider (model IDs resolve as its own) and reports the shape
// the client's SDK parses errors in.
func TestResponseDialect(t *testing.T) {
	var p routeparse.Parser
	cases := []struct {
		name, path     string
		provider, want routeparse.Provider
	}{
		{"anthropic-sdk bedrock option behind a prefix", "/bedrock/v1/messages", routeparse.Bedrock, routeparse.Anthropic},
		{"anthropic-sdk vertex option", "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict", routeparse.Vertex, routeparse.Anthropic},
		{"gemini openai-compatible chat", "/v1beta/openai/chat/completions", routeparse.Gemini, routeparse.OpenAI},
		{"native bedrock invoke", "/model/anthropic.claude-v2/invoke", routeparse.Bedrock, routeparse.Bedrock},
		{"azure v1 speaks its own dialect", "/azure/openai/v1/chat/completions", routeparse.Azure, routeparse.Azure},
		{"native gemini on vertex", "/v1/projects/p/locations/l/publishers/google/models/gemini-2.0-flash:generateContent", routeparse.Vertex, routeparse.Vertex},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := p.ParseRequest("POST", c.path, "", nil)
			require.NoError(t, err)
			assert.Equal(t, c.provider, r.Provider)
			assert.Equal(t, c.want, r.ResponseDialect())
		})
	}
}

func TestPrefixesValidate(t *testing.T) {
	require.NoError(t, routeparse.Prefixes{}.Validate(), "the defaults are valid")
	require.NoError(t, routeparse.Prefixes{Bedrock: "/llm/aws", OpenAI: routeparse.PrefixDisabled}.Validate())
	for name, p := range map[string]routeparse.Prefixes{
		"no leading slash":     {Bedrock: "bedrock"},
		"trailing slash":       {Vertex: "/vertex/"},
		"root":                 {Gemini: "/"},
		"dot segment":          {Azure: "/a/../b"},
		"space":                {OpenAI: "/open ai"},
		"duplicate of default": {Anthropic: "/openai"},
		"duplicate values":     {Bedrock: "/x", Vertex: "/x"},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Error(t, p.Validate())
		})
	}
}

func TestParserCompile(t *testing.T) {
	t.Run("invalid prefix is an error, not a route that never matches", func(t *testing.T) {
		_, err := (&routeparse.Parser{Prefixes: routeparse.Prefixes{Bedrock: "bedrock"}}).Compile()
		require.Error(t, err)
	})
	t.Run("compiled parser keeps its own copy", func(t *testing.T) {
		src := &routeparse.Parser{Prefixes: routeparse.Prefixes{Bedrock: "/llm/aws"}}
		p, err := src.Compile()
		require.NoError(t, err)
		src.Prefixes.Bedrock = "/other"
		p.Prefixes.Bedrock = "/other"
		r, err := p.ParseRequest("POST", "/llm/aws/model/anthropic.claude-v2/invoke", "", nil)
		require.NoError(t, err)
		assert.Equal(t, "/llm/aws", r.Prefix)
		_, err = p.ParseRequest("POST", "/other/model/anthropic.claude-v2/invoke", "", nil)
		require.ErrorIs(t, err, routeparse.ErrUnknownRoute)
	})
	t.Run("nil and zero parsers compile to the defaults", func(t *testing.T) {
		var nilParser *routeparse.Parser
		p, err := nilParser.Compile()
		require.NoError(t, err)
		r, err := p.ParseRequest("POST", "/bedrock/model/anthropic.claude-v2/invoke", "", nil)
		require.NoError(t, err)
		assert.Equal(t, routeparse.DefaultBedrockPrefix, r.Prefix)
	})
	t.Run("disabled prefix stays disabled when compiled", func(t *testing.T) {
		p, err := (&routeparse.Parser{Prefixes: routeparse.Prefixes{OpenAI: routeparse.PrefixDisabled}}).Compile()
		require.NoError(t, err)
		r, err := p.ParseRequest("POST", "/openai/v1/chat/completions", "", nil)
		require.NoError(t, err)
		assert.Equal(t, routeparse.Azure, r.Provider, "without the OpenAI prefix, /openai/v1 is Azure's v1 API")
		assert.Empty(t, r.Prefix)
	})
}
