package routeparse_test

import (
	"encoding/json"
	"fmt"

	"github.com/modelgate/modelgate/routeparse"
)

// A dispatcher that must send another name than the one the request
// carries (an alias's target) splices it in at the model's span instead of
// parsing the body a second time.
func ExampleModel_BodySpan() {
	var p routeparse.Parser
	body := []byte(`{"messages":[{"role":"user","content":"hi"}], "model" : "fast" }`)
	r, err := p.ParseRequest("POST", "/v1/chat/completions", "", nil)
	if err != nil {
		panic(err)
	}
	if err := p.ParseBody(&r, "application/json", "", body, 0); err != nil {
		panic(err)
	}
	m := r.Models()[0]
	sp, ok := m.BodySpan()
	fmt.Println(m.Name(), ok, string(body[sp.Start:sp.End]))

	target, _ := json.Marshal("gpt-4o-mini")
	out := append(append(append([]byte{}, body[:sp.Start]...), target...), body[sp.End:]...)
	fmt.Println(string(out))
	// Output:
	// fast true "fast"
	// {"messages":[{"role":"user","content":"hi"}], "model" : "gpt-4o-mini" }
}
