package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// tokenBytes is the number of random bytes of a token: 256 bits.
const tokenBytes = 32

// NewToken returns a new random token for a link in a mail, such as an
// activation or a password reset, and its [HashToken] hash. The token is
// 43 characters of base64url without padding, safe in a URL path or
// query. Only the hash is stored, so that the database alone does not
// give a usable link.
func NewToken() (token, hash string) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error: it crashes the program instead
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the hex-encoded SHA-256 hash of token, the form in
// which a token is stored and looked up. A token has 256 random bits, so
// an unsalted fast hash suffices.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
