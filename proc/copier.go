package proc

// Copiers: the goroutines that read a program's output pipe.
//
// A program's stdout or stderr goes through gosinit only when it must: to a
// rotating log file, or with a prefix. Then one copier goroutine owns the
// read end of the pipe and nothing else: it never touches process state, and
// it tells the owner loop only that the pipe is drained (done), so that a
// process's exit is reported after its last byte is written.
//
// Without a prefix the copier moves raw chunks, as read, with no framing, as
// supervisord does. With a prefix it frames lines: every line goes out whole,
// with the prefix in front, inside a single Write on the sink. One Write
// carries as many whole lines as one read brought in (one write(2) for a
// pipe-full of short lines, rather than one per line: the per-line syscall
// would cap throughput at a few MB/s of short lines); a sink shared by
// several copiers serialises Writes (logFile does), so lines of different
// programs never interleave mid-line. A partial line is held until its
// newline arrives or the pipe ends; at the end it is written with a newline
// added. A line longer than maxLine is cut into maxLine pieces, each
// prefixed and ended by a newline: nothing is lost, and no line in the
// output is longer than maxLine plus the prefix.
//
// Buffers are shared, not per copier: a copier takes a read buffer (and,
// prefixing, a framing buffer) from a pool when its pipe has data, and
// hands them back when a read finds the pipe empty, before it waits. So
// memory follows the number of programs writing at the same moment, not
// the number of programs: fifty quiet programs hold no buffer at all, while
// one that keeps writing keeps its buffers and allocates nothing per line
// or per read.
//
// Raw chunks are read and written, not spliced. splice(2) from the pipe into
// the log file would save the copy through user space (it needs the file
// opened without O_APPEND and an explicit end offset), but measured on a
// tmpfs it cost 7% more CPU than read and write and 13% of the rate: the
// kernel holds the pipe's lock while it writes the file, so the program
// cannot refill the pipe meanwhile (bench/output/README.md).

import (
	"bytes"
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	// readSize is the read size without prefix: supervisord's, so that a
	// log file passes maxbytes before it rotates by at most what it would
	// under supervisord.
	readSize = 128 << 10
	// prefixReadSize is the read size when prefixing: half the (1 MiB)
	// pipe, and as many fewer writes to gosinit's stdout. It took about
	// 10% less CPU than 128 KiB in bench/output. With the framer's, a
	// stream that is writing holds 1.1 MiB of pooled buffers; a quiet one
	// holds none.
	prefixReadSize = 512 << 10
	// maxLine is the longest line content written in one piece when
	// prefixing (the prefix and the newline come on top).
	maxLine = 64 << 10
	// maxPooledPrefix is the longest prefix whose framing buffer comes
	// from the pool (they have one size); a framer with a longer prefix
	// keeps its own.
	maxPooledPrefix = 256
)

// readSlots bounds the copiers inside a read(2) at once to the two Ps. A
// read of a pipe never blocks (it is non-blocking), but copying 128 KiB
// takes long enough that the runtime often gives the copier's P to another
// thread meanwhile, making one if none is idle: with fifty programs writing
// at full speed that added a thread a copier. Past two, reads only take
// turns on the CPUs anyway. The writes to files are bounded the same way
// (writeGate).
var readSlots = make(chan struct{}, MaxProcs)

// MaxProcs is the most Ps gosinit runs Go code on: main's init caps
// GOMAXPROCS at it.
const MaxProcs = 2

// The buffer pools. A pooled buffer is a *[]byte so Put does not allocate.
var (
	rawPool    = sync.Pool{New: func() any { b := make([]byte, readSize); return &b }}
	prefixPool = sync.Pool{New: func() any { b := make([]byte, prefixReadSize); return &b }}
	framePool  = sync.Pool{New: func() any { b := make([]byte, 0, framingSize(maxPooledPrefix)); return &b }}
)

// framingSize is the framing buffer for a prefix of n bytes: room for one
// longest piece plus a whole read, so one Write per read in the common
// case, and always room for a piece after a flush.
func framingSize(n int) int { return n + maxLine + 1 + prefixReadSize }

