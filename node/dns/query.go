package dns

import (
	"errors"

	"golang.org/x/net/dns/dnsmessage"
)

// Codes dnsmessage does not name.
const (
	typeIXFR dnsmessage.Type = 251
	// rcodeBadVersion is BADVERS (RFC 6891 §9): 16, carried partly in the
	// OPT record.
	rcodeBadVersion dnsmessage.RCode = 16
)

// answer returns the answer to the query in req, appended to buf, or
// false if req deserves none: it is too short for a header, or it is a
// response. The message fits the transport: 65,535 bytes over TCP, the
// client's limit over UDP. It takes no lock: the state is an atomic load
// and the catalog snapshot is immutable.
func (s *Server) answer(req, buf []byte, tcp bool) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(req)
	if err != nil || h.Response {
		s.stats.dropped.Add(1)
		return nil, false
	}
	r := reply{header: dnsmessage.Header{
		ID: h.ID, Response: true, OpCode: h.OpCode, RecursionDesired: h.RecursionDesired,
		CheckingDisabled: h.CheckingDisabled,
	}}
	q, edns, err := parseQuery(&p)
	if q != nil {
		r.question = q
	}
	limit := minUDPSize
	if edns != nil {
		opt := dnsmessage.Resource{Body: &dnsmessage.OPTResource{}}
		r.opt = &opt
		limit = max(limit, min(int(edns.Class), s.cfg.MaxUDPSize))
	}
	if tcp {
		limit = maxMessageSize
	}
	rcode := s.fill(&r, q, edns, err, limit)
	s.stats.count(rcode)
	r.header.RCode = rcode & 0xf
	if r.opt != nil {
		_ = r.opt.Header.SetEDNS0(s.cfg.MaxUDPSize, rcode, false) // cannot fail
	}
	msg, truncated := r.pack(buf, limit)
	if truncated {
		s.stats.truncated.Add(1)
	}
	return msg, true
}

// fill resolves the question into r and returns the response code.
func (s *Server) fill(r *reply, q *dnsmessage.Question, edns *dnsmessage.ResourceHeader, parseErr error, limit int) dnsmessage.RCode {
	switch {
	case parseErr != nil:
		return dnsmessage.RCodeFormatError
	case edns != nil && edns.TTL>>16&0xff != 0:
		return rcodeBadVersion // only version 0 exists
	case r.header.OpCode != 0:
		return dnsmessage.RCodeNotImplemented // only QUERY
	case q.Class != dnsmessage.ClassINET && q.Class != dnsmessage.ClassANY:
		return dnsmessage.RCodeNotImplemented
	case q.Type == dnsmessage.TypeAXFR || q.Type == typeIXFR:
		return dnsmessage.RCodeNotImplemented // no zone transfers
	}
	l, err := parseName(q.Name.String(), s.domain)
	if errors.Is(err, errOutside) {
		return dnsmessage.RCodeRefused
	}
	r.header.Authoritative = true
	st := s.cfg.Backend.View()
	res := nxdomain
	if err == nil {
		res = s.resolve(st, l, q, limit/minRecordBytes)
	}
	r.records, r.more = res.records, res.more
	if len(r.records.answers) == 0 {
		r.authority = []dnsmessage.Resource{s.soa(st, s.domainName)}
	}
	return res.rcode
}

var (
	errQuestions = errors.New("dns: a query must hold exactly one question")
	errTwoOPT    = errors.New("dns: more than one OPT record")
)

// parseQuery reads the question of a query and its OPT record, if any.
// The question is returned if it could be read, even with an error
// about the rest of the message.
func parseQuery(p *dnsmessage.Parser) (*dnsmessage.Question, *dnsmessage.ResourceHeader, error) {
	q, err := p.Question()
	if err != nil {
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			err = errQuestions
		}
		return nil, nil, err
	}
	if _, err := p.Question(); !errors.Is(err, dnsmessage.ErrSectionDone) {
		return &q, nil, errQuestions
	}
	if err := p.SkipAllAnswers(); err != nil {
		return &q, nil, err
	}
	if err := p.SkipAllAuthorities(); err != nil {
		return &q, nil, err
	}
	var opt *dnsmessage.ResourceHeader
	for {
		h, err := p.AdditionalHeader()
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			return &q, opt, nil
		}
		if err != nil {
			return &q, opt, err
		}
		if h.Type == dnsmessage.TypeOPT {
			if opt != nil {
				return &q, opt, errTwoOPT
			}
			opt = &h
		}
		if err := p.SkipAdditional(); err != nil {
			return &q, opt, err
		}
	}
}
