package configs

import (
	"fmt"
	"time"

	"asta/jobs/scheduler"
)

// Retention configures how long personal data is kept.
type Retention struct {
	Schedule             string        `yaml:"schedule"`
	TraineeYears         int           `yaml:"trainee_years"`
	RejectedRecordsAfter time.Duration `yaml:"rejected_records_after"`
	MailBodiesAfter      time.Duration `yaml:"mail_bodies_after"`
	AuditDetailsAfter    time.Duration `yaml:"audit_details_after"`
}

func (r *Retention) validate(loc *time.Location) error {
	if _, err := scheduler.Parse(r.Schedule, loc); err != nil {
		return fmt.Errorf("retention.schedule %q is invalid: %w", r.Schedule, err)
	}
	if r.TraineeYears < 1 {
		return fmt.Errorf("retention.trainee_years %d must be at least 1", r.TraineeYears)
	}
	for name, d := range map[string]time.Duration{"rejected_records_after": r.RejectedRecordsAfter,
		"mail_bodies_after": r.MailBodiesAfter, "audit_details_after": r.AuditDetailsAfter} {
		if d < 24*time.Hour {
			return fmt.Errorf("retention.%s %s must be at least 24h", name, d)
		}
	}
	return nil
}
