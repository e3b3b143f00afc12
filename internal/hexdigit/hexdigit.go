// Package hexdigit reads the hexadecimal digits of percent-encoding and of
// JSON \u escapes, for the parsers of routeparse, modelacl and the SigV4
// verifier, so that one definition serves them all.
package hexdigit

// Is reports whether c is a hexadecimal digit, in either case.
func Is(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Value is the value of the hexadecimal digit c; c must satisfy [Is].
func Value(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}
