package proc

import (
	"bytes"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestStdLogTerminal: a terminal takes no RWF_NOWAIT; its lines go through
// the queue and arrive whole and in order, and a terminal whose output is
// stopped (^S) holds them without holding the writer.
func TestStdLogTerminal(t *testing.T) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pty:", err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Oflag &^= unix.OPOST // no \n -> \r\n
	if err := unix.IoctlSetTermios(int(slave.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	// ^S as the terminal's user would type it: output stops.
	if err := unix.IoctlSetInt(int(slave.Fd()), unix.TCXONC, unix.TCOOFF); err != nil {
		t.Fatal(err)
	}
	q := newStdLog(stdSink(slave, nil))
	var want bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 2000; i++ {
			line := "line " + strconv.Itoa(i) + " of the log, long enough to fill a terminal's buffer soon\n"
			want.WriteString(line)
			q.Write([]byte(line))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("writes to a stopped terminal waited for it")
	}
	if !q.queued {
		t.Error("a terminal did not switch to the queue")
	}
	unix.IoctlSetInt(int(slave.Fd()), unix.TCXONC, unix.TCOON)
	var got bytes.Buffer
	buf := make([]byte, 64<<10)
	deadline := time.Now().Add(10 * time.Second)
	for got.Len() < want.Len() && time.Now().Before(deadline) {
		master.SetReadDeadline(deadline)
		n, err := master.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if got.String() != want.String() {
		t.Errorf("the terminal got %d bytes, want the %d written, in order", got.Len(), want.Len())
	}
	q.flush(time.Second)
}
