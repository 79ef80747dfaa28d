package config

import (
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// Expected values from Python 3.11's fnmatch.fnmatchcase(name, pattern);
// "\xff" in a name is the undecodable byte Python lists as U+DCFF.
var fnmatchGolden = []struct {
	pattern, name string
	want          bool
}{
	{"", "", true},
	{"", "a", false},
	{"a", "a", true},
	{"a", "A", false},
	{"*", "", true},
	{"*", "abc", true},
	{"a*", "a", true},
	{"*a", "ba", true},
	{"*a*b*", "xaybz", true},
	{"*a*b", "ab b", true},
	{"?", "", false},
	{"?", "é", true},
	{"??", "é", false},
	{"a?c", "a\nc", true},
	{"*", "a\nb", true},
	{"[abc]", "b", true},
	{"[abc]", "d", false},
	{"[!abc]", "d", true},
	{"[!abc]", "a", false},
	{"[a-c]", "b", true},
	{"[a-c]", "-", false},
	{"[]]", "]", true},
	{"[]a]", "a", true},
	{"[!]]", "]", false},
	{"[!]]", "x", true},
	{"[]-a]", "^", true},
	{"[]", "[]", true},
	{"[!]", "[!]", true},
	{"[", "[", true},
	{"a[b", "a[b", true},
	{"[a", "a", false},
	{"[-a]", "-", true},
	{"[a-]", "-", true},
	{"[!-a]", "-", false},
	{"[!-a]", "b", true},
	{"[a-c-e]", "-", true},
	{"[a-c-e]", "d", false},
	{"[a-c-e]", "e", true},
	{"[a-c-a]", "b", true},
	{"[a-c-a]", "-", true},
	{"[a-a]", "a", true},
	{"[!a-a]", "a", false},
	{"[z-a]", "z", false},
	{"[z-a]", "m", false},
	{"[z-a]", "-", false},
	{"[!z-a]", "m", true},
	{"[!z-a]", "é", true},
	{"[z-ab]", "b", true},
	{"[z-ab]", "a", false},
	{"[a-ze-b]", "c", true},
	{"[a-ze-b]", "e", true},
	{"[z-a!x]", "x", false},
	{"[z-a!x]", "y", true},
	{"[z-a^x]", "^", true},
	{"[z-a-]", "-", true},
	{"[z-a-b]", "-", true},
	{"[z-a-b]", "a", false},
	{"[b-a-]", "-", true},
	{"[b-a-]", "a", false},
	{"[!z-a-]", "-", false},
	{"[!z-a-]", "q", true},
	{"[\\]", "\\", true},
	{"\\*", "\\x", true},
	{"\\*", "*", false},
	{"[\\-a]", "]", true},
	{"[\\-a]", "B", false},
	{"[^a]", "^", true},
	{"[^a]", "b", false},
	{"[!^a]", "b", true},
	{"[a&&b]", "&", true},
	{"[a--b]", "-", false},
	{"[a--b]", ",", false},
	{"[a||b]", "|", true},
	{"[~~]", "~", true},
	{"[é-ê]", "é", true},
	{"[à-é]", "è", true},
	{"[à-é]", "e", false},
	{"*.conf", ".hidden.conf", true},
	{"[.]conf", ".conf", true},
	{"a\xffb", "a\xffb", true},
	{"a?b", "a\xffb", true},
	{"a[\ue000-\uffff]b", "a\xffb", false},
	{"a[\ue000-\uffff]b", "a\ufffdb", true},
	{"a[!\ue000-\uffff]b", "a\xffb", true},
}

func TestFnmatchGolden(t *testing.T) {
	for _, tt := range fnmatchGolden {
		t.Run(tt.pattern+" "+tt.name, func(t *testing.T) {
			if got := compileFnmatch(tt.pattern).match(tt.name); got != tt.want {
				t.Errorf("fnmatch(%q, %q) = %v, want %v", tt.name, tt.pattern, got, tt.want)
			}
		})
	}
}

// TestFnmatchStars: a backtracking matcher takes exponential time here;
// the last-star algorithm takes len(pattern)*len(name) steps.
func TestFnmatchStars(t *testing.T) {
	pattern := strings.Repeat("*a", 40) + "*b"
	name := strings.Repeat("a", 5000)
	if compileFnmatch(pattern).match(name) {
		t.Errorf("%q matched %d a's", pattern, len(name))
	}
	if !compileFnmatch(pattern).match(name + "b") {
		t.Errorf("%q did not match %d a's and a b", pattern, len(name))
	}
}

// fnmatchOracle runs Python's fnmatch.fnmatchcase over pairs.
const fnmatchOracle = `
import fnmatch, json, sys
print(json.dumps([fnmatch.fnmatchcase(n, p) for p, n in json.load(sys.stdin)]))
`

// TestFnmatchPython compares the matcher with Python's fnmatch over
// generated patterns and names from an alphabet of the characters that
// have a meaning in a pattern.
func TestFnmatchPython(t *testing.T) {
	py := python
	if _, err := exec.LookPath(py); err != nil {
		if py, err = exec.LookPath("python3"); err != nil {
			t.Skipf("differential fnmatch test skipped: no %s and no python3 in $PATH (apt-get install python3)", python)
		}
	}
	const patChars, nameChars = "ab*?[]!-^\\zé", "ab-]![^\\zé"
	pick := func(r *rand.Rand, set []rune, n int) string {
		var b strings.Builder
		for range n {
			b.WriteRune(set[r.IntN(len(set))])
		}
		return b.String()
	}
	r := rand.New(rand.NewPCG(1, 2))
	pc, nc := []rune(patChars), []rune(nameChars)
	var pairs [][2]string
	for range 5000 {
		p := pick(r, pc, r.IntN(10))
		for range 3 {
			pairs = append(pairs, [2]string{p, pick(r, nc, r.IntN(6))})
		}
		// the pattern itself, its wildcards filled: more matches
		fill := strings.Map(func(c rune) rune {
			if c == '*' || c == '?' {
				return nc[r.IntN(len(nc))]
			}
			return c
		}, p)
		pairs = append(pairs, [2]string{p, fill})
	}
	in, err := json.Marshal(pairs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", fnmatchOracle)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", py, err)
	}
	var want []bool
	if err := json.Unmarshal(out, &want); err != nil || len(want) != len(pairs) {
		t.Fatalf("%s: %d answers for %d pairs, %v", py, len(want), len(pairs), err)
	}
	matched, failed := 0, 0
	for i, pr := range pairs {
		got := compileFnmatch(pr[0]).match(pr[1])
		if want[i] {
			matched++
		}
		if got != want[i] {
			if failed++; failed <= 20 {
				t.Errorf("fnmatch(%q, %q) = %v, python says %v", pr[1], pr[0], got, want[i])
			}
		}
	}
	t.Logf("%d pairs, %d matching, %d differing", len(pairs), matched, failed)
	if matched < len(pairs)/10 {
		t.Errorf("only %d of %d pairs match: the generator tests too little", matched, len(pairs))
	}
}
