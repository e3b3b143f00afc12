//go:build race

package routeparse_test

// raceEnabled: the race detector instruments every memory access, which
// slows byte-scanning loops by an order of magnitude; time bounds scale.
const raceEnabled = true
