// Command child is the helper program of gosinit's benchmark harness
// (../main.go). It plays every process the harness needs around an init
// under test, chosen by its first argument:
//
//	pid1 PROG ARG...        first process of a fresh PID and mount namespace:
//	                        makes the mount tree private, mounts a fresh /proc
//	                        and a tmpfs on /run, writes CLOCK_MONOTONIC to
//	                        fd 3, then execs PROG, which so becomes PID 1
//	stamp                   prints CLOCK_MONOTONIC (ns) taken while package
//	                        main initialises, then exits 0
//	term                    prints "ready", then one CLOCK_MONOTONIC line per
//	                        SIGTERM received, forever (re-arms itself)
//	orphans N FIFO FILE     runs "forker", waits for it, prints "ready" and
//	                        blocks forever
//	forker N FIFO FILE      starts N waiters that block reading FIFO and
//	                        exits, so they are orphaned to PID 1; when the
//	                        last writer of FIFO closes it, each waiter stores
//	                        CLOCK_MONOTONIC in its 16-byte slot of FILE and
//	                        exits (waiter_*.go)
//	fcgi                    an fcgi-program: accepts on fd 0, answers "ok"
//	listen                  an event listener that answers OK to every event
//	chatty                  a line on stdout every 2 ms, every 100th on stderr
//	spin                    burns one CPU until killed (sigterm -sigterm-hog)
//
// The timestamps are CLOCK_MONOTONIC, which PID namespaces share with the
// harness, so they compare directly with the harness's own readings.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// startNS is read while package main initialises: the earliest point a Go
// program can run its own code, after the runtime has started. The harness
// measures this constant runtime start-up once without any init (its
// "direct" row) so that the cost of each init stands apart.
var startNS = monotonic()

func monotonic() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err)
	}
	return ts.Nano()
}

func main() {
	if len(os.Args) < 2 {
		fatal(fmt.Errorf("usage: child pid1|stamp|term|orphans|forker|fcgi|listen|chatty ..."))
	}
	var err error
	switch mode, args := os.Args[1], os.Args[2:]; mode {
	case "pid1":
		err = pid1(args)
	case "stamp":
		_, err = fmt.Printf("%d\n", startNS)
	case "term":
		err = term()
	case "orphans":
		err = orphans(args)
	case "forker":
		err = forker(args)
	case "fcgi":
		err = fcgi()
	case "listen":
		err = listen()
	case "chatty":
		err = chatty()
	case "spin":
		for n := 0; ; n++ {
		}
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "bench child: %v\n", err)
	os.Exit(1)
}

// pid1 prepares the namespace and becomes PROG. It runs before anything the
// harness measures inside the namespace, so its cost is outside every figure
// except those taken from the fd 3 stamp on.
func pid1(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("pid1: no program")
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("pid1: make / private: %w", err)
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("pid1: mount /proc: %w", err)
	}
	if err := unix.Mount("tmpfs", "/run", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
		return fmt.Errorf("pid1: mount /run: %w", err)
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return fmt.Errorf("pid1: %w", err)
	}
	// fd 3 is the stamp pipe; the exec'd init must not inherit it.
	unix.CloseOnExec(3)
	if _, err := fmt.Fprintf(os.NewFile(3, "stamp"), "%d\n", monotonic()); err != nil {
		return fmt.Errorf("pid1: write stamp: %w", err)
	}
	return fmt.Errorf("pid1: exec %s: %w", path, unix.Exec(path, args, os.Environ()))
}

// term prints one timestamp per SIGTERM. Go's signal delivery (runtime
// handler, then a channel) adds a few microseconds that are the same under
// every init; the "direct" row of the harness measures them.
func term() error {
	c := make(chan os.Signal, 16)
	signal.Notify(c, syscall.SIGTERM)
	if _, err := fmt.Println("ready"); err != nil {
		return err
	}
	for range c {
		now := monotonic()
		if _, err := fmt.Printf("%d\n", now); err != nil {
			return err
		}
	}
	return nil
}

func orphans(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("orphans: want N FIFO FILE")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, append([]string{"forker"}, args...)...)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("orphans: forker: %w", err)
	}
	if _, err := fmt.Println("ready"); err != nil {
		return err
	}
	for {
		unix.Pause()
	}
}

func forker(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("forker: want N FIFO FILE")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		return fmt.Errorf("forker: bad count %q", args[0])
	}
	// Non-blocking open: a FIFO's read side otherwise waits for a writer.
	// The harness holds the only writer; once open, reads must block.
	fd, err := unix.Open(args[1], unix.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("forker: %w", err)
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		return fmt.Errorf("forker: %w", err)
	}
	f, err := os.OpenFile(args[2], os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("forker: %w", err)
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, n*16, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("forker: mmap %s: %w", args[2], err)
	}
	runtime.LockOSThread() // spawnWaiters changes this thread's signal mask
	if err := spawnWaiters(n, fd, uintptr(unsafe.Pointer(&mem[0]))); err != nil {
		return fmt.Errorf("forker: %w", err)
	}
	return nil
}

// fcgi is an fcgi-program (the soak): it accepts on fd 0, the socket
// gosinit passes, and answers every connection "ok".
func fcgi() error {
	for {
		nfd, _, err := unix.Accept(0)
		if err != nil {
			return fmt.Errorf("fcgi: accept on fd 0: %w", err)
		}
		unix.Write(nfd, []byte("ok\n"))
		unix.Close(nfd)
	}
}

// listen is an event listener (the soak): READY, read one event (header
// and payload), answer OK, again.
func listen() error {
	in := bufio.NewReader(os.Stdin)
	for {
		if _, err := os.Stdout.WriteString("READY\n"); err != nil {
			return err
		}
		header, err := in.ReadString('\n')
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		n := 0
		for _, f := range strings.Fields(header) {
			if v, ok := strings.CutPrefix(f, "len:"); ok {
				n, _ = strconv.Atoi(v)
			}
		}
		if _, err := io.ReadFull(in, make([]byte, n)); err != nil {
			return fmt.Errorf("listen: payload: %w", err)
		}
		if _, err := os.Stdout.WriteString("RESULT 2\nOK"); err != nil {
			return err
		}
	}
}

// chatty writes a numbered line to stdout every 2 ms and one to stderr
// every 100th (the soak's output and rotation load).
func chatty() error {
	for i := 0; ; i++ {
		if _, err := fmt.Printf("line %d of chatty output, padded to about eighty bytes ..........\n", i); err != nil {
			return err
		}
		if i%100 == 0 {
			fmt.Fprintf(os.Stderr, "stderr line %d\n", i)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
