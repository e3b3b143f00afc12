package routeparse

// StopScanner is the string scanner's search for the next quote,
// backslash or control byte, with the state it keeps between searches
// over one body.
type StopScanner struct{ s jsonScanner }

// NewStopScanner returns a StopScanner over b.
func NewStopScanner(b []byte) StopScanner { return StopScanner{jsonScanner{b: b}} }

// NextStop returns the index of the first quote, backslash or byte below
// 0x20 at or after b[i], or len(b).
func (t *StopScanner) NextStop(i int) int { return t.s.nextStop(i) }
