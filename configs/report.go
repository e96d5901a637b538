package configs

import (
	"fmt"
	"time"

	"asta/jobs/scheduler"
)

// Report configures the return files that report the companies'
// confirmations of exam registrations to the chamber's core system.
type Report struct {
	Folder   string `yaml:"folder"`
	Schedule string `yaml:"schedule"`
}

func (r *Report) validate(loc *time.Location) error {
	if r.Folder == "" {
		return fmt.Errorf("report.folder is empty: set the folder the core system collects return files from")
	}
	if _, err := scheduler.Parse(r.Schedule, loc); err != nil {
		return fmt.Errorf("report.schedule %q is invalid: %w", r.Schedule, err)
	}
	return nil
}
