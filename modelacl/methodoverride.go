package modelacl

import "github.com/modelgate/modelgate/routeparse"

// The method override headers (canonical form): with them a client asks a server
// to treat a request as having another method: Google's front ends honour
// X-HTTP-Method-Override, and common web frameworks read the other two.
// The route was classified by the request's own method, so an upstream
// that honours one of them would serve a request nobody classified (a GET
// listing turned into a POST, a POST into a DELETE of something else).
const (
	headerXHTTPMethodOverride = "X-Http-Method-Override"
	headerXHTTPMethod         = "X-Http-Method"
	headerXMethodOverride     = "X-Method-Override"
)

// errMethodOverride refuses a request that carries a method override.
var errMethodOverride = &routeparse.Error{
	Shape:  "method",
	Detail: "method override headers (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override) are not allowed: the request is classified by its own method",
	Err:    routeparse.ErrMalformedPath,
}

// checkMethodOverride refuses, fail closed, a request an upstream might
// read with another method than the one it was classified by.
func checkMethodOverride(hs *requestHeaders) error {
	if hs.methodOverride {
		return errMethodOverride
	}
	return nil
}
