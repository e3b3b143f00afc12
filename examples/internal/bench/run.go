package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Options configure [Run]. The zero value of each field means its default.
type Options struct {
	Rounds int           // pairs of rounds per comparison and shape; default 4
	Round  time.Duration // length of one round; default 2s
	Warmup time.Duration // unmeasured load on each server first; default 500ms
	Conns  int           // concurrent connections of the load generator; default 8
	// Start starts a server of a role and returns its base URL, a function
	// reporting the CPU it has used so far, and a stop function. Default:
	// [StartProcess] with the running executable.
	Start func(role, upstream string) (base string, cpu func() (time.Duration, error), stop func(), err error)
	// Progress, if set, receives one line per measured round.
	Progress io.Writer
	// Comparison and Shape, when set, run only the comparisons and shapes
	// whose names contain them ("library", "1 KiB"), for profiling one case.
	Comparison, Shape string
}

func (o *Options) defaults() {
	if o.Rounds <= 0 {
		o.Rounds = 4
	}
	if o.Round <= 0 {
		o.Round = 2 * time.Second
	}
	if o.Warmup <= 0 {
		o.Warmup = 500 * time.Millisecond
	}
	if o.Conns <= 0 {
		o.Conns = 8
	}
	if o.Start == nil {
		o.Start = StartProcess
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

// server is a started role.
type server struct {
	role string
	base string
	cpu  func() (time.Duration, error)
	stop func()
}

// Run measures every comparison on every shape and returns the results in
// that order. It starts one upstream and one process per role, and stops
// them all before it returns.
func Run(ctx context.Context, o Options) ([]Result, error) {
	o.defaults()
	var servers []*server
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	start := func(role, upstream string) (*server, error) {
		base, cpu, stop, err := o.Start(role, upstream)
		if err != nil {
			return nil, fmt.Errorf("bench: start %s: %w", role, err)
		}
		s := &server{role: role, base: base, cpu: cpu, stop: stop}
		servers = append(servers, s)
		return s, nil
	}
	up, err := start(RoleUpstream, "")
	if err != nil {
		return nil, err
	}
	byRole := map[string]*server{}
	var results []Result
	for _, c := range Comparisons() {
		if !strings.Contains(c.Name, o.Comparison) {
			continue
		}
		for _, role := range []string{c.A, c.B} {
			if byRole[role] == nil {
				s, err := start(role, up.base)
				if err != nil {
					return nil, err
				}
				byRole[role] = s
			}
		}
		for _, shape := range Shapes() {
			if !strings.Contains(shape.Name, o.Shape) {
				continue
			}
			res, err := compare(ctx, o, c, shape, byRole[c.A], byRole[c.B], up)
			if err != nil {
				return nil, err
			}
			results = append(results, res)
		}
	}
	return results, nil
}

// compare runs o.Rounds pairs of rounds, alternating which side goes first;
// up is the upstream both sides call.
func compare(ctx context.Context, o Options, c Comparison, shape Shape, a, b, up *server) (Result, error) {
	res := Result{Comparison: c, Shape: shape.Name, A: Side{Role: a.role}, B: Side{Role: b.role}}
	for _, s := range []*server{a, b} {
		Load(ctx, s.base, shape, o.Conns, o.Warmup)
	}
	for i := 0; i < o.Rounds; i++ {
		order := []*server{a, b}
		if i%2 == 1 {
			order = []*server{b, a}
		}
		var perSec [2]float64
		for _, s := range order {
			side := &res.A
			idx := 0
			if s == b {
				side, idx = &res.B, 1
			}
			rest0, err := restCPU(up)
			if err != nil {
				return res, err
			}
			n, failed, elapsed, cpu, err := round(ctx, o, s, shape)
			if err != nil {
				return res, err
			}
			rest1, err := restCPU(up)
			if err != nil {
				return res, err
			}
			side.Rest += rest1 - rest0
			side.Requests += n
			side.Failed += failed
			side.Elapsed += elapsed
			side.CPU += cpu
			perSec[idx] = float64(n) / elapsed.Seconds()
			fmt.Fprintf(o.Progress, "%-9s %-10s round %d: %8.0f req/s, %d failed\n", s.role, shape.Name, i+1, perSec[idx], failed)
		}
		if perSec[0] > 0 {
			res.Rounds = append(res.Rounds, perSec[1]/perSec[0])
		}
	}
	if res.A.Failed+res.B.Failed > 0 {
		return res, fmt.Errorf("bench: %s, %s: %d requests failed", c.Name, shape.Name, res.A.Failed+res.B.Failed)
	}
	return res, ctx.Err()
}

// restCPU is the CPU used so far by the rest of the measured machine: the
// load generator (this process) and the upstream. A server's own CPU per
// request is not all a ratio of throughputs sees: on a machine that all
// three share, a slower server can also cost its client and upstream more
// per request (more wake-ups), which this shows.
func restCPU(up *server) (time.Duration, error) {
	self, err := ProcessCPU(os.Getpid())
	if err != nil {
		return 0, err
	}
	u, err := up.cpu()
	return self + u, err
}

func round(ctx context.Context, o Options, s *server, shape Shape) (n, failed int64, elapsed, cpu time.Duration, err error) {
	cpu0, err := s.cpu()
	if err != nil {
		return 0, 0, 0, 0, err
	}
	t0 := time.Now()
	n, failed = Load(ctx, s.base, shape, o.Conns, o.Round)
	elapsed = time.Since(t0)
	cpu1, err := s.cpu()
	if err != nil {
		return 0, 0, 0, 0, err
	}
	return n, failed, elapsed, cpu1 - cpu0, nil
}

// ServeRole is what a server process runs: it listens on a loopback port,
// writes "listening http://ADDR" to out, and serves role until ctx ends.
// When the environment names a directory in [ProfileEnv], the process
// writes its CPU profile there as ROLE.pprof. A tuned host role sets its
// GC percent from [HostGOGCEnv].
func ServeRole(ctx context.Context, role, upstream string, out io.Writer) error {
	h, err := Handler(role, upstream)
	if err != nil {
		return err
	}
	if tunedHost(role) {
		pct, err := HostGOGC(os.Getenv(HostGOGCEnv))
		if err != nil {
			return err
		}
		debug.SetGCPercent(pct)
	}
	if dir := os.Getenv(ProfileEnv); dir != "" {
		f, err := os.Create(filepath.Join(dir, role+".pprof"))
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		}()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(out, "listening http://%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// StartProcess starts the running executable with "-role ROLE -upstream
// URL" (which must call [ServeRole]) and reads the CPU it uses from
// /proc/PID/stat.
func StartProcess(role, upstream string) (string, func() (time.Duration, error), func(), error) {
	cmd, base, err := startRole(nil, os.Stderr, role, upstream)
	if err != nil {
		return "", nil, nil, err
	}
	// An interrupt lets a profiling server write its profile; a server
	// that does not exit within a few seconds is killed.
	stop := func() { _ = interrupt(cmd, 5*time.Second) }
	pid := cmd.Process.Pid
	return base, func() (time.Duration, error) { return ProcessCPU(pid) }, stop, nil
}

// startRole starts the running executable serving role, under the command
// wrapper when there is one (wrapper then executable), its standard error
// going to stderr, and returns it with the base URL it printed.
func startRole(wrapper []string, stderr io.Writer, role, upstream string) (*exec.Cmd, string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	args := append(slices.Clip(wrapper), exe, "-role", role, "-upstream", upstream)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		_ = interrupt(cmd, 5*time.Second)
		return nil, "", fmt.Errorf("no address from %s: %q %v", role, line, err)
	}
	return cmd, base, nil
}

// interrupt ends a process started by startRole: an interrupt, then a kill
// if it has not exited after grace. It returns how the process ended.
func interrupt(cmd *exec.Cmd, grace time.Duration) error {
	_ = cmd.Process.Signal(os.Interrupt)
	t := time.AfterFunc(grace, func() { _ = cmd.Process.Kill() })
	defer t.Stop()
	return cmd.Wait()
}

// ProfileEnv names the environment variable that makes every server
// process write a CPU profile into the directory it holds.
const ProfileEnv = "MODELGATE_BENCH_CPUPROFILE"

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// ProcessCPU returns the user plus system CPU time process pid has used.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after its closing parenthesis.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("bench: cannot read /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: short /proc/%d/stat", pid)
	}
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}
