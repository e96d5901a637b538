package credential

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCommonPasswordList(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(commonPasswordsFile, "\n"), "\n")
	if len(lines) < 10000 {
		t.Fatalf("common-passwords.txt has %d lines, want at least 10,000", len(lines))
	}
	if lines[0] != "123456" || lines[1] != "password" {
		t.Errorf("common-passwords.txt starts with %q, want the most frequent first", lines[:2])
	}
	for i, l := range lines {
		if l == "" || strings.TrimSpace(l) != l {
			t.Errorf("line %d = %q, want one password without white space", i+1, l)
		}
	}

	list := commonPasswords()
	if len(list) < 10000 {
		t.Errorf("loaded %d common passwords, want at least 10,000", len(list))
	}
	if !slices.IsSorted(list) {
		t.Error("loaded list is not sorted")
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name     string
		password string
		context  []string
		want     error
	}{
		{name: "random passphrase", password: "Kiefer-Ampel-7-Wolke", want: nil},
		{name: "random 16 characters", password: "q7R#vN2m!Lp9xT4w", want: nil},
		{name: "exactly 12 characters", password: "tzrw9!kqpvmb", want: nil},
		{name: "any characters", password: "😀 Überraschung ☃ 漢字", want: nil},
		{name: "11 characters", password: "tzrw9!kqpvm", want: ErrTooShort},
		{name: "empty", password: "", want: ErrTooShort},
		{name: "12 bytes but 6 characters", password: "äöüäöü", want: ErrTooShort},
		{name: "decomposed counts composed", password: strings.Repeat("a\u0308", 6) + "xyz9!", want: ErrTooShort},
		{name: "256 characters", password: strings.Repeat("ü", 255) + "x", want: nil},
		{name: "257 characters", password: strings.Repeat("ü", 256) + "x", want: ErrTooLong},
		{name: "huge", password: strings.Repeat("x", 1<<20), want: ErrTooLong},
		{name: "common list entry", password: "password1234", want: ErrCommon},
		{name: "common list entry upper case", password: "PASSWORD1234", want: ErrCommon},
		{name: "common list entry keyboard walk", password: "1qaz2wsx3edc", want: ErrCommon},
		{name: "digits counting up", password: "123456789012", want: ErrCommon},
		{name: "digits counting down", password: "987654321098", want: ErrCommon},
		{name: "letters counting up", password: "abcdefghijklmn", want: ErrCommon},
		{name: "one character repeated", password: "aaaaaaaaaaaa", want: ErrCommon},
		{name: "short unit repeated", password: "abcabcabcabca", want: ErrCommon},
		{name: "common password repeated", password: "monkeymonkey", want: ErrCommon},
		{name: "long random unit repeated", password: "x7#kq2x7#kq2", want: nil},
		{name: "e-mail local part", password: "anna.schmidt2027", context: []string{"Anna.Schmidt@firma.de"},
			want: ErrContext},
		{name: "word of the local part", password: "Schmidt-Gartenbau!", context: []string{"anna.schmidt@firma.de"},
			want: ErrContext},
		{name: "name in other case", password: "ich bin JÖRG MÜSSIG", context: []string{"Jörg Müßig", "jm@firma.de"},
			want: ErrContext},
		{name: "decomposed name", password: "grüße an jörg!!", context: []string{"Jo\u0308rg"}, want: ErrContext},
		{name: "domain does not count", password: "firma-kiefer-ampel", context: []string{"anna@firma.de"}, want: nil},
		{name: "context under 4 characters", password: "bob-kiefer-ampel", context: []string{"Bob", "bob@x.de"},
			want: nil},
		{name: "empty context", password: "kiefer-ampel-wolke", context: []string{"", " "}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPassword(tt.password, tt.context...); !errors.Is(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("CheckPassword = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckPasswordLongListEntries(t *testing.T) {
	for _, p := range commonPasswords() {
		if len([]rune(p)) < MinPasswordLength {
			continue
		}
		if err := CheckPassword(p); !errors.Is(err, ErrCommon) {
			t.Errorf("CheckPassword(%q) = %v, want ErrCommon", p, err)
		}
	}
}

func BenchmarkCheckPassword(b *testing.B) {
	commonPasswords()
	for b.Loop() {
		_ = CheckPassword("Kiefer-Ampel-7-Wolke-und-noch-mehr", "Anna Schmidt", "anna.schmidt@firma.de")
	}
}
