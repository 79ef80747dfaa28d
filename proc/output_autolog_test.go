package proc

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestAutoLogName(t *testing.T) {
	tests := []struct {
		name, ident string
		want        bool
	}{
		{"web-stdout---supervisor-a1b2c3.log", "supervisor", true},
		{"web-stderr---supervisor-a1b2c3.log.3", "supervisor", true},
		{"web-stdout---supervisor-x.logfile", "supervisor", true},
		{"web-stdout---supervisor-.log", "supervisor", false},
		{"web-stdout---supervisor-..log", "supervisor", true},
		{"---supervisor-a.log", "supervisor", false},
		{"w---supervisor-a.log", "supervisor", true},
		{"web-stdout---other-a1b2c3.log", "supervisor", false},
		{"web-stdout---supervisor-a b.log", "supervisor", false},
		{"web-stdout---supervisor-ab.log x", "supervisor", true},
		{"web\n---supervisor-a.log", "supervisor", false},
		{"web---supervisor- a.log---supervisor-b.log", "supervisor", true},
		{"web---supervisor-a.lo", "supervisor", false},
		{"web---a.b-x.log", "a.b", true},
		{"web---aXb-x.log", "a.b", false},
		{"w----x.log", "", true},
		{"w----x.log", "-", false},
		{"w-----x.log", "-", true},
		{"w---é-\xff.log", "é", true},
		{"w---id-\v.log", "id", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := autoLogName(tt.name, tt.ident); got != tt.want {
				t.Errorf("autoLogName(%q, %q) = %v, want %v", tt.name, tt.ident, got, tt.want)
			}
		})
	}
}

// TestAutoLogNameRegexp compares autoLogName with the regular expression
// it replaces, over names built from the pieces that decide a match.
func TestAutoLogNameRegexp(t *testing.T) {
	idents := []string{"supervisor", "a.b", "x-y", "", "-", "é", "(1)"}
	pieces := []string{"a", "-", "---", "--", ".log", ".", "log", ".log.1", "1", " ", "\n", "\t", "\f", "\r", "\v", "\xff", "é", "\u00a0"}
	r := rand.New(rand.NewPCG(3, 4))
	matched, total := 0, 0
	for _, ident := range idents {
		re := regexp.MustCompile(`^.+?---` + regexp.QuoteMeta(ident) + `-\S+\.log\.?\d{0,4}`)
		all := append(slices.Clone(pieces), ident)
		some := func(n int) string {
			var b strings.Builder
			for range r.IntN(n + 1) {
				b.WriteString(all[r.IntN(len(all))])
			}
			return b.String()
		}
		for range 3000 {
			name := some(8)
			if r.IntN(2) == 0 { // half of them shaped like an AUTO log
				name = some(2) + "---" + ident + "-" + some(2) + ".log" + some(2)
			}
			want := re.MatchString(name)
			if got := autoLogName(name, ident); got != want {
				t.Errorf("autoLogName(%q, %q) = %v, regexp says %v", name, ident, got, want)
			}
			total++
			if want {
				matched++
			}
		}
	}
	t.Logf("%d names, %d matching", total, matched)
	if matched < total/10 {
		t.Errorf("only %d of %d names match: the generator tests too little", matched, total)
	}
}

func TestCleanAuto(t *testing.T) {
	dir := t.TempDir()
	files := []string{
		"web-stdout---supervisor-a1b2c3.log",
		"web-stderr---supervisor-a1b2c3.log.1",
		"web-stdout---other-a1b2c3.log",
		"web.log",
		"notes.txt",
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// a directory with a matching name stays, as only files are removed
	if err := os.Mkdir(filepath.Join(dir, "old-stdout---supervisor-x.log"), 0o755); err != nil {
		t.Fatal(err)
	}
	(&outputs{}).cleanAuto(dir, "supervisor")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	want := []string{"notes.txt", "old-stdout---supervisor-x.log", "web-stdout---other-a1b2c3.log", "web.log"}
	if !slices.Equal(got, want) {
		t.Errorf("left %q, want %q", got, want)
	}
}
