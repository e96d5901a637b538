package schema

import (
	"time"

	"github.com/uptrace/bun"
)

// User is an account of the panel. EmailKey, the lookup form of Email, is
// unique. A user without ConfirmedAt cannot sign in. Operators are chamber
// staff who give a TOTP code at every sign-in once TOTPSecret is set.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID                int64 `bun:",pk,autoincrement"`
	Email             string
	EmailKey          string
	Name              string
	PasswordHash      string
	ConfirmedAt       *time.Time `bun:",nullzero"`
	Operator          bool
	TOTPSecret        string `bun:"totp_secret,nullzero"`
	TOTPLastStep      int64  `bun:"totp_last_step"`
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Purposes of a [UserToken].
const (
	TokenConfirm     = "confirm"      // confirms a new account's address
	TokenReset       = "reset"        // sets a new password after "forgot password"
	TokenEmailChange = "email_change" // confirms a changed address
	TokenSetPassword = "set_password" // sets the first password of an operator
)

// UserToken is a single-use link sent by mail, stored as the SHA-256 of
// its token.
type UserToken struct {
	bun.BaseModel `bun:"table:user_tokens"`

	TokenHash string `bun:",pk"`
	UserID    int64
	Purpose   string
	NewEmail  string `bun:",nullzero"`
	ExpiresAt time.Time
	UsedAt    *time.Time `bun:",nullzero"`
	CreatedAt time.Time
}

// Session is a signed-in browser, stored as the SHA-256 of its cookie.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	IDHash       string `bun:",pk"`
	UserID       int64
	SecondFactor bool
	CreatedAt    time.Time
	LastSeenAt   time.Time
	ExpiresAt    time.Time
}

// Roles of a [Grant].
const (
	RoleAdmin     = "admin"     // Administrator
	RoleVerwalter = "verwalter" // Verwalter
	RoleAusbilder = "ausbilder" // Ausbilder
)

// Grant is a role of a user in one company. A grant to an address that has
// no account yet has no UserID and waits in InviteEmailKey.
type Grant struct {
	bun.BaseModel `bun:"table:grants"`

	ID             int64 `bun:",pk,autoincrement"`
	CompanyIdent   string
	UserID         *int64 `bun:",nullzero"`
	InviteEmailKey string `bun:",nullzero"`
	Role           string
	TrainerNumber  string `bun:",nullzero"`
	CreatedBy      *int64 `bun:",nullzero"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// AuditEntry is one line of the audit log. ActorID is nil for asta itself
// or an unknown visitor; Detail is JSON.
type AuditEntry struct {
	bun.BaseModel `bun:"table:audit_log"`

	ID           int64 `bun:",pk,autoincrement"`
	At           time.Time
	ActorID      *int64 `bun:",nullzero"`
	Action       string
	CompanyIdent string `bun:",nullzero"`
	ClientIP     string `bun:",nullzero"`
	Detail       string `bun:",nullzero"`
}

// ActivationFailure is a wrong activation try, counted for the lock-out.
type ActivationFailure struct {
	bun.BaseModel `bun:"table:activation_failures"`

	ID           int64 `bun:",pk,autoincrement"`
	UserID       int64
	CompanyIdent string
	At           time.Time
}
