package credential

import (
	_ "embed" // for the common password list
	"errors"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Length bounds of a password in Unicode code points after NFC. The
// minimum is this portal's choice, and the maximum bounds the work of a
// hash.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// minContextLength is the length in code points from which a word of the
// user's name or e-mail address may not appear in the password.
const minContextLength = 4

// Errors of [CheckPassword].
var (
	ErrTooShort = errors.New("password is too short: use at least 12 characters")
	ErrTooLong  = errors.New("password is too long: use at most 256 characters")
	ErrCommon   = errors.New("password is too common or too simple a pattern: choose another one")
	ErrContext  = errors.New("password contains the user's name or e-mail address: choose another one")
)

// commonPasswordsFile lists common passwords, one a line, most frequent
// first. NOTICE names its source and licence.
//
//go:embed common-passwords.txt
var commonPasswordsFile string

// commonPasswords returns the lower-case entries of commonPasswordsFile,
// sorted for binary search. The strings share the embedded file's memory.
var commonPasswords = sync.OnceValue(func() []string {
	lines := strings.Split(strings.TrimSpace(commonPasswordsFile), "\n")
	for i, l := range lines {
		lines[i] = strings.ToLower(strings.TrimSpace(l))
	}
	slices.Sort(lines)
	return slices.Compact(lines)
})

func isCommon(lower string) bool {
	_, found := slices.BinarySearch(commonPasswords(), lower)
	return found
}

// CheckPassword checks a password that a user chooses against a policy
// modelled on NIST SP 800-63B: a length of [MinPasswordLength] to
// [MaxPasswordLength] code points after Unicode NFC, not a common
// password, and not containing the user's name or e-mail address. It
// sets no composition rules and accepts any character.
//
// context lists the user's name, e-mail address and similar values.
// Of an address only the local part counts. Each value and each of its
// words with at least 4 code points may not appear in the password,
// compared without regard to case.
//
// CheckPassword returns [ErrTooShort], [ErrTooLong], [ErrCommon] or
// [ErrContext], checked in that order, or nil. [ErrCommon] also stands
// for a password that only repeats a short unit or a common password
// ("abcabcabcabc"), or that counts up or down ("123456789012",
// "lkjihgfedcba").
func CheckPassword(password string, context ...string) error {
	// NOTE: input over 4,096 bytes is rejected before normalisation to
	// bound the work. NFC of a valid password has at most 1,024 bytes, so
	// only input that NFC shrinks to under a quarter is misjudged.
	if len(password) > maxPasswordBytes {
		return ErrTooLong
	}

	pw := norm.NFC.String(password)
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength {
		return ErrTooShort
	}
	if n > MaxPasswordLength {
		return ErrTooLong
	}

	lower := strings.ToLower(pw)
	if isCommon(lower) || isPattern([]rune(lower)) {
		return ErrCommon
	}

	if containsContext(lower, context) {
		return ErrContext
	}
	return nil
}

// isPattern reports whether r repeats a unit that is at most 4 code
// points long or a common password, or is a run of consecutive code
// points up or down, where digits wrap from 9 to 0.
func isPattern(r []rune) bool {
	for period := 1; period <= len(r)/2; period++ {
		if repeats(r, period) && (period <= 4 || isCommon(string(r[:period]))) {
			return true
		}
	}
	return counts(r, 1) || counts(r, -1)
}

// repeats reports whether r consists of its first period code points
// repeated, the last repetition possibly cut short.
func repeats(r []rune, period int) bool {
	for i := period; i < len(r); i++ {
		if r[i] != r[i-period] {
			return false
		}
	}
	return true
}

// counts reports whether each code point of r follows the one before it
// by step.
func counts(r []rune, step rune) bool {
	for i := 1; i < len(r); i++ {
		if r[i] != successor(r[i-1], step) {
			return false
		}
	}
	return true
}

func successor(c, step rune) rune {
	if c >= '0' && c <= '9' {
		return '0' + (c-'0'+step+10)%10
	}
	return c + step
}

// containsContext reports whether lower contains one of the values in
// context or one of their words, each at least minContextLength code
// points long.
func containsContext(lower string, context []string) bool {
	for _, v := range context {
		v = strings.ToLower(norm.NFC.String(strings.TrimSpace(v)))
		if at := strings.LastIndexByte(v, '@'); at >= 0 {
			v = v[:at]
		}

		words := strings.FieldsFunc(v, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsNumber(c) })
		for _, w := range append(words, v) {
			if utf8.RuneCountInString(w) >= minContextLength && strings.Contains(lower, w) {
				return true
			}
		}
	}
	return false
}
