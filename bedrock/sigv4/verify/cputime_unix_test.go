//go:build unix

package verify_test

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system CPU time, which a loaded
// machine does not inflate the way it inflates wall time.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
