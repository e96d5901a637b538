package importer

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// Bits of a keySet entry beside the line number.
const (
	keyInDB    = 1 << 31 // the database holds the record
	keyCurrent = 1 << 30 // ... and it is current (not missing)
	keyValid   = 1 << 29 // the package brings it as a valid record
	keyHashed  = 1 << 28 // the database holds the record's fingerprint
	lineMask   = keyHashed - 1
)

// keyDigest is a 96-bit digest of a key. Sets keep digests instead of
// keys, so that they hold no pointers for the garbage collector to scan
// and cost 30 bytes a key with the fingerprint: a million contract
// numbers fit in 30 MB.
//
// NOTE: two different keys of one kind with the same digest would be
// taken for one key. With 96 bits the chance is below 1e-15 for ten
// million keys, and the seeds change with every process.
type keyDigest [12]byte

var digestSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func digest(key string) keyDigest {
	var d keyDigest
	binary.LittleEndian.PutUint64(d[:8], maphash.String(digestSeeds[0], key))
	binary.LittleEndian.PutUint32(d[8:], uint32(maphash.String(digestSeeds[1], key)))
	return d
}

func digestBytes(key []byte) keyDigest {
	var d keyDigest
	binary.LittleEndian.PutUint64(d[:8], maphash.Bytes(digestSeeds[0], key))
	binary.LittleEndian.PutUint32(d[8:], uint32(maphash.Bytes(digestSeeds[1], key)))
	return d
}

// keyEntry is the record of a keySet for one key: the bits above with a
// line number, and the fingerprint that the database stores for the
// record. The fingerprint is kept as two halves, so that an entry needs
// 12 bytes and no padding.
type keyEntry struct {
	bits uint32
	hash [2]uint32
}

// storedHash returns the record's fingerprint in the database and
// whether the database holds one.
func (e keyEntry) storedHash() (uint64, bool) {
	return uint64(e.hash[0]) | uint64(e.hash[1])<<32, e.bits&keyHashed != 0
}

func (e *keyEntry) setStoredHash(h uint64) {
	e.hash = [2]uint32{uint32(h), uint32(h >> 32)}
	e.bits |= keyHashed
}

// keySet records, for each key of one kind, whether the database holds
// it and on which line of the package it first appears. A nil *keySet is
// empty.
//
// It is a hash table with open addressing and linear probing over one
// slice of slots, filled to at most 80 %. A Go map of the same entries
// takes about twice the memory, because it rounds its size up to a power
// of two. The digests are random already, so they are not hashed again.
type keySet struct {
	slots []keySlot
	n     int // used slots
}

// keySlot is one slot of a keySet; a zero digest marks it unused.
type keySlot struct {
	d keyDigest
	e keyEntry
}

// newKeySet returns a set with room for capacity keys before it grows.
func newKeySet(capacity int64) *keySet {
	return &keySet{slots: make([]keySlot, max(16, capacity*5/4))}
}

// entry returns the entry of d, adding an empty one if d is missing. The
// pointer is valid until the next call that adds a key.
func (ks *keySet) entry(d keyDigest) *keyEntry {
	d = usable(d)
	if (ks.n+1)*5 > len(ks.slots)*4 {
		ks.grow()
	}
	i := ks.home(d)
	for {
		s := &ks.slots[i]
		if s.d == d {
			return &s.e
		}
		if s.d == (keyDigest{}) {
			s.d = d
			ks.n++
			return &s.e
		}
		if i++; i == len(ks.slots) {
			i = 0
		}
	}
}

// lookup returns the entry of d, or the zero entry if d is missing.
func (ks *keySet) lookup(d keyDigest) keyEntry {
	if ks == nil {
		return keyEntry{}
	}
	d = usable(d)
	i := ks.home(d)
	for {
		s := &ks.slots[i]
		if s.d == d {
			return s.e
		}
		if s.d == (keyDigest{}) {
			return keyEntry{}
		}
		if i++; i == len(ks.slots) {
			i = 0
		}
	}
}

// usable turns the zero digest, which marks unused slots, into another.
func usable(d keyDigest) keyDigest {
	if d == (keyDigest{}) {
		d[0] = 1
	}
	return d
}

// home returns the first slot to probe for d: its first 64 bits scaled
// to the number of slots.
func (ks *keySet) home(d keyDigest) int {
	hi, _ := bits.Mul64(binary.LittleEndian.Uint64(d[:8]), uint64(len(ks.slots)))
	return int(hi)
}

func (ks *keySet) grow() {
	old := ks.slots
	ks.slots, ks.n = make([]keySlot, len(old)*2), 0
	for _, s := range old {
		if s.d != (keyDigest{}) {
			*ks.entry(s.d) = s.e
		}
	}
}

func (ks *keySet) get(key string) uint32 {
	return ks.lookup(digest(key)).bits
}

func (ks *keySet) getBytes(key []byte) uint32 {
	return ks.lookup(digestBytes(key)).bits
}

// set replaces the bits of key and keeps its fingerprint.
func (ks *keySet) set(key string, v uint32) {
	ks.entry(digest(key)).bits = v
}

// known reports whether key may be referred to: a valid record of the
// package or any record in the database.
func (ks *keySet) known(key string) bool {
	return ks.get(key)&(keyInDB|keyValid) != 0
}

// countFresh returns the number of valid keys that the database lacks.
func (ks *keySet) countFresh() int64 {
	if ks == nil {
		return 0
	}
	var n int64
	for _, s := range ks.slots {
		if s.e.bits&keyValid != 0 && s.e.bits&keyInDB == 0 {
			n++
		}
	}
	return n
}
