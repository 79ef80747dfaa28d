package proc

import (
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/internal/textf"
)

// stdLog carries gosinit's own log lines (the activity log's echo on
// stderr, logfile=/dev/stdout) into its stdout or stderr without ever
// waiting for their reader. A reader that stops reading (a docker log
// driver in blocking mode whose server is down, a pipe whose reader hangs)
// would otherwise stop the owner loop at its next log line: no reaping, no
// restarts, and a SIGTERM from `docker stop` never acted on.
//
// A pipe or a socket is written with RWF_NOWAIT: a line goes out at once
// when there is room, in order with what the programs write to the same
// descriptor. When there is none, or the programs' copiers hold the sink,
// the line joins a queue that one goroutine writes out, waiting for the
// reader on the loop's behalf; the queue holds at most maxStdQueue bytes,
// and what does not fit is dropped and counted, then reported once the
// reader catches up. A terminal (no RWF_NOWAIT) always goes through the
// queue. A regular file or /dev/null is written directly: neither waits
// for a reader.
type stdLog struct {
	lf     *logFile // the sink the copiers of prefixed output share
	fd     int
	direct bool // a regular file or /dev/null: plain writes (set once)

	// the rest under mu

	mu      sync.Mutex
	queued  bool // a terminal: never RWF_NOWAIT, always the queue
	queue   []byte
	busy    bool          // a drain goroutine runs
	idle    chan struct{} // closed when it ends
	dropped int64
}

// maxStdQueue bounds what waits for a reader that does not read: 1 MiB,
// as much again as the pipe gosinit widens its stdout and stderr to.
const maxStdQueue = 1 << 20

// newStdLog wraps lf, a stdSink.
func newStdLog(lf *logFile) *stdLog {
	q := &stdLog{lf: lf, fd: int(lf.f.Fd())}
	var st unix.Stat_t
	if unix.Fstat(q.fd, &st) == nil {
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			q.direct = true
		case unix.S_IFCHR:
			q.direct = st.Rdev == unix.Mkdev(1, 3)
		}
	}
	return q
}

// Write writes p, or queues it, or drops it; it never waits for the reader.
func (q *stdLog) Write(p []byte) (int, error) {
	if q.direct || len(p) == 0 {
		return q.lf.Write(p)
	}
	n := len(p)
	q.mu.Lock()
	// Up to PIPE_BUF a pipe takes a write whole or not at all; a longer
	// one, cut, would let a copier's line into the middle of it, so it
	// goes through the queue, written whole under the sink's lock.
	if !q.busy && !q.queued && len(p) <= 4096 && q.lf.mu.TryLock() {
		if !q.lf.cut {
			p = q.writeNowait(p)
		}
		q.lf.mu.Unlock()
		if len(p) == 0 {
			q.mu.Unlock()
			return n, nil
		}
	}
	if len(q.queue)+len(p) > maxStdQueue {
		q.dropped += int64(len(p))
	} else {
		q.queue = append(q.queue, p...)
	}
	if !q.busy {
		q.busy = true
		q.idle = make(chan struct{})
		go q.drain(q.idle)
	}
	q.mu.Unlock()
	return n, nil
}

// writeNowait writes what it can of p without waiting (pwritev2 with
// RWF_NOWAIT at the current offset; x/sys's Pwritev2 costs the binary
// 0.8 kB more) and returns the rest. A descriptor that cannot do it
// switches the queue on for good.
func (q *stdLog) writeNowait(p []byte) []byte {
	iov := unix.Iovec{Base: &p[0]}
	iov.SetLen(len(p))
	w, _, errno := unix.Syscall6(unix.SYS_PWRITEV2, uintptr(q.fd), uintptr(unsafe.Pointer(&iov)), 1, ^uintptr(0), ^uintptr(0), unix.RWF_NOWAIT)
	if errno != 0 {
		if errno == unix.EOPNOTSUPP {
			q.queued = true
		}
		return p
	}
	return p[w:]
}

// drain writes the queue out, waiting for the reader, until it is empty.
func (q *stdLog) drain(idle chan struct{}) {
	defer close(idle)
	var buf []byte
	for {
		q.mu.Lock()
		buf, q.queue = q.queue, buf[:0]
		dropped := q.dropped
		q.dropped = 0
		if len(buf) == 0 && dropped == 0 {
			q.busy = false
			if cap(buf) > 64<<10 {
				q.queue = nil // a stall's buffers go back
			}
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		q.lf.Write(buf)
		if dropped > 0 && q.lf.warn != nil {
			// Through the logger: it comes back here, queued.
			q.lf.warn(textf.Sprintf("%s was not read: dropped %d bytes of gosinit's log", q.lf.path, dropped))
		}
	}
}

// flush waits, at most d, for the queue to be written out: the last lines
// of a gosinit that exits, unless nobody reads them.
func (q *stdLog) flush(d time.Duration) {
	if q == nil {
		return
	}
	q.mu.Lock()
	busy, idle := q.busy, q.idle
	q.mu.Unlock()
	if !busy {
		return
	}
	t := time.NewTimer(d)
	select {
	case <-idle:
	case <-t.C:
	}
	t.Stop()
}
