package modelacl

import "net/http"

// requestHeaders is what the middleware reads from a request's header
// map before it authenticates, gathered in the one pass over the map that
// finding the headers to strip needs anyway, instead of a lookup for each
// of the nine names it asks about, most of them absent. Names are matched
// exactly in their canonical form, as net/http's servers store them and
// as the lookups this replaces did; the headers to strip, as [headerSet]
// matches them.
type requestHeaders struct {
	authorization, xAPIKey, apiKey, xGoogAPIKey []string // credentials, in FindCredential's order
	upgrade, connection                         []string
	hasUpgrade                                  bool // present, even with no value
	http2Settings                               bool
	methodOverride                              bool // X-Http-Method-Override, X-Http-Method or X-Method-Override

	// The keys to strip when the request is handed on, and how many keys
	// the map held: a map that changed size since (a host's Authenticate
	// added a header) is searched again.
	strip      [4]string
	nstrip     int // len(strip) + 1 when there were more than fit
	keysAtRead int
}

// read fills hs from h; strip is the set of headers to strip.
func (hs *requestHeaders) read(h http.Header, strip *headerSet) {
	hs.keysAtRead = len(h)
	for k, v := range h {
		if strip.lens&lenBit(len(k)) != 0 && strip.has(k) {
			if hs.nstrip < len(hs.strip) {
				hs.strip[hs.nstrip] = k
			}
			hs.nstrip = min(hs.nstrip+1, len(hs.strip)+1)
		}
		switch k {
		case SourceAuthorization:
			hs.authorization = v
		case SourceXAPIKey:
			hs.xAPIKey = v
		case SourceAPIKey:
			hs.apiKey = v
		case SourceXGoogAPIKey:
			hs.xGoogAPIKey = v
		case "Upgrade":
			hs.upgrade, hs.hasUpgrade = v, true
		case "Connection":
			hs.connection = v
		case "Http2-Settings":
			hs.http2Settings = true
		case headerXHTTPMethodOverride, headerXHTTPMethod, headerXMethodOverride:
			hs.methodOverride = true
		}
	}
}

// stripFrom deletes from h the headers read found to strip, or, when h
// changed size since or held more of them than hs keeps, every header of
// strip in a new pass.
func (hs *requestHeaders) stripFrom(h http.Header, strip *headerSet) {
	if len(h) != hs.keysAtRead || hs.nstrip > len(hs.strip) {
		strip.remove(h)
		return
	}
	for _, k := range hs.strip[:hs.nstrip] {
		delete(h, k)
	}
}

// noUpgrade reports whether none of the headers checkUpgrade looks at is
// there, the common case, which needs no call.
func (hs *requestHeaders) noUpgrade() bool {
	return !hs.hasUpgrade && !hs.http2Settings && len(hs.connection) == 0
}

// headersOf reads h into a requestHeaders, for the entry points that
// take a request rather than the middleware's pass over it.
func headersOf(h http.Header) requestHeaders {
	var hs requestHeaders
	hs.read(h, &headerSet{})
	return hs
}
