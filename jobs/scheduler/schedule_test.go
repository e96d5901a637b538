package scheduler

import (
	"strings"
	"testing"
	"time"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("load Europe/Berlin: %v", err)
	}
	return loc
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return tm
}

// In 2027 Europe/Berlin moves from 02:00 CET (+01:00) to 03:00 CEST
// (+02:00) on 28 March and from 03:00 CEST back to 02:00 CET on
// 31 October.
func TestScheduleNext(t *testing.T) {
	tests := []struct {
		name  string
		spec  string
		after string
		want  []string
	}{
		{
			name:  "02:30 on normal days",
			spec:  "30 2 * * *",
			after: "2027-06-14T12:00:00+02:00",
			want:  []string{"2027-06-15T02:30:00+02:00", "2027-06-16T02:30:00+02:00"},
		},
		{
			name:  "02:30 skipped by spring change runs at 03:00",
			spec:  "30 2 * * *",
			after: "2027-03-27T12:00:00+01:00",
			want: []string{
				"2027-03-28T03:00:00+02:00",
				"2027-03-29T02:30:00+02:00",
			},
		},
		{
			name:  "02:30 repeated by autumn change runs once",
			spec:  "30 2 * * *",
			after: "2027-10-30T12:00:00+02:00",
			want: []string{
				"2027-10-31T02:30:00+02:00",
				"2027-11-01T02:30:00+01:00",
			},
		},
		{
			name:  "02:30 from inside the repeated hour",
			spec:  "30 2 * * *",
			after: "2027-10-31T02:10:00+01:00",
			want:  []string{"2027-11-01T02:30:00+01:00"},
		},
		{
			name:  "two skipped times run once",
			spec:  "0,30 2 * * *",
			after: "2027-03-28T01:00:00+01:00",
			want: []string{
				"2027-03-28T03:00:00+02:00",
				"2027-03-29T02:00:00+02:00",
			},
		},
		{
			name:  "07:00 across spring change",
			spec:  "0 7 * * *",
			after: "2027-03-27T00:00:00+01:00",
			want: []string{
				"2027-03-27T07:00:00+01:00",
				"2027-03-28T07:00:00+02:00",
				"2027-03-29T07:00:00+02:00",
			},
		},
		{
			name:  "07:00 across autumn change",
			spec:  "0 7 * * *",
			after: "2027-10-30T00:00:00+02:00",
			want: []string{
				"2027-10-30T07:00:00+02:00",
				"2027-10-31T07:00:00+01:00",
				"2027-11-01T07:00:00+01:00",
			},
		},
		{
			name:  "every 5 minutes on a normal day",
			spec:  "*/5 * * * *",
			after: "2027-06-15T02:52:00+02:00",
			want: []string{
				"2027-06-15T02:55:00+02:00",
				"2027-06-15T03:00:00+02:00",
				"2027-06-15T03:05:00+02:00",
			},
		},
		{
			name:  "every 5 minutes across spring change",
			spec:  "*/5 * * * *",
			after: "2027-03-28T01:50:00+01:00",
			want: []string{
				"2027-03-28T01:55:00+01:00",
				"2027-03-28T03:00:00+02:00",
				"2027-03-28T03:05:00+02:00",
			},
		},
		{
			name:  "every 5 minutes into repeated hour",
			spec:  "*/5 * * * *",
			after: "2027-10-31T02:50:00+02:00",
			want: []string{
				"2027-10-31T02:55:00+02:00",
				"2027-10-31T02:00:00+01:00",
				"2027-10-31T02:05:00+01:00",
			},
		},
		{
			name:  "every 5 minutes out of repeated hour",
			spec:  "*/5 * * * *",
			after: "2027-10-31T02:50:00+01:00",
			want: []string{
				"2027-10-31T02:55:00+01:00",
				"2027-10-31T03:00:00+01:00",
			},
		},
		{
			name:  "hourly on a normal day",
			spec:  "0 * * * *",
			after: "2027-06-15T00:30:00+02:00",
			want: []string{
				"2027-06-15T01:00:00+02:00",
				"2027-06-15T02:00:00+02:00",
				"2027-06-15T03:00:00+02:00",
			},
		},
		{
			name:  "hourly across spring change",
			spec:  "0 * * * *",
			after: "2027-03-28T00:30:00+01:00",
			want: []string{
				"2027-03-28T01:00:00+01:00",
				"2027-03-28T03:00:00+02:00",
				"2027-03-28T04:00:00+02:00",
			},
		},
		{
			name:  "hourly across autumn change",
			spec:  "0 * * * *",
			after: "2027-10-31T00:30:00+02:00",
			want: []string{
				"2027-10-31T01:00:00+02:00",
				"2027-10-31T02:00:00+02:00",
				"2027-10-31T02:00:00+01:00",
				"2027-10-31T03:00:00+01:00",
			},
		},
		{
			name:  "@hourly across autumn change",
			spec:  "@hourly",
			after: "2027-10-31T01:30:00+02:00",
			want: []string{
				"2027-10-31T02:00:00+02:00",
				"2027-10-31T02:00:00+01:00",
			},
		},
		{
			name:  "@daily across spring change",
			spec:  "@daily",
			after: "2027-03-27T12:00:00+01:00",
			want: []string{
				"2027-03-28T00:00:00+01:00",
				"2027-03-29T00:00:00+02:00",
			},
		},
		{
			name:  "@every 5m across autumn change",
			spec:  "@every 5m",
			after: "2027-10-31T02:52:30+02:00",
			want: []string{
				"2027-10-31T02:55:00+02:00",
				"2027-10-31T02:00:00+01:00",
				"2027-10-31T02:05:00+01:00",
			},
		},
		{
			name:  "weekdays at 07:00 skip the weekend",
			spec:  "0 7 * * 1-5",
			after: "2027-10-29T08:00:00+02:00",
			want:  []string{"2027-11-01T07:00:00+01:00"},
		},
	}
	loc := berlin(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.spec, loc)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.spec, err)
			}
			at := mustTime(t, tt.after)
			for i, want := range tt.want {
				at = s.Next(at)
				if got := at.Format(time.RFC3339); got != want {
					t.Fatalf("activation %d = %s, want %s", i+1, got, want)
				}
			}
		})
	}
}

func TestScheduleNextNoMatch(t *testing.T) {
	s, err := Parse("0 0 30 2 *", time.UTC)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := s.Next(mustTime(t, "2027-01-01T00:00:00Z")); !got.IsZero() {
		t.Errorf("Next = %v, want the zero time for 30 February", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		spec string
		want string
	}{
		{name: "bad step", spec: "*/x * * * *", want: `invalid schedule "*/x * * * *": `},
		{name: "six fields", spec: "0 0 7 * * *", want: `invalid schedule "0 0 7 * * *": `},
		{name: "empty", spec: "", want: `invalid schedule "": `},
		{name: "time zone prefix", spec: "CRON_TZ=UTC 0 7 * * *", want: "time zone prefix is not supported"},
		{name: "short interval", spec: "@every 500ms", want: "interval must be a whole number of seconds"},
		{name: "fractional interval", spec: "@every 1.5s", want: "interval must be a whole number of seconds"},
		{name: "bad interval", spec: "@every often", want: `invalid schedule "@every often": `},
		{name: "unknown descriptor", spec: "@fortnightly", want: `invalid schedule "@fortnightly": `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.spec, time.UTC)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want an error", tt.spec)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}
