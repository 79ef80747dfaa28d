package proc

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// syslog: *_syslog=true (and the deprecated *_logfile=syslog) send a
// program's output to the local syslog daemon, and [supervisord]
// logfile=syslog gosinit's own log, as supervisord does through Python's
// syslog module, that is glibc's syslog(3):
//
//   - to the datagram socket /dev/log, connected when first needed and
//     again after the daemon went away (a syslog-ng or rsyslogd started
//     as a program of the same config comes up after gosinit);
//   - each message "<14>Nov 26 09:53:48 TAG: TEXT": facility user,
//     priority info, the local time, and TAG the base name of gosinit's
//     argv[0] (supervisord's is "supervisord"), with no pid;
//   - a program's output: each chunk read, its final newlines removed, is
//     split at newlines and each line sent as "NAME line" (NAME the
//     process name), as supervisord's SyslogHandler does.
//
// A daemon that is behind (its socket queue full: 10 datagrams by default,
// net.unix.max_dgram_qlen) is waited for, as syslog(3) waits, so a burst of
// output is not lost: the copier waits, and the program with it, as for a
// slow disk. Unlike syslog(3), the wait is bounded: a daemon that takes
// nothing for sendTimeout, or no daemon at all, costs messages instead,
// without waiting, until one gets through again. The first message lost
// gets one warning, and the count is logged when messages flow again.
// gosinit's own log never waits at all: the owner loop writes it, so its
// messages go through a queue and a goroutine of their own
// (syslogQueue).

// syslogPath is where syslog(3) sends (glibc's _PATH_LOG).
const syslogPath = "/dev/log"

// sendTimeout bounds the wait for a daemon whose queue is full.
const sendTimeout = time.Second

type syslogWriter struct {
	mu      sync.Mutex
	fd      int // -1 until connected
	tag     string
	buf     []byte
	failing bool  // messages are being lost; warned once
	dropped int64 // since failing began
	warn    func(msg string)
}

// newSyslogWriter returns a writer that has not connected yet. warn, if
// not nil, hears about lost messages; it is called without the writer's
// lock held.
// Not inlined: its inlined copies cost text (issue 2's size).
//
//go:noinline
func newSyslogWriter(warn func(string)) *syslogWriter {
	return &syslogWriter{fd: -1, tag: filepath.Base(os.Args[0]), warn: warn}
}

// connect opens and connects the socket. Datagrams only: glibc falls back
// to a stream socket, but rsyslogd, syslog-ng, journald and busybox's
// syslogd all listen for datagrams on /dev/log.
func (w *syslogWriter) connect() error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	tv := unix.NsecToTimeval(int64(sendTimeout))
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: syslogPath}); err != nil {
		unix.Close(fd)
		if err == unix.EPROTOTYPE {
			return newError("it is a stream socket, and gosinit sends syslog datagrams only")
		}
		return err
	}
	w.fd = fd
	return nil
}

func (w *syslogWriter) disconnect() {
	if w.fd >= 0 {
		unix.Close(w.fd)
		w.fd = -1
	}
}

// send sends one message: name and a space before text when name is not
// empty.
func (w *syslogWriter) send(name string, text []byte) {
	w.mu.Lock()
	b := w.format(name, text)
	err := w.write(b)
	var note string
	switch {
	case err != nil && !w.failing:
		w.failing = true
		w.dropped = 1
		note = "syslog: cannot send to " + syslogPath + ": " + errnoName(err) + "; output for syslog is dropped until it can be sent"
	case err != nil:
		w.dropped++
	case w.failing:
		w.failing = false
		note = "syslog: sending to " + syslogPath + " again; " + strconv.FormatInt(w.dropped, 10) + " messages were dropped"
	}
	w.mu.Unlock()
	if note != "" && w.warn != nil {
		w.warn(note)
	}
}

// write sends b, connecting first if needed, and once more on a new
// connection when the daemon has gone away. w.mu is held.
func (w *syslogWriter) write(b []byte) error {
	for attempt := 0; ; attempt++ {
		if w.fd < 0 {
			if err := w.connect(); err != nil {
				return err
			}
		}
		// Blocking, up to sendTimeout; not at all while messages
		// are being lost.
		flags := unix.MSG_NOSIGNAL
		if w.failing {
			flags |= unix.MSG_DONTWAIT
		}
		err := unix.Send(w.fd, b, flags)
		if err == unix.EINTR {
			continue
		}
		switch err {
		case nil:
			return nil
		case unix.ECONNREFUSED, unix.ENOTCONN, unix.EPIPE, unix.ECONNRESET:
			w.disconnect()
			if attempt == 0 {
				continue
			}
		}
		return err
	}
}

