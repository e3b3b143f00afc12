//go:build !race

package routeparse_test

const raceEnabled = false
