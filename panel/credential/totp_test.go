package credential

import (
	"bytes"
	"image/png"
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// rfcSecret is the SHA-1 seed of RFC 6238, appendix B, "12345678901234567890",
// in base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestValidateTOTPReferenceVectors(t *testing.T) {
	// The SHA-1 rows of RFC 6238, appendix B, with the last 6 of their 8
	// digits, which is the 6-digit code of the same step.
	tests := []struct {
		name string
		unix int64
		code string
		step int64
	}{
		{name: "59", unix: 59, code: "287082", step: 1},
		{name: "1111111109", unix: 1111111109, code: "081804", step: 37037036},
		{name: "1111111111", unix: 1111111111, code: "050471", step: 37037037},
		{name: "1234567890", unix: 1234567890, code: "005924", step: 41152263},
		{name: "2000000000", unix: 2000000000, code: "279037", step: 66666666},
		{name: "20000000000", unix: 20000000000, code: "353130", step: 666666666},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := ValidateTOTP(rfcSecret, tt.code, time.Unix(tt.unix, 0), 0)
			if !ok {
				t.Fatalf("ValidateTOTP(%s) = false, want true", tt.code)
			}
			if step != tt.step {
				t.Errorf("step = %d, want %d", step, tt.step)
			}
		})
	}
}

func TestValidateTOTP(t *testing.T) {
	now := time.Date(2027, 3, 1, 9, 0, 10, 0, time.UTC)
	current := now.Unix() / 30
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(rfcSecret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	tests := []struct {
		name     string
		secret   string
		code     string
		lastStep int64
		wantStep int64
		wantOK   bool
	}{
		{name: "current step", secret: rfcSecret, code: code(now), wantStep: current, wantOK: true},
		{name: "previous step", secret: rfcSecret, code: code(now.Add(-30 * time.Second)), wantStep: current - 1,
			wantOK: true},
		{name: "next step", secret: rfcSecret, code: code(now.Add(30 * time.Second)), wantStep: current + 1,
			wantOK: true},
		{name: "two steps ago", secret: rfcSecret, code: code(now.Add(-60 * time.Second))},
		{name: "two steps ahead", secret: rfcSecret, code: code(now.Add(60 * time.Second))},
		{name: "with a space", secret: rfcSecret, code: code(now)[:3] + " " + code(now)[3:], wantStep: current,
			wantOK: true},
		{name: "replayed step", secret: rfcSecret, code: code(now), lastStep: current},
		{name: "step before last", secret: rfcSecret, code: code(now.Add(-30 * time.Second)), lastStep: current},
		{name: "next step after last", secret: rfcSecret, code: code(now.Add(30 * time.Second)), lastStep: current,
			wantStep: current + 1, wantOK: true},
		{name: "lower-case secret", secret: "gezdgnbvgy3tqojqgezdgnbvgy3tqojq", code: code(now), wantStep: current,
			wantOK: true},
		{name: "wrong code", secret: rfcSecret, code: "000000"},
		{name: "five digits", secret: rfcSecret, code: code(now)[:5]},
		{name: "empty code", secret: rfcSecret, code: ""},
		{name: "invalid secret", secret: "not base32!", code: code(now)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.code == "000000" && code(now) == "000000" {
				t.Skip("the current code is 000000")
			}
			step, ok := ValidateTOTP(tt.secret, tt.code, now, tt.lastStep)
			if ok != tt.wantOK {
				t.Errorf("ValidateTOTP ok = %v, want %v", ok, tt.wantOK)
			}
			if step != tt.wantStep {
				t.Errorf("ValidateTOTP step = %d, want %d", step, tt.wantStep)
			}
		})
	}
}

func TestNewTOTP(t *testing.T) {
	secret, rawURL, qr, err := NewTOTP("IHK Müsterstädt", "anna@firma.de")
	if err != nil {
		t.Fatalf("NewTOTP: %v", err)
	}
	if len(secret) != 32 { // 20 bytes in base32
		t.Errorf("secret %q has %d characters, want 32", secret, len(secret))
	}

	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("parse %q: %v", rawURL, err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" {
		t.Errorf("URL %q, want otpauth://totp/...", rawURL)
	}
	if q.Get("secret") != secret || q.Get("issuer") != "IHK Müsterstädt" || q.Get("digits") != "6" ||
		q.Get("period") != "30" || q.Get("algorithm") != "SHA1" {
		t.Errorf("URL query %v, want the secret, issuer, 6 digits, 30 s and SHA1", q)
	}

	img, err := png.Decode(bytes.NewReader(qr))
	if err != nil {
		t.Fatalf("QR code is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("QR code is %dx%d, want 256x256", b.Dx(), b.Dy())
	}

	now := time.Now()
	c, err := totp.GenerateCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ValidateTOTP(secret, c, now, 0); !ok {
		t.Error("ValidateTOTP of a code for the new secret = false, want true")
	}
}

func TestNewTOTPRequiresNames(t *testing.T) {
	if _, _, _, err := NewTOTP("", "anna@firma.de"); err == nil {
		t.Error("NewTOTP without issuer = nil error, want one")
	}
	if _, _, _, err := NewTOTP("IHK", ""); err == nil {
		t.Error("NewTOTP without account = nil error, want one")
	}
}
