package schema

import (
	"time"

	"github.com/uptrace/bun"
)

// ExamOpen is the status of an exam registration that waits for the
// company's confirmation.
const ExamOpen = "OFFEN"

// Reasons of an [ExamNotification].
const (
	NotifyAnnounce = "announce" // the registration is open and new to the company
	NotifyRemind   = "remind"   // the registration's deadline is near and it is still open
)

// ExamNotification records the decision to notify a company about one
// exam registration for one reason. (RegistrationNumber, Reason) is the
// primary key, so each decision is made once. The row is written in the
// transaction that queues the mail, whose outbox id it stores; CompanyIdent
// and Email are the company and address at the time of the decision.
type ExamNotification struct {
	bun.BaseModel `bun:"table:exam_notifications"`

	RegistrationNumber string `bun:",pk"`
	Reason             string `bun:",pk"`
	CompanyIdent       string
	Email              string
	OutboxID           int64 `bun:",nullzero"`
	CreatedAt          time.Time
}

// ExamConfirmation is a company's confirmation of an exam registration,
// waiting to be reported to the chamber until ReportedAt is set.
// ReturnFile names the return file it was assigned to.
type ExamConfirmation struct {
	bun.BaseModel `bun:"table:exam_confirmations"`

	RegistrationNumber string `bun:",pk"`
	ContractNumber     string
	CompanyIdent       string
	UserID             *int64 `bun:",nullzero"`
	ConfirmedBy        string
	ConfirmedAt        time.Time
	RecordBook         bool
	TraineeConsent     bool
	ReturnFile         string     `bun:",nullzero"`
	ReportedAt         *time.Time `bun:",nullzero"`
}
