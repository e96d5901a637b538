// Package credential provides the building blocks of the panel's
// registration and sign-in. [Hasher] hashes passwords with argon2id, and
// [CheckPassword] applies the password policy. [NormalizeEmail] returns
// the lookup key of an e-mail address. [NewToken] and [HashToken] make
// single-use tokens for links in mails, and [NewTOTP] and [ValidateTOTP]
// handle time-based one-time passwords.
//
// The package does no I/O and keeps no state beyond the embedded list of
// common passwords, so the panel's handlers and the store decide what is
// saved. Passwords and tokens are stored only as hashes.
package credential
