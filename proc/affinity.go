package proc

import (
	"bytes"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/internal/dirs"
)

// pin holds gosinit's CPU affinity: every thread of gosinit on one CPU
// (pinToOneCPU), its programs on all the CPUs it was given (forkExec
// forks with fork as its thread's affinity).
var pin struct {
	on              bool
	orig, one, fork unix.CPUSet
}

// pinToOneCPU puts every thread of gosinit on one of the CPUs it may use:
// the one it runs on. A signal crosses three of the Go runtime's threads
// before gosinit passes it on (the runtime's handler, os/signal's
// receiver, the loop); on one CPU each hop is a switch on that CPU, not a
// wake-up of another (an inter-processor interrupt, costly in a VM).
func pinToOneCPU() {
	if unix.SchedGetaffinity(0, &pin.orig) != nil || pin.orig.Count() < 2 {
		return
	}
	var cpu uint32
	unix.RawSyscall(unix.SYS_GETCPU, uintptr(unsafe.Pointer(&cpu)), 0, 0)
	if !pin.orig.IsSet(int(cpu)) {
		return
	}
	pin.one.Set(int(cpu))
	// The programs' affinity, as the kernel (6.2 on) remembers what was
	// asked for: a child forked with gosinit's mask would keep to it
	// when the container's cpuset later grows (Kubernetes resizes its
	// shared pool), where without gosinit it would follow the cpuset. So
	// when gosinit's CPUs are all its cpuset allows (asking for every
	// CPU gives it no more), the programs are forked asking for every
	// CPU; when its parent narrowed them (taskset, systemd's
	// CPUAffinity=), with gosinit's own, as they would inherit them.
	pin.fork = pin.orig
	var all, got unix.CPUSet
	all.Fill()
	if unix.SchedSetaffinity(0, &all) == nil && unix.SchedGetaffinity(0, &got) == nil && got == pin.orig {
		pin.fork = all
	} else {
		unix.SchedSetaffinity(0, &pin.orig) // not wider than its parent allowed
	}
	// From here on some thread may be on one CPU, or (the probe) on
	// all: forks set their thread to pin.fork whatever happens below.
	pin.on = true
	// Twice: a thread started by one not yet pinned is caught the
	// second time; later threads inherit their creator's pinning.
	var buf [4096]byte
	for range 2 {
		tids, err := dirs.Names("/proc/self/task")
		if err != nil {
			return
		}
		for _, t := range tids {
			if tid := nsTid(buf[:], t); tid > 0 {
				unix.SchedSetaffinity(tid, &pin.one)
			}
		}
	}
}

// nsTid is the thread id of /proc/self/task/T in gosinit's own PID
// namespace, where sched_setaffinity reads it: the last NSpid field (a /proc
// mounted for a parent namespace, as in a test that does not remount it,
// names threads by their ids there). 0 when unknown. buf is a scratch
// buffer (no garbage: the start is over before the next collection).
func nsTid(buf []byte, t string) int {
	fd, err := unix.Open("/proc/self/task/"+t+"/status", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	n, _ := unix.Read(fd, buf)
	unix.Close(fd)
	for b := buf[:max(n, 0)]; len(b) > 0; {
		end := bytes.IndexByte(b, '\n')
		if end < 0 {
			end = len(b)
		}
		if line := b[:end]; bytes.HasPrefix(line, []byte("NSpid:")) {
			i := len(line)
			for i > 0 && line[i-1] >= '0' && line[i-1] <= '9' {
				i--
			}
			id := 0
			for _, c := range line[i:] {
				id = id*10 + int(c-'0')
			}
			return id
		}
		b = b[min(end+1, len(b)):]
	}
	id, _ := strconv.Atoi(t) // no NSpid before Linux 4.1
	return id
}
