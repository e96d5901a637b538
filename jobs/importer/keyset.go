package importer

import (
	"encoding/binary"
	"hash/maphash"
)

// Bits of a keySet value beside the line number.
const (
	keyInDB    = 1 << 31 // the database holds the record
	keyCurrent = 1 << 30 // ... and it is current (not missing)
	keyValid   = 1 << 29 // the package brings it as a valid record
	lineMask   = keyValid - 1
)

// keyDigest is a 128-bit digest of a key. Sets keep digests instead of
// keys, so that they hold no pointers for the garbage collector to scan
// and cost about 20 bytes a key: a million contract numbers fit in
// about 25 MB.
//
// NOTE: two different keys of one kind with the same digest would be
// taken for one key. With 128 bits the chance is below 1e-25 for ten
// million keys, and the seeds change with every process.
type keyDigest [16]byte

var digestSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func digest(key string) keyDigest {
	var d keyDigest
	binary.LittleEndian.PutUint64(d[:8], maphash.String(digestSeeds[0], key))
	binary.LittleEndian.PutUint64(d[8:], maphash.String(digestSeeds[1], key))
	return d
}

func digestBytes(key []byte) keyDigest {
	var d keyDigest
	binary.LittleEndian.PutUint64(d[:8], maphash.Bytes(digestSeeds[0], key))
	binary.LittleEndian.PutUint64(d[8:], maphash.Bytes(digestSeeds[1], key))
	return d
}

// keySet records, for each key of one kind, whether the database holds
// it and on which line of the package it first appears. A nil *keySet is
// empty.
type keySet struct {
	m map[keyDigest]uint32
}

func newKeySet(capacity int64) *keySet {
	return &keySet{m: make(map[keyDigest]uint32, capacity)}
}

func (ks *keySet) get(key string) uint32 {
	if ks == nil {
		return 0
	}
	return ks.m[digest(key)]
}

func (ks *keySet) getBytes(key []byte) uint32 {
	if ks == nil {
		return 0
	}
	return ks.m[digestBytes(key)]
}

func (ks *keySet) setBytes(key []byte, v uint32) {
	ks.m[digestBytes(key)] = v
}

func (ks *keySet) set(key string, v uint32) {
	ks.m[digest(key)] = v
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
	for _, v := range ks.m {
		if v&keyValid != 0 && v&keyInDB == 0 {
			n++
		}
	}
	return n
}
