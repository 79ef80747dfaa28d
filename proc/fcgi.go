package proc

import (
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gosinit/gosinit/config"
	"github.com/gosinit/gosinit/internal/textf"
)

// An [fcgi-program:x] group's processes share one listening socket, which
// gosinit creates and each process gets as its stdin (file descriptor 0,
// blocking, as supervisord passes it): a FastCGI server calls accept on
// fd 0. As in supervisord the socket is made before the first spawn
// (a socket that cannot be made stops gosinit at start, before anything
// runs) and closed once no process of the group is left to use it. Two
// differences, on purpose:
//
//   - The socket stays open while any process of the group is alive or
//     coming back (STARTING, RUNNING, BACKOFF, STOPPING, EXITED with its
//     restart due, or not yet reaped); supervisord closes it whenever
//     every process has exited, even for a restart a second later, and
//     the connections waiting in its backlog are reset. It is closed when
//     they are all STOPPED, EXITED or FATAL, so clients are refused, not
//     left waiting.
//   - gosinit removes a unix socket's file when it closes the socket (if
//     the file is still the one it made), and never deletes a file at the
//     path that is not a socket; supervisord deletes whatever is there
//     before binding and leaves its socket files behind.
//
// Sockets are keyed by URL, so two groups naming the same socket share it
// rather than the second one taking the first one's path or port.
type fcgiSocket struct {
	f        *os.File
	dev, ino uint64 // a unix socket's file, removed at close if unchanged
}

// fcgiStdin is the stdin of a process of an fcgi-program (c): the
// group's socket, made now if it is not open.
func (s *Supervisor) fcgiStdin(c *config.Process) (*os.File, error) {
	sk := c.Socket
	if fs := s.sockets[sk.URL]; fs != nil {
		return fs.f, nil
	}
	fs, err := openSocket(sk, c.User)
	if err != nil {
		return nil, textf.Errorf("could not create FastCGI socket %s: %v", sk.URL, err)
	}
	s.log.infof("Creating socket %s", sk.URL)
	if s.sockets == nil {
		s.sockets = map[string]*fcgiSocket{}
	}
	s.sockets[sk.URL] = fs
	return fs.f, nil
}

// openSockets makes the socket of every fcgi-program group before
// anything runs, as supervisord does when it builds the groups: one that
// cannot be made is gosinit's failure to start.
func (s *Supervisor) openSockets() error {
	for _, g := range s.cfg.Groups {
		if g.Socket == nil || len(g.Processes) == 0 {
			continue
		}
		if _, err := s.fcgiStdin(g.Processes[0]); err != nil {
			return textf.Errorf("[fcgi-program:%s] socket: %v", g.Name, err)
		}
	}
	return nil
}

// closeIdleSockets closes every socket no process is left to use (see
// fcgiSocket); all of them once gosinit is done.
func (s *Supervisor) closeIdleSockets(all bool) {
	if len(s.sockets) == 0 {
		return
	}
	used := map[string]bool{}
	if !all {
		for _, p := range s.procs {
			if p.cfg.Socket != nil && p.live() {
				used[p.cfg.Socket.URL] = true
			}
		}
		for _, p := range s.toStart { // about to start (startSome)
			if p.cfg.Socket != nil {
				used[p.cfg.Socket.URL] = true
			}
		}
	}
	for url, fs := range s.sockets {
		if used[url] {
			continue
		}
		delete(s.sockets, url)
		s.log.infof("Closing socket %s", url)
		fs.close(strings.TrimPrefix(url, "unix://"))
	}
}

// live: the process is running, not yet reaped, or will run again by
// itself (an EXITED process whose restart waits for minRespawn has its
// timer armed). Not inlined (issue 2's size).
//
//go:noinline
func (p *process) live() bool {
	switch p.m.state {
	case Starting, Running, Backoff, Stopping:
		return true
	case Exited:
		return p.pid != 0 || p.timer != nil
	}
	return p.pid != 0
}

// close closes the socket and removes a unix socket's file at path if it
// is still the one made.
func (fs *fcgiSocket) close(path string) {
	fs.f.Close()
	var st unix.Stat_t
	if fs.ino != 0 && unix.Lstat(path, &st) == nil && st.Dev == fs.dev && st.Ino == fs.ino {
		os.Remove(path)
	}
}

