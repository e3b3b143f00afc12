package routeparse

import (
	"fmt"
	"sort"
)

// optionalOps are the operations of routes whose model the upstream picks
// when the request names none; only they may have a Parser.DefaultModels
// entry. Each is a row marked optional in the route table.
var optionalOps = [...]Operation{OpModeration, OpRealtime, OpThreadRun, OpVideoGeneration}

// noModel is the refusal of a request that names no model. On a route
// whose upstream would pick a model itself, the message says so and how
// to authorize that default, because the request by itself gives the
// policy nothing to decide on.
func (p *Parser) noModel(r *Route) error {
	if r.optModel {
		if name, ok := p.defaultModel(r.Operation); ok {
			r.addModel(Model{Source: SourceDefault, Field: "default", raw: name, name: name})
			return nil
		}
		return &Error{Shape: shapeBody, Detail: fmt.Sprintf(
			"the request names no model, and the upstream would pick one the policy cannot check; name the model (no default for %s is configured in Parser.DefaultModels)", r.Operation),
			Err: ErrNoModel}
	}
	return &Error{Shape: shapeBody, Detail: "the request names no model", Err: ErrNoModel}
}

// defaultModel returns the configured default of op.
func (p *Parser) defaultModel(op Operation) (string, bool) {
	if p == nil {
		return "", false
	}
	m := p.DefaultModels
	if p.compiled != nil {
		m = p.compiled.defaults
	}
	name, ok := m[op]
	if ok && validDefault(op, name) != nil {
		// Fail closed on an entry Compile would have refused.
		return "", false
	}
	return name, ok
}

// validDefault reports why name cannot be op's default model, or nil.
func validDefault(op Operation, name string) error {
	optional := false
	for _, o := range optionalOps {
		optional = optional || o == op
	}
	switch {
	case !optional:
		return fmt.Errorf("routeparse: DefaultModels[%s]: no route of that operation lets the upstream pick its model", op)
	case name == "":
		return fmt.Errorf("routeparse: DefaultModels[%s] is empty", op)
	case len(name) > maxModelLen:
		return fmt.Errorf("routeparse: DefaultModels[%s] is longer than %d bytes", op, maxModelLen)
	}
	if err := checkModelName(name); err != nil {
		return fmt.Errorf("routeparse: DefaultModels[%s] %q: %v", op, clip(name), err)
	}
	return nil
}

// validateDefaults checks every entry, in a stable order.
func validateDefaults(m map[Operation]string) error {
	ops := make([]Operation, 0, len(m))
	for op := range m {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i] < ops[j] })
	for _, op := range ops {
		if err := validDefault(op, m[op]); err != nil {
			return err
		}
	}
	return nil
}
