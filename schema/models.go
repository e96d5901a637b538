// Package schema defines asta's tables as bun models, the migrations that
// create them on PostgreSQL and SQLite, and the opener that connects to
// either database.
//
// Identifiers from the chamber (Identnummer, AzubiNr, postcodes …) are
// strings so that leading zeros survive; text is Unicode NFC; calendar
// dates are [Date]. A record that a full export no longer lists keeps its
// row with MissingSince set: asta never deletes imported records.
package schema

import (
	"time"

	"github.com/uptrace/bun"
)

// Occupation is a recognised training occupation (Ausbildungsberuf).
type Occupation struct {
	bun.BaseModel `bun:"table:occupations"`

	Number         string `bun:",pk"`
	Name           string
	DurationMonths *int
	SplitExam      *bool
	MissingSince   Date `bun:",nullzero"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Company is a training company or one of its sites, identified by the
// chamber's Identnummer. HeadIdent links a site to its head company.
type Company struct {
	bun.BaseModel `bun:"table:companies"`

	Ident                string `bun:",pk"`
	HeadIdent            string `bun:",nullzero"`
	Name1                string
	Name2                string `bun:",nullzero"`
	Street               string `bun:",nullzero"`
	Postcode             string `bun:",nullzero"`
	Town                 string `bun:",nullzero"`
	Phone                string `bun:",nullzero"`
	Email                string `bun:",nullzero"`
	Status               string
	ActivationCodeHash   string     `bun:",nullzero"`
	ActivationCodeUsedAt *time.Time `bun:",nullzero"`
	MissingSince         Date       `bun:",nullzero"`
	CreatedAt            time.Time
	UpdatedAt            time.Time

	// OnlineRegistration is set when the company confirms exam
	// registrations in the panel and wants to be notified of open ones.
	OnlineRegistration bool
	// NotificationEmail is the address that receives those notifications;
	// empty means none.
	NotificationEmail string `bun:",nullzero"`
}

// Trainer is a person named by a company as responsible for training.
type Trainer struct {
	bun.BaseModel `bun:"table:trainers"`

	Number        string `bun:",pk"`
	CompanyIdent  string
	Salutation    string `bun:",nullzero"`
	Title         string `bun:",nullzero"`
	FirstName     string
	LastName      string
	Email         string `bun:",nullzero"`
	AptitudeSince Date   `bun:",nullzero"`
	Status        string
	MissingSince  Date `bun:",nullzero"`
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Trainee is a person in training, identified by the chamber's AzubiNr.
// The personal data come from the trainee's training contracts.
type Trainee struct {
	bun.BaseModel `bun:"table:trainees"`

	Number     string `bun:",pk"`
	Salutation string `bun:",nullzero"`
	FirstName  string
	LastName   string
	BirthDate  Date
	Email      string `bun:",nullzero"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Contract is a training contract entered in the chamber's register.
type Contract struct {
	bun.BaseModel `bun:"table:contracts"`

	Number           string `bun:",pk"`
	TraineeNumber    string
	CompanyIdent     string
	TrainerNumber    string `bun:",nullzero"`
	OccupationNumber string
	Specialisation   string `bun:",nullzero"`
	StartDate        Date
	EndDate          Date
	ProbationMonths  *int
	PartTime         *bool
	Status           string
	TerminatedOn     Date `bun:",nullzero"`
	MissingSince     Date `bun:",nullzero"`
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// ExamRegistration is an exam registration that the chamber opened for a
// trainee under one contract.
type ExamRegistration struct {
	bun.BaseModel `bun:"table:exam_registrations"`

	Number         string `bun:",pk"`
	ContractNumber string
	ExamType       string
	Period         string
	Deadline       Date
	Status         string
	MissingSince   Date `bun:",nullzero"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Import run outcomes.
const (
	OutcomeRunning        = "running"
	OutcomeApplied        = "applied"
	OutcomeRejected       = "rejected"
	OutcomeHeld           = "held"
	OutcomeAlreadyApplied = "already_applied"
	OutcomeFailed         = "failed"
	OutcomeValidated      = "validated" // a dry run that would have applied
	OutcomeIncomplete     = "incomplete"
)

// ImportRun is one attempt to import one package, with its counts.
type ImportRun struct {
	bun.BaseModel `bun:"table:import_runs"`

	ID          int64 `bun:",pk,autoincrement"`
	PackageID   string
	PackageName string
	ExportType  string     `bun:",nullzero"`
	ExportedAt  *time.Time `bun:",nullzero"`
	StartedAt   time.Time
	FinishedAt  *time.Time `bun:",nullzero"`
	Outcome     string
	Records     int64
	Inserted    int64
	Changed     int64
	Ended       int64
	Rejected    int64
	Message     string `bun:",nullzero"`
}

// ImportRunFile holds the counts of one data file of an import run.
type ImportRunFile struct {
	bun.BaseModel `bun:"table:import_run_files"`

	RunID    int64  `bun:",pk"`
	File     string `bun:",pk"`
	Records  int64
	Inserted int64
	Changed  int64
	Ended    int64
	Rejected int64
}

// RejectedRecord is a record that an import did not take, with its
// position in the file and the reason.
type RejectedRecord struct {
	bun.BaseModel `bun:"table:rejected_records"`

	ID         int64 `bun:",pk,autoincrement"`
	RunID      int64
	File       string
	Line       int
	ColumnName string `bun:",nullzero"`
	Value      string `bun:",nullzero"`
	Reason     string
}

// Hold decisions.
const (
	HoldConfirmed = "confirmed"
	HoldDiscarded = "discarded"
)

// PackageHold is a package that the safety hold stopped until an
// operator confirms or discards it. Decision is empty while it waits.
type PackageHold struct {
	bun.BaseModel `bun:"table:package_holds"`

	PackageID   string `bun:",pk"`
	RunID       int64
	PackageName string
	ExportedAt  time.Time
	Reason      string
	HeldAt      time.Time
	Decision    string     `bun:",nullzero"`
	DecidedAt   *time.Time `bun:",nullzero"`
}

// JobRun is one run of a scheduled job. (Job, ScheduledAt) is unique, so
// that of several instances only one runs a given tick.
type JobRun struct {
	bun.BaseModel `bun:"table:job_runs"`

	ID          int64 `bun:",pk,autoincrement"`
	Job         string
	ScheduledAt time.Time
	StartedAt   time.Time
	FinishedAt  *time.Time `bun:",nullzero"`
	Outcome     string
	Error       string `bun:",nullzero"`
}
