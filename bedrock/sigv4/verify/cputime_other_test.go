//go:build !unix

package verify_test

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
