//go:build !amd64 || purego

package routeparse

import "testing"

// StopKernels names the stop-byte kernels this build can run: the
// pure-Go one only.
func StopKernels() []string { return []string{"go"} }

// UseStopKernel selects a kernel named by StopKernels until t ends.
func UseStopKernel(testing.TB, string) {}
