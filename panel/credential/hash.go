package credential

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// ErrInvalidHash is returned by [Hasher.Verify] for a stored hash that is
// not an argon2id hash in PHC string format with parameters in bounds.
var ErrInvalidHash = errors.New("invalid password hash")

// Params are the argon2id parameters of new hashes.
type Params struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // number of passes over the memory
	Threads uint8  // degree of parallelism
	SaltLen uint32 // salt length in bytes
	KeyLen  uint32 // hash length in bytes
}

// DefaultParams returns the argon2id parameters that the OWASP Password
// Storage Cheat Sheet lists first: 19 MiB of memory, 2 passes, 1 thread,
// with a 16-byte salt and a 32-byte hash.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// DefaultMaxConcurrent is the number of hashes computed at once when
// [HasherOptions.MaxConcurrent] is zero. Each hash with [DefaultParams]
// allocates 19 MiB.
const DefaultMaxConcurrent = 2

// maxPasswordBytes bounds the input of a hash. A password that
// [CheckPassword] accepts has at most 1,024 bytes in NFC.
const maxPasswordBytes = 4096

// Bounds of the parameters that [Hasher.Verify] accepts from a stored
// hash, so that a damaged or planted hash cannot take the memory that the
// daemon has.
const (
	maxMemoryKiB = 256 * 1024
	maxTime      = 64
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 64
)

// HasherOptions configure a [Hasher].
type HasherOptions struct {
	// Params of new hashes; zero fields take the value of [DefaultParams].
	Params Params

	// MaxConcurrent limits the hashes computed at once; further calls
	// wait. Zero means [DefaultMaxConcurrent].
	MaxConcurrent int
}

// Hasher hashes and verifies passwords with argon2id. Its methods are
// safe for concurrent use. Each normalises the password to Unicode NFC
// first, so that a password typed on another system matches.
type Hasher struct {
	params Params
	slots  chan struct{} // one element per hash in progress
}

// NewHasher returns a Hasher with opts. It fails if the parameters are
// outside the bounds that [Hasher.Verify] accepts.
func NewHasher(opts HasherOptions) (*Hasher, error) {
	p := opts.Params.withDefaults()
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("argon2id parameters: %w", err)
	}

	n := opts.MaxConcurrent
	if n <= 0 {
		n = DefaultMaxConcurrent
	}
	return &Hasher{params: p, slots: make(chan struct{}, n)}, nil
}

func (p Params) withDefaults() Params {
	def := DefaultParams()
	if p.Memory == 0 {
		p.Memory = def.Memory
	}
	if p.Time == 0 {
		p.Time = def.Time
	}
	if p.Threads == 0 {
		p.Threads = def.Threads
	}
	if p.SaltLen == 0 {
		p.SaltLen = def.SaltLen
	}
	if p.KeyLen == 0 {
		p.KeyLen = def.KeyLen
	}
	return p
}

// check reports parameters out of bounds. Argon2 needs at least 8 KiB of
// memory per thread.
func (p Params) check() error {
	switch {
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("memory %d KiB out of range 8 KiB per thread to %d KiB", p.Memory, maxMemoryKiB)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d out of range 1 to %d", p.Time, maxTime)
	case p.Threads < 1:
		return errors.New("threads must be at least 1")
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of range %d to %d bytes", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d out of range %d to %d bytes", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// Hash returns the argon2id hash of password with a new random salt, in
// PHC string format: $argon2id$v=19$m=19456,t=2,p=1$salt$hash. It waits
// for a free slot and returns ctx's error if ctx is done first. A
// password over 4,096 bytes is rejected with [ErrTooLong].
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > maxPasswordBytes {
		return "", ErrTooLong
	}

	salt := make([]byte, h.params.SaltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never returns an error: it crashes the program instead

	key, err := h.derive(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	return encodeHash(h.params, salt, key), nil
}

// Verify reports whether password matches encoded, a hash made by
// [Hasher.Hash], with the parameters stored in encoded, so that hashes
// made with older parameters still verify. It returns [ErrInvalidHash]
// for a malformed hash, and ctx's error if ctx is done before a slot is
// free. A password over 4,096 bytes does not match and costs no hash.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	if len(password) > maxPasswordBytes {
		return false, nil
	}

	got, err := h.derive(ctx, password, salt, p)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Dummy spends the work of one [Hasher.Verify] of a hash with the
// Hasher's parameters and discards the result. A handler calls it where
// no account matches the request, so that the response time does not
// tell whether an address is registered. It returns ctx's error if ctx is
// done before a slot is free.
func (h *Hasher) Dummy(ctx context.Context, password string) error {
	if len(password) > maxPasswordBytes {
		return nil
	}

	salt := make([]byte, h.params.SaltLen)
	_, err := h.derive(ctx, password, salt, h.params)
	return err
}

// NeedsRehash reports whether encoded was made with parameters other than
// the Hasher's, or is malformed. After a successful [Hasher.Verify] the
// caller stores a new [Hasher.Hash] of the password in its place.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decodeHash(encoded)
	return err != nil || p != h.params
}

// derive computes the argon2id key of password in a slot.
func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Params) ([]byte, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a password hash slot: %w", ctx.Err())
	}
	defer func() { <-h.slots }()

	pw := []byte(norm.NFC.String(password))
	return argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

// b64 is the Base64 encoding of the PHC string format: the standard
// alphabet without padding.
var b64 = base64.RawStdEncoding

func encodeHash(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodeHash parses a hash made by encodeHash and checks its parameters,
// whose SaltLen and KeyLen are those of salt and key.
func decodeHash(encoded string) (p Params, salt, key []byte, err error) {
	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || fields[0] != "" || fields[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: want $argon2id$v=19$m=...,t=...,p=...$salt$hash", ErrInvalidHash)
	}

	var version int
	if _, err := fmt.Sscanf(fields[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: version %q, want v=%d", ErrInvalidHash, fields[2], argon2.Version)
	}

	var threads uint32
	n, err := fmt.Sscanf(fields[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads)
	if err != nil || n != 3 || threads > 255 || fields[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, threads) {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrInvalidHash, fields[3])
	}
	p.Threads = uint8(threads)

	salt, err = b64.DecodeString(fields[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt: %w", ErrInvalidHash, err)
	}
	key, err = b64.DecodeString(fields[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: hash: %w", ErrInvalidHash, err)
	}

	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.check(); err != nil {
		return p, nil, nil, fmt.Errorf("%w: %w", ErrInvalidHash, err)
	}
	return p, salt, key, nil
}
