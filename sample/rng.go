package sample

import "math/bits"

// stream separates the random sequences of the record kinds, so that the
// values drawn for one kind never shift those of another.
type stream uint64

const (
	streamIdent stream = iota + 1
	streamSites
	streamCompany
	streamCompanyName
	streamTrainerCount
	streamTrainer
	streamTrainee
	streamSwitch
	streamContractCompany
	streamContract
	streamRegistration
	streamChange
	streamChangeValue
)

// rng is a SplitMix64 generator. The package has its own generator, so the
// bytes written for a seed do not depend on math/rand, whose algorithms may
// change between Go releases. Each record draws from its own rng value.
type rng struct {
	state uint64
}

// newRNG returns the generator of one record: the record with the given
// index in the given stream of the package with the given seed.
func newRNG(seed int64, s stream, index int) rng {
	key := uint64(s)<<56 ^ uint64(index)
	return rng{state: mix64(mix64(uint64(seed)) ^ mix64(key))}
}

// hashIndex returns the first value of a record's generator, for structural
// facts (how many sites a head company has) that must be cheap to recompute.
func hashIndex(seed int64, s stream, index int) uint64 {
	r := newRNG(seed, s, index)
	return r.next()
}

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	return mix64(r.state)
}

// intn returns a value in [0, n). n must be positive.
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

// between returns a value in [lo, hi].
func (r *rng) between(lo, hi int) int {
	return lo + r.intn(hi-lo+1)
}

// chance returns true with probability p.
func (r *rng) chance(p float64) bool {
	return float64(r.next()>>11)/(1<<53) < p
}

func pick[T any](r *rng, items []T) T {
	return items[r.intn(len(items))]
}

// hashChance maps a hash value to true with probability p.
func hashChance(h uint64, p float64) bool {
	return float64(h>>11)/(1<<53) < p
}
