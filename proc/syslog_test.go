package proc

import (
	"testing"
	"time"
)

func TestAppendSyslogTime(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		// strftime's "%h %e %T": the day padded with a space.
		{time.Date(2026, time.November, 6, 9, 5, 3, 0, time.UTC), "Nov  6 09:05:03"},
		{time.Date(2026, time.December, 25, 23, 59, 59, 999e6, time.UTC), "Dec 25 23:59:59"},
		{time.Date(2027, time.January, 10, 0, 0, 0, 0, time.UTC), "Jan 10 00:00:00"},
	} {
		if got := string(appendSyslogTime(nil, tt.t)); got != tt.want {
			t.Errorf("appendSyslogTime(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}
