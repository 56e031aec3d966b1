package dns

import "golang.org/x/net/dns/dnsmessage"

// records are the records of an answer, one in the answer section per
// instance (or member, or address), nearest first, and the addresses of
// SRV targets in the additional section. An answer is fitted to a message
// size by keeping the first answers with their additional records, so
// that the nearest instances that fit are kept with their addresses.
type records struct {
	answers, extras []dnsmessage.Resource
	// extrasUpTo[i] is the number of extras that belong to answers[:i+1].
	extrasUpTo []int
}

// add appends an answer and, if extra is not nil, its additional record.
func (r *records) add(answer dnsmessage.Resource, extra *dnsmessage.Resource) {
	r.answers = append(r.answers, answer)
	if extra != nil {
		r.extras = append(r.extras, *extra)
	}
	r.extrasUpTo = append(r.extrasUpTo, len(r.extras))
}

// reply is an answer before it is fitted to a message size.
type reply struct {
	header    dnsmessage.Header
	question  *dnsmessage.Question
	records   records
	authority []dnsmessage.Resource
	opt       *dnsmessage.Resource
	// more reports matching instances beyond the records, left out
	// because they could not have fitted: the answer is incomplete.
	more bool
	// additionals is the additional section being packed, kept to reuse
	// its array from one attempt to the next.
	additionals []dnsmessage.Resource
}

// minRecordBytes is the size of the smallest record an answer holds: an
// A record whose owner name is a compression pointer.
const minRecordBytes = 16

// pack appends to buf the largest message of at most limit bytes that
// holds the reply's first answers, and reports whether it had to set the
// TC bit: it does not hold them all, or r.more. A reply that cannot be
// packed becomes SERVFAIL.
//
// Sizes grow with the answers kept, almost in proportion, so the first
// try is the proportional guess and the second its neighbour across the
// limit; a binary search settles what they leave, which is seldom
// anything: an answer cut to size costs about four packings.
func (r *reply) pack(buf []byte, limit int) ([]byte, bool) {
	n := len(r.records.answers)
	msg, err := r.packFirst(buf, n, r.more)
	if err != nil {
		return r.serverFailure(buf), false
	}
	full := len(msg) - len(buf)
	if full <= limit {
		return msg, r.more
	}
	// size returns the size of the message of the first k answers, or
	// more than any limit if it does not pack.
	size := func(k int) int {
		m, err := r.packFirst(buf, k, true)
		if err != nil {
			return maxMessageSize + 1
		}
		return len(m) - len(buf)
	}
	base := size(0)
	if base > limit {
		return r.serverFailure(buf), false
	}
	lo, hi := 0, n // lo answers fit, hi do not
	try := func(k int) {
		if size(k) <= limit {
			lo = k
		} else {
			hi = k
		}
	}
	if guess := n * (limit - base) / (full - base); lo < guess && guess < hi {
		try(guess)
		if guess == lo && lo+1 < hi {
			try(lo + 1)
		} else if guess == hi && hi-1 > lo {
			try(hi - 1)
		}
	}
	for lo+1 < hi {
		try((lo + hi) / 2)
	}
	if msg, err = r.packFirst(buf, lo, true); err != nil {
		return r.serverFailure(buf), false
	}
	return msg, true
}

// packFirst appends the message holding the first k answers to buf.
func (r *reply) packFirst(buf []byte, k int, truncated bool) ([]byte, error) {
	m := dnsmessage.Message{Header: r.header, Authorities: r.authority, Answers: r.records.answers[:k]}
	m.Header.Truncated = truncated
	if r.question != nil {
		m.Questions = []dnsmessage.Question{*r.question}
	}
	extras := 0
	if k > 0 {
		extras = r.records.extrasUpTo[k-1]
	}
	r.additionals = append(r.additionals[:0], r.records.extras[:extras]...)
	if r.opt != nil {
		r.additionals = append(r.additionals, *r.opt)
	}
	m.Additionals = r.additionals
	return m.AppendPack(buf)
}

// serverFailure is the answer when the reply cannot be packed: SERVFAIL
// with the question, or without it should even that fail.
func (r *reply) serverFailure(buf []byte) []byte {
	m := dnsmessage.Message{Header: r.header}
	m.Header.RCode = dnsmessage.RCodeServerFailure
	if r.question != nil {
		m.Questions = []dnsmessage.Question{*r.question}
	}
	msg, err := m.AppendPack(buf)
	if err != nil {
		m.Questions = nil
		msg, _ = m.AppendPack(buf) // a header alone always packs
	}
	return msg
}
