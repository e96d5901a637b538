package schema

import (
	"time"

	"github.com/uptrace/bun"
)

// Account statuses of a trainee. The trainee account directory gives
// active, invited and locked. AccountNone is a trainee whom a complete
// read of the directory did not list, and AccountUnknown is every
// trainee's status until the first complete read.
const (
	AccountActive  = "active"
	AccountInvited = "invited"
	AccountLocked  = "locked"
	AccountNone    = "none"
	AccountUnknown = "unknown"
)

// HoldSuperseded is the decision recorded on a waiting reconcile hold when
// a later run applies or is held itself, so that at most one hold waits.
const HoldSuperseded = "superseded"

// TraineeAccount is the account status of one trainee number as the last
// complete read of the directory found it.
type TraineeAccount struct {
	bun.BaseModel `bun:"table:trainee_accounts"`

	TraineeNumber string `bun:",pk"`
	Status        string
	Email         string     `bun:",nullzero"`
	LastSignIn    *time.Time `bun:",nullzero"`
	StatusSince   time.Time  // when Status was first read
	UpdatedAt     time.Time  // when the row was last written
}

// AccountStatusChange records that a reconcile run changed the status of
// a trainee.
type AccountStatusChange struct {
	bun.BaseModel `bun:"table:account_status_changes"`

	ID            int64 `bun:",pk,autoincrement"`
	RunID         int64
	TraineeNumber string
	OldStatus     string
	NewStatus     string
	ChangedAt     time.Time
}

// ReconcileRun is one read of the trainee account directory. Outcome is
// one of [OutcomeRunning], [OutcomeApplied], [OutcomeHeld] and
// [OutcomeFailed]. Changed counts the rows written, StatusChanges those
// of them whose status changed.
type ReconcileRun struct {
	bun.BaseModel `bun:"table:reconcile_runs"`

	ID            int64 `bun:",pk,autoincrement"`
	Source        string
	StartedAt     time.Time
	FinishedAt    *time.Time `bun:",nullzero"`
	Outcome       string
	AccountsRead  int64
	Changed       int64
	StatusChanges int64
	Message       string `bun:",nullzero"`
}

// ReconcileHold is a reconcile run that the safety hold stopped because
// it would take the active status from ActiveLost of the ActiveBefore
// trainees who had it. Decision is empty while it waits, then
// [HoldConfirmed], [HoldDiscarded] or [HoldSuperseded]. AppliedRunID is
// the run that used a confirmation.
type ReconcileHold struct {
	bun.BaseModel `bun:"table:reconcile_holds"`

	RunID        int64 `bun:",pk"`
	Reason       string
	ActiveBefore int64
	ActiveLost   int64
	HeldAt       time.Time
	Decision     string     `bun:",nullzero"`
	DecidedAt    *time.Time `bun:",nullzero"`
	AppliedRunID *int64     `bun:",nullzero"`
}