// openSocket creates, binds and listens on sk, as supervisord's
// socket_manager does: a TCP socket with SO_REUSEADDR (IPv4, as
// supervisord), a unix socket replacing an old socket file at its path,
// then owned by socket_owner (else by the program's user= when that is
// not gosinit's own, with its primary group) and given socket_mode; the
// backlog is socket_backlog or SOMAXCONN.
func openSocket(sk *config.Socket, user *string) (*fcgiSocket, error) {
	family := unix.AF_INET
	var addr unix.Sockaddr
	var st unix.Stat_t
	if sk.Path != "" {
		family = unix.AF_UNIX
		addr = &unix.SockaddrUnix{Name: sk.Path}
		if unix.Lstat(sk.Path, &st) == nil {
			if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
				return nil, textf.Errorf("%s exists and is not a socket: gosinit does not remove it", sk.Path)
			}
			if err := os.Remove(sk.Path); err != nil {
				return nil, err
			}
		}
	} else {
		ip, err := resolveIPv4(sk.Host)
		if err != nil {
			return nil, err
		}
		addr = &unix.SockaddrInet4{Port: sk.Port, Addr: ip}
	}
	// Blocking and inheritable by dup2 into fd 0; close-on-exec in gosinit.
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, errnoErr(err)
	}
	fs := &fcgiSocket{f: os.NewFile(uintptr(fd), sk.URL)}
	if sk.Path == "" {
		err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	}
	if err == nil {
		err = unix.Bind(fd, addr)
	}
	if err == nil && sk.Path != "" {
		if err = unix.Lstat(sk.Path, &st); err == nil {
			fs.dev, fs.ino = st.Dev, st.Ino
			err = ownSocket(sk, user)
		}
	}
	if err == nil {
		backlog := sk.Backlog
		if backlog == 0 {
			backlog = unix.SOMAXCONN
		}
		err = unix.Listen(fd, backlog)
	}
	if err != nil {
		fs.close(sk.Path)
		return nil, errnoErr(err)
	}
	return fs, nil
}

// ownSocket gives a unix socket's file its owner and mode (see
// openSocket), by fchownat and fchmodat themselves: x/sys's wrappers
// emulate flags gosinit does not use, in 1.5 kB of binary (issue 2).
func ownSocket(sk *config.Socket, user *string) error {
	uid, gid := -1, -1
	var err error
	switch {
	case sk.Owner != "":
		uid, gid, err = sk.ResolveOwner()
	case user != nil:
		var u *config.User
		if u, err = config.LookupUser(*user); err == nil && u.Uid != uint32(os.Geteuid()) {
			uid, gid = int(u.Uid), int(u.Gid)
		}
	}
	if err != nil {
		return err
	}
	p, err := unix.BytePtrFromString(sk.Path)
	if err != nil {
		return err
	}
	dirfd := unix.AT_FDCWD
	at := uintptr(dirfd)
	if uid != -1 {
		if _, _, e := unix.Syscall6(unix.SYS_FCHOWNAT, at, uintptr(unsafe.Pointer(p)), uintptr(uid), uintptr(gid), unix.AT_SYMLINK_NOFOLLOW, 0); e != 0 {
			return e
		}
	}
	if _, _, e := unix.Syscall(unix.SYS_FCHMODAT, at, uintptr(unsafe.Pointer(p)), uintptr(sk.Mode)); e != 0 {
		return e
	}
	return nil
}

// errnoErr words a system call's error as supervisord's Python does:
// "[Errno 98] Address already in use".
func errnoErr(err error) error {
	if en, ok := err.(unix.Errno); ok {
		msg := en.Error()
		if msg != "" && msg[0] >= 'a' && msg[0] <= 'z' {
			msg = string(msg[0]-'a'+'A') + msg[1:]
		}
		return textf.Errorf("[Errno %d] %s", int(en), msg)
	}
	return err
}

// resolveIPv4 is the IPv4 address of a socket's host, as Python's bind
// resolves it for AF_INET: a dotted quad, or a name from /etc/hosts
// ("localhost" is 127.0.0.1 when /etc/hosts does not say). gosinit does
// not ask DNS: a container's init should not wait on the network.
func resolveIPv4(host string) ([4]byte, error) {
	if ip, ok := parseIPv4(host); ok {
		return ip, nil
	}
	if b, err := os.ReadFile("/etc/hosts"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			line, _, _ = strings.Cut(line, "#")
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			ip, ok := parseIPv4(f[0])
			if !ok {
				continue
			}
			for _, name := range f[1:] {
				if strings.EqualFold(name, host) {
					return ip, nil
				}
			}
		}
	}
	if host == "localhost" {
		return [4]byte{127, 0, 0, 1}, nil
	}
	return [4]byte{}, textf.Errorf("cannot resolve host %q to an IPv4 address (gosinit reads /etc/hosts, not DNS: use an address)", host)
}

func parseIPv4(s string) (ip [4]byte, ok bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return ip, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 || p == "" || p[0] == '+' || p[0] == '-' {
			return ip, false
		}
		ip[i] = byte(n)
	}
	return ip, true
}
