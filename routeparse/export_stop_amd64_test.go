//go:build amd64 && !purego

package routeparse

import "testing"

// StopKernels names the stop-byte kernels this build can run on this CPU.
func StopKernels() []string {
	if cpuHasAVX2() {
		return []string{"avx2", "sse2"}
	}
	return []string{"sse2"}
}

// UseStopKernel selects a kernel named by StopKernels until t ends.
func UseStopKernel(t testing.TB, name string) {
	old := stopAVX2
	stopAVX2 = name == "avx2"
	t.Cleanup(func() { stopAVX2 = old })
}
