package credential

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fastParams keep the tests quick. Tests about [DefaultParams] use those.
var fastParams = Params{Memory: 64, Time: 1, Threads: 1}

func newTestHasher(t testing.TB, p Params, maxConcurrent int) *Hasher {
	t.Helper()
	h, err := NewHasher(HasherOptions{Params: p, MaxConcurrent: maxConcurrent})
	if err != nil {
		t.Fatalf("NewHasher: %v", err)
	}
	return h
}

func TestHashDefaultFormat(t *testing.T) {
	h := newTestHasher(t, Params{}, 0)
	encoded, err := h.Hash(context.Background(), "korrekt Pferd Batterie Heftklammer")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}

	fields := strings.Split(encoded, "$")
	if len(fields) != 6 {
		t.Fatalf("Hash = %q, want 5 fields separated by $", encoded)
	}
	if got, want := strings.Join(fields[:4], "$"), "$argon2id$v=19$m=19456,t=2,p=1"; got != want {
		t.Errorf("Hash prefix = %q, want %q", got, want)
	}
	if got, want := len(fields[4]), 22; got != want { // 16 bytes
		t.Errorf("salt has %d characters, want %d", got, want)
	}
	if got, want := len(fields[5]), 43; got != want { // 32 bytes
		t.Errorf("hash has %d characters, want %d", got, want)
	}
}

func TestHashSaltDiffers(t *testing.T) {
	h := newTestHasher(t, fastParams, 0)
	a, err := h.Hash(context.Background(), "gleiches Passwort zweimal")
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Hash(context.Background(), "gleiches Passwort zweimal")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two hashes of one password are equal: %q", a)
	}
}

func TestVerify(t *testing.T) {
	h := newTestHasher(t, fastParams, 0)
	const password = "Grüße aus Münster 2027"
	encoded, err := h.Hash(context.Background(), password)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}

	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{name: "same", password: password, want: true},
		{name: "decomposed umlauts", password: "Gru\u0308ße aus Mu\u0308nster 2027", want: true},
		{name: "other case", password: strings.ToUpper(password), want: false},
		{name: "one more character", password: password + " ", want: false},
		{name: "empty", password: "", want: false},
		{name: "over 4096 bytes", password: strings.Repeat("a", 5000), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Verify(context.Background(), encoded, tt.password)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVerifyReferenceHashes(t *testing.T) {
	// Made by the command-line tool of the reference implementation
	// (Debian package argon2 0~20171227), as in: echo -n password |
	// argon2 somesaltsomesalt -id -t 2 -m 10 -p 1 -l 32 -e
	tests := []struct {
		name     string
		password string
		encoded  string
	}{
		{
			name:     "ascii",
			password: "password",
			encoded:  "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA",
		},
		{
			name:     "umlauts in NFC",
			password: "Grüße",
			encoded:  "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1d3xw3deRifFP4EcoJE87bUWDjaL+YdzkuQaC1jnYIs",
		},
	}
	h := newTestHasher(t, fastParams, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(context.Background(), tt.encoded, tt.password)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !ok {
				t.Error("Verify = false, want true")
			}
		})
	}
}

