package dns

import (
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"
)

// FuzzAnswer feeds arbitrary messages to the query path over both
// transports and checks what every answer keeps: it parses, it is a
// response with the query's ID, and it fits the transport's limit (512
// bytes over UDP for a query that advertises no larger size).
func FuzzAnswer(f *testing.F) {
	s, err := New(Config{Backend: newBackend(f)})
	require.NoError(f, err)
	for i, name := range []string{
		"web.service.overlay.", "v1.web.service.dc1.overlay.", "_api._tcp.service.overlay.", "node-a.node.overlay.",
		"7f000909.addr.overlay.", "overlay.", "dc2.overlay.", "example.com.", "mixed.service.overlay.",
	} {
		for _, qtype := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA, dnsmessage.TypeSRV, dnsmessage.TypeALL} {
			f.Add(query(f, uint16(i), name, qtype, 0))
			f.Add(query(f, uint16(i), name, qtype, 1232))
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1}) // a question whose name points at itself
	f.Fuzz(func(t *testing.T, req []byte) {
		var p dnsmessage.Parser
		h, headerErr := p.Start(req)
		for _, tcp := range []bool{false, true} {
			msg, ok := s.answer(req, nil, tcp)
			if !ok {
				require.True(t, headerErr != nil || h.Response, "only a message without a header, or a response, goes unanswered")
				continue
			}
			require.NoError(t, headerErr)
			var m dnsmessage.Message
			require.NoError(t, m.Unpack(msg), "the answer parses")
			require.True(t, m.Response)
			require.Equal(t, h.ID, m.ID)
			require.LessOrEqual(t, len(msg), maxMessageSize)
			if !tcp {
				require.LessOrEqual(t, len(msg), DefaultMaxUDPSize)
				if !hasOPT(m) {
					require.LessOrEqual(t, len(msg), minUDPSize, "an answer without EDNS(0) fits 512 bytes")
				}
			}
		}
	})
}

func hasOPT(m dnsmessage.Message) bool {
	for _, rr := range m.Additionals {
		if rr.Header.Type == dnsmessage.TypeOPT {
			return true
		}
	}
	return false
}
