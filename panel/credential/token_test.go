package credential

import (
	"encoding/base64"
	"testing"
)

func TestNewToken(t *testing.T) {
	token, hash := NewToken()
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatalf("token %q is not base64url without padding: %v", token, err)
	}
	if len(raw) != 32 {
		t.Errorf("token has %d bytes, want 32", len(raw))
	}
	if hash != HashToken(token) {
		t.Errorf("hash = %q, want HashToken(token) %q", hash, HashToken(token))
	}

	other, _ := NewToken()
	if other == token {
		t.Errorf("two tokens are equal: %q", token)
	}
}

func TestHashToken(t *testing.T) {
	tests := []struct {
		name  string
		token string
		want  string
	}{
		// SHA-256 test vectors of FIPS 180-2, appendix B.
		{name: "empty", token: "", want: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{name: "abc", token: "abc", want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HashToken(tt.token); got != tt.want {
				t.Errorf("HashToken(%q) = %q, want %q", tt.token, got, tt.want)
			}
		})
	}
}
