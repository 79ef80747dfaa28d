package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseSmapsHeader(t *testing.T) {
	tests := []struct {
		name string
		line string
		ok   bool
		want smapsMapping
	}{
		{"text", "00400000-0053e000 r-xp 00000000 fe:00 9978655                            /usr/local/bin/gosinit", true,
			smapsMapping{span: span{0x400000, 0x53e000}, private: true, dev: unix.Mkdev(0xfe, 0), ino: 9978655}},
		{"data", "0069e000-006af000 rw-p 0029e000 fe:00 9978655 /gosinit", true,
			smapsMapping{span: span{0x69e000, 0x6af000}, writable: true, private: true, dev: unix.Mkdev(0xfe, 0), ino: 9978655}},
		{"shared", "7f0000000000-7f0000001000 r--s 00000000 103:02 12 /dev/shm/x", true,
			smapsMapping{span: span{0x7f0000000000, 0x7f0000001000}, dev: unix.Mkdev(0x103, 2), ino: 12}},
		{"path with spaces", "00400000-00401000 r-xp 00000000 08:01 7 /opt/my dir/gosinit (deleted)", true,
			smapsMapping{span: span{0x400000, 0x401000}, private: true, dev: unix.Mkdev(8, 1), ino: 7}},
		{"anonymous", "c000000000-c000400000 rw-p 00000000 00:00 0 ", true,
			smapsMapping{span: span{0xc000000000, 0xc000400000}, writable: true, private: true}},
		{"heap", "01000000-01021000 rw-p 00000000 00:00 0                                  [heap]", true,
			smapsMapping{span: span{0x1000000, 0x1021000}, writable: true, private: true}},
		{"key line", "Rss:                1140 kB", false, smapsMapping{}},
		{"vmflags", "VmFlags: rd ex mr mw me sd", false, smapsMapping{}},
		{"empty", "", false, smapsMapping{}},
		{"no range", "00400000 r-xp 00000000 fe:00 1 /x", false, smapsMapping{}},
		{"reversed range", "00500000-00400000 r-xp 00000000 fe:00 1 /x", false, smapsMapping{}},
		{"bad perms", "00400000-00500000 r-x 00000000 fe:00 1 /x", false, smapsMapping{}},
		{"bad device", "00400000-00500000 r-xp 00000000 fe00 1 /x", false, smapsMapping{}},
		{"bad inode", "00400000-00500000 r-xp 00000000 fe:00 1x /x", false, smapsMapping{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseSmapsHeader([]byte(tt.line))
			if ok != tt.ok || (ok && got != tt.want) {
				t.Fatalf("parseSmapsHeader(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSmapsValue(t *testing.T) {
	tests := []struct {
		line string
		want uint64
		ok   bool
	}{
		{"Anonymous:             0 kB", 0, true},
		{"Anonymous:            12 kB", 12, true},
		{"Anonymous:\t5 kB", 5, true},
		{"AnonHugePages:         0 kB", 0, false},
		{"Anonymous:             0", 0, false},
		{"Anonymous:            -1 kB", 0, false},
		{"Rss:                   0 kB", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, ok := smapsValue([]byte(tt.line), "Anonymous:")
			if got != tt.want || ok != tt.ok {
				t.Fatalf("smapsValue(%q) = %d, %v; want %d, %v", tt.line, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// smapsEntry renders one mapping of a synthetic smaps file.
func smapsEntry(lo, hi uint64, perms, devIno, path string, anonKB int) string {
	return fmt.Sprintf("%08x-%08x %s 00000000 %s %s\nSize:  %d kB\nRss:  %d kB\nAnonymous:  %d kB\nVmFlags: rd mr mw me\n",
		lo, hi, perms, devIno, path, (hi-lo)>>10, (hi-lo)>>10, anonKB)
}

func TestDroppable(t *testing.T) {
	exe := unix.Stat_t{Dev: unix.Mkdev(0xfe, 0), Ino: 42}
	var b strings.Builder
	b.WriteString(smapsEntry(0x400000, 0x500000, "r-xp", "fe:00 42", "/gosinit", 0)) // text: dropped
	b.WriteString(smapsEntry(0x500000, 0x600000, "r--p", "fe:00 42", "/gosinit", 8)) // relocated rodata: kept
	b.WriteString(smapsEntry(0x600000, 0x610000, "rw-p", "fe:00 42", "/gosinit", 0)) // data: kept
	b.WriteString(smapsEntry(0x700000, 0x710000, "r--p", "fe:00 43", "/other", 0))   // another file: kept
	b.WriteString(smapsEntry(0x710000, 0x720000, "r--p", "fe:01 42", "/other", 0))   // same inode, other device: kept
	b.WriteString(smapsEntry(0x720000, 0x730000, "r--s", "fe:00 42", "/gosinit", 0)) // shared: kept
	// A header longer than the buffer: kept, and the tail of its path is
	// not read as a header, though it looks like one.
	head := "00730000-00740000 r--p 00000000 fe:00 42 /"
	b.WriteString(head + strings.Repeat("x", 4096-len(head)) + "00a00000-00b00000 r-xp 00000000 fe:00 42 /gosinit\nAnonymous:  0 kB\n")
	// A line too long to read inside a mapping: the mapping is kept.
	b.WriteString("00740000-00750000 r--p 00000000 fe:00 42 /gosinit\nName: " + strings.Repeat("y", 5000) + "\nAnonymous:  0 kB\n")
	for i := range 200 { // push the next entries across buffer boundaries
		b.WriteString(smapsEntry(0x10000000+uint64(i)<<12, 0x10001000+uint64(i)<<12, "rw-p", "00:00 0", "", 0))
	}
	b.WriteString(smapsEntry(0x800000, 0x900000, "r--p", "fe:00 42", "/gosinit", 0)) // rodata: dropped
	f, err := os.CreateTemp(t.TempDir(), "smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	got, err := droppable(int(f.Fd()), exe)
	if err != nil {
		t.Fatal(err)
	}
	want := []span{{0x400000, 0x500000}, {0x800000, 0x900000}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("droppable = %x, want %x", got, want)
	}
}

// TestDropCodePagesSelf unmaps this test binary's own code pages, and
// checks that what it dropped is what an independent reading of smaps
// says is droppable, and that the code runs on.
func TestDropCodePagesSelf(t *testing.T) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	want, header := 0, []string(nil)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && !strings.HasSuffix(f[0], ":") {
			header = f
			continue
		}
		if len(f) == 3 && f[0] == "Anonymous:" && f[1] == "0" && header != nil {
			var lo, hi uint64
			var major, minor uint32
			fmt.Sscanf(header[0], "%x-%x", &lo, &hi)
			fmt.Sscanf(header[3], "%x:%x", &major, &minor)
			ino, _ := strconv.ParseUint(header[4], 10, 64)
			if header[1][1] == '-' && header[1][3] == 'p' && unix.Mkdev(major, minor) == st.Dev && ino == st.Ino {
				want += int(hi - lo)
			}
		}
	}
	if want == 0 {
		t.Fatalf("no read-only mapping of the test binary in /proc/self/smaps:\n%s", b)
	}
	got, err := dropCodePages()
	if err != nil {
		t.Fatalf("dropCodePages: %v", err)
	}
	if got != want {
		t.Fatalf("dropCodePages dropped %d bytes, want %d (the test binary's read-only mappings)", got, want)
	}
}
