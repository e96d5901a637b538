package importer

import (
	"fmt"
	"strings"
	"time"
)

// Report returns a plain-text report of an import for operators: the
// outcome, the counts of each file and every rejected record with its
// file, line, column, value and reason.
func Report(res *Result, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package:  %s\n", res.Package)
	if res.PackageID != "" {
		fmt.Fprintf(&b, "id:       %s\n", res.PackageID)
		fmt.Fprintf(&b, "export:   %s, created %s\n", res.ExportType, germanTime(res.Created, loc))
	}
	if res.RunID != 0 {
		fmt.Fprintf(&b, "run:      %d\n", res.RunID)
	}
	fmt.Fprintf(&b, "outcome:  %s\n", res.Outcome)
	if res.Reason != "" {
		fmt.Fprintf(&b, "reason:   %s\n", res.Reason)
	}
	fmt.Fprintf(&b, "duration: %s\n", res.Duration.Round(time.Millisecond))

	if len(res.Files) > 0 {
		fmt.Fprintf(&b, "\n%-16s %10s %10s %10s %10s %10s\n", "file", "records", "inserted", "changed", "ended", "rejected")
		for _, f := range res.Files {
			fmt.Fprintf(&b, "%-16s %10d %10d %10d %10d %10d\n", f.File, f.Records, f.Inserted, f.Changed, f.Ended, f.Rejected)
		}
	}
	var rejected int64
	for _, f := range res.Files {
		rejected += f.Rejected
	}
	if len(res.Rejections) > 0 {
		fmt.Fprintf(&b, "\nrejected records (%d):\n", rejected)
		for _, r := range res.Rejections {
			fmt.Fprintf(&b, "  %s\n", r)
		}
		if more := rejected - int64(len(res.Rejections)); more > 0 {
			fmt.Fprintf(&b, "  … and %d more, not listed (at most %d a file are)\n", more, maxListedRejections)
		}
	}
	return b.String()
}
