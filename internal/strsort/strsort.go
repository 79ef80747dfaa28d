// Package strsort sorts strings with the generic sort instantiation the
// binary already has. slices.Sort (and sort.Strings, which calls it) on
// []string instantiates pdqsort for strings: 5 kB of the binary (issue 2's
// 2.5 MB budget) for a few short lists. gosinit's other sorts all sort
// pointers with slices.SortStableFunc, whose one instantiation serves every
// pointer type; Sort sorts pointers to the strings the same way.
package strsort

import (
	"slices"
	"strings"
)

// Sort sorts s in increasing order, as slices.Sort does.
func Sort(s []string) {
	ps := make([]*string, len(s))
	for i := range s {
		ps[i] = &s[i]
	}
	slices.SortStableFunc(ps, func(a, b *string) int { return strings.Compare(*a, *b) })
	sorted := make([]string, len(s))
	for i, p := range ps {
		sorted[i] = *p
	}
	copy(s, sorted)
}
