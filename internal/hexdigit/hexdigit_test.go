package hexdigit_test

import (
	"strconv"
	"testing"

	"github.com/modelgate/modelgate/internal/hexdigit"
)

// Every byte is classified as strconv reads it, and every digit has the
// value strconv gives it.
func TestAgreesWithStrconv(t *testing.T) {
	for c := 0; c < 256; c++ {
		v, err := strconv.ParseUint(string(rune(c)), 16, 8)
		if got := hexdigit.Is(byte(c)); got != (err == nil) {
			t.Fatalf("Is(%#02x) = %v", c, got)
		}
		if err == nil && hexdigit.Value(byte(c)) != byte(v) {
			t.Fatalf("Value(%#02x) = %d, want %d", c, hexdigit.Value(byte(c)), v)
		}
	}
}