// format builds "<14>Mon _d hh:mm:ss TAG: NAME text" in w.buf.
func (w *syslogWriter) format(name string, text []byte) []byte {
	b := append(w.buf[:0], "<14>"...)
	b = appendSyslogTime(b, time.Now())
	b = append(b, ' ')
	b = append(b, w.tag...)
	b = append(b, ": "...)
	if name != "" {
		b = append(b, name...)
		b = append(b, ' ')
	}
	b = append(b, text...)
	w.buf = b
	return b
}

// appendSyslogTime appends t as syslog(3) stamps it, strftime's
// "%h %e %T": "Nov  6 09:53:48". By hand, as appendLogTime is.
func appendSyslogTime(b []byte, t time.Time) []byte {
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	_, month, day := t.Date()
	hour, minute, sec := t.Clock()
	b = append(b, months[3*(month-1):3*month]...)
	d0 := byte(' ')
	if day >= 10 {
		d0 = byte('0' + day/10)
	}
	return append(b, ' ', d0, byte('0'+day%10),
		' ', byte('0'+hour/10), byte('0'+hour%10),
		':', byte('0'+minute/10), byte('0'+minute%10),
		':', byte('0'+sec/10), byte('0'+sec%10))
}

// syslogStream is one program stream's way into syslog: a sink the copier
// writes chunks to.
type syslogStream struct {
	_ [0]func() // incomparable: no generated equality function (text)

	w    *syslogWriter
	name string
}

// Write sends p as supervisord's SyslogHandler does a chunk: its final
// newlines removed, every line a message (an empty line too).
func (s *syslogStream) Write(p []byte) (int, error) {
	n := len(p)
	p = trimNewlines(p)
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.w.send(s.name, p)
			return n, nil
		}
		s.w.send(s.name, p[:i])
		p = p[i+1:]
	}
}

// syslogQueue is gosinit's own log into syslog (logfile=syslog): the
// logger hands it each entry, and its goroutine sends them, so the owner
// loop never waits on the daemon. An entry that finds the queue full is
// dropped. Each line of an entry is a message with the entry's time and
// level in front and a newline at the end, as supervisord formats them
// ("%(asctime)s %(levelname)s %(message)s\n").
type syslogQueue struct {
	w    *syslogWriter
	q    chan []byte
	done chan struct{}
}

func newSyslogQueue() *syslogQueue {
	sq := &syslogQueue{w: newSyslogWriter(nil), q: make(chan []byte, 256), done: make(chan struct{})}
	go func() {
		defer close(sq.done)
		for entry := range sq.q {
			sq.send(entry)
		}
	}()
	return sq
}

// Write queues a copy of one log entry.
func (sq *syslogQueue) Write(p []byte) (int, error) {
	select {
	case sq.q <- append([]byte(nil), p...):
	default:
	}
	return len(p), nil
}

// close sends what is queued (each send bounded by sendTimeout) and stops
// the goroutine. Nothing may be written after it.
func (sq *syslogQueue) close() {
	close(sq.q)
	<-sq.done
}

func (sq *syslogQueue) send(p []byte) {
	// "2026-11-26 09:53:48,123 INFO " is the entry's header: up to the
	// third space. The lines after the first (a chunk of a program's
	// output, at loglevel debug) get it too. As in supervisord, the
	// entry's final newlines go before it is split.
	hdr := 0
	for spaces := 0; hdr < len(p) && spaces < 3; hdr++ {
		if p[hdr] == ' ' {
			spaces++
		}
	}
	head := p[:hdr]
	p = trimNewlines(p[hdr:])
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			i = len(p)
		}
		msg := append(append(append([]byte(nil), head...), p[:i]...), '\n')
		sq.w.send("", msg)
		if i == len(p) {
			return
		}
		p = p[i+1:]
	}
}

// trimNewlines is bytes.TrimRight(p, "\n"), which would cost the binary
// its Unicode path.
func trimNewlines(p []byte) []byte {
	for len(p) > 0 && p[len(p)-1] == '\n' {
		p = p[:len(p)-1]
	}
	return p
}
