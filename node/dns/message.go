package dns

import "golang.org/x/net/dns/dnsmessage"

// group is what one instance contributes to an answer: its records in
// the answer section and the addresses of their targets in the additional
// section. An answer is fitted to a message size whole groups at a time,
// so that the nearest instances that fit are kept with their addresses.
type group struct {
	answers, extras []dnsmessage.Resource
}

// reply is an answer before it is fitted to a message size.
type reply struct {
	header   dnsmessage.Header
	question *dnsmessage.Question
	// groups are the instances' records, nearest first.
	groups    []group
	authority []dnsmessage.Resource
	opt       *dnsmessage.Resource
	// more reports matching instances beyond the groups, left out
	// because they could not have fitted: the answer is incomplete.
	more bool
}

// minRecordBytes is the size of the smallest record an answer holds: an
// A record whose owner name is a compression pointer.
const minRecordBytes = 16

// pack appends to buf the largest message of at most limit bytes that
// holds the reply's first groups, and reports whether it had to set the
// TC bit: it does not hold them all, or r.more. A reply that cannot be
// packed becomes SERVFAIL.
func (r *reply) pack(buf []byte, limit int) ([]byte, bool) {
	msg, err := r.packFirst(buf, len(r.groups), r.more)
	if err != nil {
		return r.serverFailure(buf), false
	}
	if len(msg)-len(buf) <= limit {
		return msg, r.more
	}
	// Sizes grow with the groups kept: find the most that fit.
	lo, hi := 0, len(r.groups) // lo fits unless even no group does; hi does not.
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if msg, err = r.packFirst(buf, mid, true); err == nil && len(msg)-len(buf) <= limit {
			lo = mid
		} else {
			hi = mid
		}
	}
	if msg, err = r.packFirst(buf, lo, true); err != nil || len(msg)-len(buf) > limit {
		return r.serverFailure(buf), false
	}
	return msg, true
}

// packFirst appends the message holding the first k groups to buf.
func (r *reply) packFirst(buf []byte, k int, truncated bool) ([]byte, error) {
	m := dnsmessage.Message{Header: r.header, Authorities: r.authority}
	m.Header.Truncated = truncated
	if r.question != nil {
		m.Questions = []dnsmessage.Question{*r.question}
	}
	for _, g := range r.groups[:k] {
		m.Answers = append(m.Answers, g.answers...)
		m.Additionals = append(m.Additionals, g.extras...)
	}
	if r.opt != nil {
		m.Additionals = append(m.Additionals, *r.opt)
	}
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
