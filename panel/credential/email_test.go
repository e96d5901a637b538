package credential

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{name: "plain", input: "anna@firma.de", want: "anna@firma.de"},
		{name: "upper case", input: "Anna.Schmidt@Firma.DE", want: "anna.schmidt@firma.de"},
		{name: "surrounding spaces", input: "  anna@firma.de\t\n", want: "anna@firma.de"},
		{name: "decomposed umlaut", input: "Jo\u0308rg@Mu\u0308ller.de", want: "jörg@müller.de"},
		{name: "composed umlaut", input: "JÖRG@MÜLLER.DE", want: "jörg@müller.de"},
		{name: "plus tag", input: "anna+portal@firma.de", want: "anna+portal@firma.de"},
		{name: "a-label domain", input: "anna@XN--MLLER-KVA.de", want: "anna@müller.de"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeEmail(tt.input)
			if err != nil {
				t.Fatalf("NormalizeEmail(%q): %v", tt.input, err)
			}
			if got != tt.want {
				t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}

func TestNormalizeEmailRejects(t *testing.T) {
	tests := []struct {
		name  string
		input string
	}{
		{name: "empty", input: ""},
		{name: "only spaces", input: "   "},
		{name: "no at", input: "anna.firma.de"},
		{name: "two at", input: "anna@firma@de"},
		{name: "no local part", input: "@firma.de"},
		{name: "no domain", input: "anna@"},
		{name: "inner space", input: "anna schmidt@firma.de"},
		{name: "no-break space", input: "anna\u00a0schmidt@firma.de"},
		{name: "control character", input: "anna\x00@firma.de"},
		{name: "line break", input: "anna@firma.de\r\nBcc: x@y.de"},
		{name: "leading dot in domain", input: "anna@.firma.de"},
		{name: "double dot in domain", input: "anna@firma..de"},
		{name: "over 254 bytes", input: strings.Repeat("a", 250) + "@firma.de"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeEmail(tt.input)
			if !errors.Is(err, ErrEmailSyntax) {
				t.Errorf("NormalizeEmail(%q) error = %v, want ErrEmailSyntax", tt.input, err)
			}
			if got != "" {
				t.Errorf("NormalizeEmail(%q) = %q, want empty", tt.input, got)
			}
		})
	}
}
