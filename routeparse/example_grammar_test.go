package routeparse_test

import (
	"fmt"

	"github.com/modelgate/modelgate/routeparse"
)

// A Route is the parser's: one built by hand, or edited after parsing, is
// not sealed, and authorizers refuse it.
func ExampleRoute_Sealed() {
	var p routeparse.Parser
	rt, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("parsed:", rt.Sealed())

	edited := rt
	edited.Body, edited.ModelFree = routeparse.BodyNone, true // skip the body, claim no model
	fmt.Println("edited:", edited.Sealed())

	forged := routeparse.Route{Provider: routeparse.OpenAI, ModelFree: true}
	fmt.Println("hand-built:", forged.Sealed())
	// Output:
	// parsed: true
	// edited: false
	// hand-built: false
}

// A host compiles its Parser once. Where the upstream picks a model for a
// request that names none (an Assistants run uses the assistant's), the
// request is refused unless the host says which model that is; then that
// model is authorized as if the request had named it.
func ExampleParser_Compile() {
	p, err := (&routeparse.Parser{
		Prefixes:      routeparse.Prefixes{Bedrock: "/llm/aws"},
		DefaultModels: map[routeparse.Operation]string{routeparse.OpThreadRun: "gpt-4o-mini"},
	}).Compile()
	if err != nil {
		panic(err)
	}
	rt, err := p.ParseRequest("POST", "/v1/threads/thread_abc/runs", "", nil)
	if err != nil {
		panic(err)
	}
	if err := p.ParseBody(&rt, "application/json", "", []byte(`{"assistant_id":"asst_abc"}`), 0); err != nil {
		panic(err)
	}
	for _, m := range rt.Models() {
		fmt.Println(rt.Operation, m.Source, m.Name())
	}

	_, err = (&routeparse.Parser{Prefixes: routeparse.Prefixes{Bedrock: "llm/aws"}}).Compile()
	fmt.Println(err != nil)
	// Output:
	// thread_run default gpt-4o-mini
	// true
}