func TestVerifyInvalidHash(t *testing.T) {
	h := newTestHasher(t, fastParams, 0)
	valid, err := h.Hash(context.Background(), "irgendein Passwort")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Split(valid, "$")

	tests := []struct {
		name    string
		encoded string
	}{
		{name: "empty", encoded: ""},
		{name: "bcrypt", encoded: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{name: "argon2i", encoded: strings.Replace(valid, "argon2id", "argon2i", 1)},
		{name: "old version", encoded: strings.Replace(valid, "v=19", "v=16", 1)},
		{name: "parameters reordered", encoded: strings.Replace(valid, "m=64,t=1,p=1", "t=1,m=64,p=1", 1)},
		{name: "memory too large", encoded: strings.Replace(valid, "m=64", "m=4194304", 1)},
		{name: "time zero", encoded: strings.Replace(valid, "t=1", "t=0", 1)},
		{name: "salt not base64", encoded: strings.Join([]string{"", fields[1], fields[2], fields[3], "!!!", fields[5]}, "$")},
		{name: "hash too short", encoded: strings.Join([]string{"", fields[1], fields[2], fields[3], fields[4], "AAAA"}, "$")},
		{name: "extra field", encoded: valid + "$x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(context.Background(), tt.encoded, "irgendein Passwort")
			if !errors.Is(err, ErrInvalidHash) {
				t.Errorf("Verify error = %v, want ErrInvalidHash", err)
			}
			if ok {
				t.Error("Verify = true, want false")
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	old := newTestHasher(t, fastParams, 0)
	encoded, err := old.Hash(context.Background(), "ein Passwort von früher")
	if err != nil {
		t.Fatal(err)
	}
	stronger := newTestHasher(t, Params{Memory: 128, Time: 1, Threads: 1}, 0)

	tests := []struct {
		name    string
		hasher  *Hasher
		encoded string
		want    bool
	}{
		{name: "same parameters", hasher: old, encoded: encoded, want: false},
		{name: "more memory", hasher: stronger, encoded: encoded, want: true},
		{name: "malformed", hasher: old, encoded: "$argon2id$", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.hasher.NeedsRehash(tt.encoded); got != tt.want {
				t.Errorf("NeedsRehash = %v, want %v", got, tt.want)
			}
		})
	}

	ok, err := stronger.Verify(context.Background(), encoded, "ein Passwort von früher")
	if err != nil || !ok {
		t.Errorf("Verify of a hash with older parameters = (%v, %v), want (true, nil)", ok, err)
	}
}

func TestNewHasherRejectsParams(t *testing.T) {
	tests := []struct {
		name   string
		params Params
	}{
		{name: "memory below 8 KiB per thread", params: Params{Memory: 15, Threads: 2}},
		{name: "memory over 256 MiB", params: Params{Memory: 512 * 1024}},
		{name: "short salt", params: Params{SaltLen: 4}},
		{name: "short key", params: Params{KeyLen: 8}},
		{name: "too many passes", params: Params{Time: 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewHasher(HasherOptions{Params: tt.params}); err == nil {
				t.Errorf("NewHasher(%+v) = nil error, want one", tt.params)
			}
		})
	}
}

func TestHashTooLong(t *testing.T) {
	h := newTestHasher(t, fastParams, 0)
	if _, err := h.Hash(context.Background(), strings.Repeat("x", 5000)); !errors.Is(err, ErrTooLong) {
		t.Errorf("Hash of 5000 bytes error = %v, want ErrTooLong", err)
	}
}

func TestHashWaitsForSlot(t *testing.T) {
	h := newTestHasher(t, fastParams, 1)
	h.slots <- struct{}{} // take the only slot
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()

	if _, err := h.Hash(ctx, "wartet auf einen Platz"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash error = %v, want context.DeadlineExceeded", err)
	}
	if _, err := h.Verify(ctx, "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA",
		"x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Verify error = %v, want context.DeadlineExceeded", err)
	}
	if err := h.Dummy(ctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Dummy error = %v, want context.DeadlineExceeded", err)
	}

	<-h.slots
	if _, err := h.Hash(context.Background(), "jetzt ist Platz"); err != nil {
		t.Errorf("Hash after the slot is free: %v", err)
	}
}

func TestDummyCostsLikeVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("measures hashing time")
	}
	h := newTestHasher(t, Params{}, 0)
	ctx := context.Background()
	encoded, err := h.Hash(ctx, "ein echtes Passwort")
	if err != nil {
		t.Fatal(err)
	}

	// The minimum of several rounds is robust against other load on the
	// machine.
	verify, dummy := time.Duration(1<<62), time.Duration(1<<62)
	for range 5 {
		start := time.Now()
		if _, err := h.Verify(ctx, encoded, "ein falsches Passwort"); err != nil {
			t.Fatal(err)
		}
		verify = min(verify, time.Since(start))

		start = time.Now()
		if err := h.Dummy(ctx, "ein falsches Passwort"); err != nil {
			t.Fatal(err)
		}
		dummy = min(dummy, time.Since(start))
	}
	// The bounds are wide because other processes may share the CPU. A
	// Dummy that skipped the hash would take well under a tenth.
	if dummy < verify/3 || dummy > verify*3 {
		t.Errorf("Dummy takes %v, Verify %v: want about the same", dummy, verify)
	}
}

func BenchmarkHash(b *testing.B) {
	h := newTestHasher(b, Params{}, 0)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "korrekt Pferd Batterie Heftklammer"); err != nil {
			b.Fatal(err)
		}
	}
}
