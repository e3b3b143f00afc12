package modelacl

import "net/http"

// headerSet is the set of request headers the middleware removes before
// the next handler: the credential headers and Options.StripHeaders, in
// every spelling a lenient server would read as one of them (names that
// differ in letter case or in '_' for '-': CGI-style servers map
// x_api_key and X-API-KEY alike to HTTP_X_API_KEY).
type headerSet struct {
	names []string // lower case, '-' for '_'
	lens  uint64   // bit n set: some name has length n (bit 63: 63 or more)
}

func lenBit(n int) uint64 { return 1 << min(n, 63) }

func (s *headerSet) add(name string) {
	b := []byte(name)
	for i, c := range b {
		b[i] = lowerDash(c)
	}
	s.names = append(s.names, string(b))
	s.lens |= lenBit(len(b))
}

// remove deletes every key of hdr that is in the set. One pass over the
// header map, with a length filter in front of the byte comparison, costs
// less than a map deletion per name for the handful of headers a request
// carries.
func (s *headerSet) remove(hdr http.Header) {
	for k := range hdr {
		if s.lens&lenBit(len(k)) != 0 && s.has(k) {
			delete(hdr, k) // deleting during range is allowed
		}
	}
}

func (s *headerSet) has(k string) bool {
	for _, n := range s.names {
		if len(n) == len(k) && equalLowerDash(k, n) {
			return true
		}
	}
	return false
}

// lowerDash maps c to lower case, and '_' to '-'.
func lowerDash(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	case c == '_':
		return '-'
	}
	return c
}

// equalLowerDash reports whether k, once mapped by lowerDash, equals n,
// which already is.
func equalLowerDash(k, n string) bool {
	for i := 0; i < len(k); i++ {
		if lowerDash(k[i]) != n[i] {
			return false
		}
	}
	return true
}
