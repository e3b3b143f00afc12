package routeparse

import "strings"

// Error is the structured error returned by [Parser.ParseRequest] and
// [Parser.ParseBody]. Err is always one of the package's sentinels
// ([ErrMalformedPath], [ErrUnknownRoute], [ErrNoModel], ...), so callers
// match categories with errors.Is and read details with errors.As:
//
//	var perr *routeparse.Error
//	if errors.As(err, &perr) && errors.Is(err, routeparse.ErrMalformedPath) { ... }
//
// Messages quote request text with %q and truncate it; they never contain
// the query string, headers or body, which may carry credentials.
type Error struct {
	// Shape names the grammar rule that failed: "path" for the canonical
	// form of the request line, "query" for the query string, a route
	// family ("bedrock", "bedrock-async", "gemini", "vertex", "azure",
	// "openai", "anthropic", "cohere", "ollama", "prefix"), or, for
	// [Parser.ParseBody], "body" (the request as a whole: size, agreement
	// between sources, a missing model), "json-body", "multipart-body" or
	// "content-encoding".
	Shape string
	// Detail says what was wrong, quoting the offending text.
	Detail string
	// Err is the sentinel this error belongs to.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("routeparse: error")
	}
	if e.Shape != "" {
		b.WriteString(": ")
		b.WriteString(e.Shape)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// maxQuoted bounds how much request text an error message repeats, so an
// adversarial path cannot make error strings (and logs) arbitrarily large.
const maxQuoted = 96

// clip shortens s for quoting in an error message.
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	return s[:maxQuoted] + "..."
}
