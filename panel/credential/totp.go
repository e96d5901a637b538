package credential

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings of RFC 6238 that authenticator apps support: 30-second
// steps, 6 digits, HMAC-SHA-1 and a 160-bit secret.
const (
	totpPeriod     = 30
	totpDigits     = otp.DigitsSix
	totpSecretSize = 20
	qrSize         = 256 // width and height of the QR code in pixels
)

// NewTOTP returns a new TOTP secret for account at issuer, in base32
// without padding, the otpauth:// URL that an authenticator app reads,
// and that URL as a QR code in PNG format. The caller stores the secret
// once the user has entered a valid code for it.
func NewTOTP(issuer, account string) (secret, otpauthURL string, qrPNG []byte, err error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      totpPeriod,
		SecretSize:  totpSecretSize,
		Digits:      totpDigits,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", nil, fmt.Errorf("generate TOTP key: %w", err)
	}

	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return "", "", nil, fmt.Errorf("encode TOTP QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", "", nil, fmt.Errorf("encode TOTP QR code as PNG: %w", err)
	}
	return key.Secret(), key.URL(), buf.Bytes(), nil
}

// ValidateTOTP checks code, a 6-digit TOTP code that may contain spaces,
// against secret at now. It accepts the code of the current 30-second
// time step and of the steps before and after it, for clocks that are
// slightly off. It returns the matching step and true. The caller stores
// that step and passes it as lastStep next time, because RFC 6238 forbids
// accepting a code twice. A code of a step at or before lastStep, a wrong
// code and an invalid secret return false.
func ValidateTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.ReplaceAll(code, " ", "")
	if len(code) != totpDigits.Length() {
		return 0, false
	}

	current := now.Unix() / totpPeriod
	// Every candidate step is computed, so that the time taken does not
	// tell which one matched.
	for s := max(current-1, 0); s <= current+1; s++ {
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), hotp.ValidateOpts{
			Digits: totpDigits, Algorithm: otp.AlgorithmSHA1,
		})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && s > lastStep {
			step, ok = s, true
		}
	}
	return step, ok
}
