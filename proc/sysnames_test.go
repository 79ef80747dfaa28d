package proc

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestSysNamesAsUnix(t *testing.T) {
	for e := unix.Errno(0); e < 4096; e++ {
		if got, want := errnoText(e), unix.ErrnoName(e); got != want {
			t.Errorf("errnoText(%d) = %q, unix.ErrnoName: %q", e, got, want)
		}
	}
	for s := unix.Signal(-1); s < 256; s++ {
		if got, want := signalText(s), unix.SignalName(s); got != want {
			t.Errorf("signalText(%d) = %q, unix.SignalName: %q", s, got, want)
		}
	}
	if got := errnoText(unix.ENOENT); got != "ENOENT" {
		t.Errorf("errnoText(ENOENT) = %q", got)
	}
	if got := signalName(unix.SIGTERM); got != "SIGTERM" {
		t.Errorf("signalName(SIGTERM) = %q", got)
	}
}