// copier copies one pipe to one sink until the pipe ends. Create it with
// startCopier.
type copier struct {
	r     *os.File
	sink  io.Writer
	debug func(p []byte)
	done  func()
	raw   syscall.RawConn // r's raw connection
	lines *lineFramer     // nil without prefix
	strip *ansiStripper   // nil without strip_ansi

	pool *sync.Pool // where buf comes from
	buf  *[]byte    // the read buffer, while the pipe has data
	// The state of one read; readOp is made once, as a closure per read
	// would allocate.
	n      int
	rerr   error
	readOp func(fd uintptr) bool
}

// startCopier starts a goroutine that reads r (the read end of a program's
// stdout or stderr pipe, as made by os.Pipe: non-blocking, in the runtime
// poller) and writes what it reads to sink:
//
//   - prefix empty: raw chunks as read.
//   - prefix set: whole lines, each with prefix in front (see the top of
//     this file). The copier keeps its own copy of prefix.
//   - strip: ANSI escape sequences are removed first (strip_ansi), from
//     what goes to sink and to debug alike, as supervisord strips before
//     it logs or sends an event.
//   - debug, if not nil, also receives every chunk as read, before framing
//     (for supervisord's "'NAME' stdout output:" lines at loglevel debug).
//     It must not keep p.
//
// Errors from sink are ignored (a logFile reports its own failures): the
// copier keeps reading so the program never blocks on a full pipe. When the
// pipe ends (every holder of its write end has closed it) or reading fails,
// the copier writes out any held partial line, closes r, and calls done
// (if not nil) exactly once, from its goroutine. It never closes sink.
func startCopier(r *os.File, sink io.Writer, prefix []byte, strip bool, debug func(p []byte), done func()) *copier {
	c := &copier{r: r, sink: sink, debug: debug, done: done, pool: &rawPool}
	if len(prefix) > 0 {
		c.lines = newLineFramer(sink, prefix)
		c.pool = &prefixPool
	}
	if strip {
		c.strip = &ansiStripper{}
	}
	c.readOp = c.readFd
	go c.run()
	return c
}

func (c *copier) run() {
	defer func() {
		c.r.Close()
		if c.done != nil {
			c.done()
		}
	}()
	rc, err := c.r.SyscallConn()
	if err != nil {
		return
	}
	c.raw = rc
	for {
		n, err := c.read()
		if n > 0 {
			buf := (*c.buf)[:n]
			if c.strip != nil {
				buf = c.strip.strip((*c.buf)[:n+1]) // read into buf[1:]
			}
			c.emit(buf)
		}
		if err != nil {
			break
		}
	}
	c.release()
	if c.strip != nil {
		c.emit(c.strip.finish())
	}
	if c.lines != nil {
		c.lines.finish()
		c.lines.release()
	}
}

// emit writes one chunk out, to the sink (framed, with a prefix) and to
// debug.
func (c *copier) emit(buf []byte) {
	if len(buf) == 0 {
		return
	}
	if c.lines != nil {
		c.lines.write(buf)
		c.lines.flush()
	} else {
		c.sink.Write(buf)
	}
	if c.debug != nil {
		c.debug(buf)
	}
}

// release hands the read buffer back to its pool.
func (c *copier) release() {
	if c.buf != nil {
		c.pool.Put(c.buf)
		c.buf = nil
	}
}

// read reads the next chunk into c.buf, blocking until data or the end of
// the pipe.
func (c *copier) read() (int, error) {
	if err := c.raw.Read(c.readOp); err != nil {
		return 0, err
	}
	switch {
	case c.rerr != nil:
		return 0, c.rerr
	case c.n <= 0:
		return 0, io.EOF
	}
	return c.n, nil
}

// readFd is the read itself, called by the runtime poller when the pipe
// may be readable. Finding it empty, it hands the buffers back before the
// copier waits (returning false makes the poller wait and call it again).
func (c *copier) readFd(fd uintptr) bool {
	if c.buf == nil {
		c.buf = c.pool.Get().(*[]byte)
	}
	buf := *c.buf
	if c.strip != nil {
		buf = buf[1:] // a spare byte in front, for the stripper
	}
	readSlots <- struct{}{}
	for {
		c.n, c.rerr = unix.Read(int(fd), buf)
		if c.rerr != unix.EINTR {
			break
		}
	}
	<-readSlots
	if c.rerr != unix.EAGAIN {
		return true
	}
	c.release()
	if c.lines != nil {
		c.lines.release()
	}
	return false
}

