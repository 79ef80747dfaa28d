package strsort

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

func TestSortAsSlicesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := range 200 {
		s := make([]string, n)
		for i := range s {
			s[i] = strconv.Itoa(r.IntN(50)) // repeats, and "10" < "9"
		}
		want := slices.Clone(s)
		slices.Sort(want)
		Sort(s)
		if !slices.Equal(s, want) {
			t.Fatalf("Sort = %q, want %q", s, want)
		}
	}
}