// lineFramer turns a byte stream into prefixed lines. out holds, in order,
// complete framed lines (out[:ready]) and, when inLine, the line being
// assembled with its prefix already in place (out[ready:]).
type lineFramer struct {
	sink   io.Writer
	prefix []byte
	out    []byte
	ready  int
	inLine bool
	pooled *[]byte // out's buffer when it came from framePool
}

func newLineFramer(sink io.Writer, prefix []byte) *lineFramer {
	return &lineFramer{sink: sink, prefix: bytes.Clone(prefix)}
}

// acquire gives the framer its buffer: from the pool for a prefix of up to
// maxPooledPrefix bytes, else its own, kept for good.
func (f *lineFramer) acquire() {
	if f.out != nil {
		return
	}
	if len(f.prefix) > maxPooledPrefix {
		f.out = make([]byte, 0, framingSize(len(f.prefix)))
		return
	}
	f.pooled = framePool.Get().(*[]byte)
	f.out = (*f.pooled)[:0]
}

// release hands a pooled buffer back when it holds nothing: no complete
// line waiting and no partial line.
func (f *lineFramer) release() {
	if f.pooled == nil || len(f.out) > 0 {
		return
	}
	framePool.Put(f.pooled)
	f.pooled, f.out = nil, nil
}

// write frames data, flushing complete lines first when out is full.
func (f *lineFramer) write(data []byte) {
	f.acquire()
	for len(data) > 0 {
		if !f.inLine {
			// Fast path: whole lines that fit in out as it is.
			n, used := frameLines(f.out[:cap(f.out)], len(f.out), f.prefix, data)
			if n > len(f.out) {
				f.out = f.out[:n]
				f.ready = n
			}
			data = data[used:]
			if len(data) == 0 {
				return
			}
			f.reserve(len(f.prefix))
			f.out = append(f.out, f.prefix...)
			f.inLine = true
		}
		room := maxLine - (len(f.out) - f.ready - len(f.prefix))
		// The newline may be the byte after a full line.
		seg := data[:min(len(data), room+1)]
		end := false
		if i := bytes.IndexByte(seg, '\n'); i >= 0 {
			seg = seg[:i+1]
			end = true
		} else {
			seg = data[:min(len(data), room)]
		}
		// No newline within reach and more data beyond a full line:
		// cut here.
		cut := !end && len(seg) == room && len(data) > len(seg)
		need := len(seg)
		if cut {
			need++
		}
		f.reserve(need)
		f.out = append(f.out, seg...)
		if cut {
			f.out = append(f.out, '\n')
		}
		data = data[len(seg):]
		if end || cut {
			f.ready = len(f.out)
			f.inLine = false
		}
	}
}

// reserve makes room for n more bytes in out, flushing if needed. n never
// exceeds what is left after a flush: the line in progress plus what is
// reserved for it is at most prefix+maxLine+1.
func (f *lineFramer) reserve(n int) {
	if len(f.out)+n > cap(f.out) {
		f.flush()
	}
}

// flush writes the complete lines and moves the line in progress to the
// front of out.
func (f *lineFramer) flush() {
	if f.ready == 0 {
		return
	}
	f.sink.Write(f.out[:f.ready])
	m := copy(f.out, f.out[f.ready:])
	f.out = f.out[:m]
	f.ready = 0
}

// finish ends a partial line with a newline and writes everything out.
func (f *lineFramer) finish() {
	f.acquire()
	if f.inLine {
		f.reserve(1)
		f.out = append(f.out, '\n')
		f.ready = len(f.out)
		f.inLine = false
	}
	f.flush()
}

// frameLines is the framer's fast path: it appends prefix and the first
// line of data to out[:n], then the next line and so on, while the line
// ends in a newline within maxLine+1 bytes and fits in out (whose length is
// its capacity). It returns the new length of the framed output and the
// bytes of data used. Its state stays in registers: about 10% faster on
// 100-byte lines than the same work on the framer's fields.
func frameLines(out []byte, n int, prefix, data []byte) (int, int) {
	used := 0
	for used < len(data) {
		i := bytes.IndexByte(data[used:min(len(data), used+maxLine+1)], '\n')
		k := n + len(prefix) // where the line goes
		if i < 0 || k+i+1 > len(out) {
			break // no newline within reach, or no room: the slow path
		}
		copy(out[n:], prefix)
		copy(out[k:], data[used:used+i+1])
		n = k + i + 1
		used += i + 1
	}
	return n, used
}
