package overlay

import (
	"fmt"
	"strings"
)

// debugState describes the transport's peers and connections, for the
// message of a failed test.
func (t *QUICTransport) debugState() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "%s open=%d\n", t.self.ID, t.open)
	for id, ps := range t.peers {
		fmt.Fprintf(&b, "  %s keep=%v dialing=%v q=%d cur=%v standby=%v links:", id, ps.keep, ps.dialing, ps.queue.len(), ps.current != nil, ps.standby != nil)
		for _, l := range ps.links {
			st := l.conn.ConnectionStats()
			fmt.Fprintf(&b, " [sent=%d rcvd=%d rtt=%v seq=%d dialed=%v state=%d init=%v eof=%v fin=%v]", st.PacketsSent, st.PacketsReceived, st.SmoothedRTT, l.seq, l.dialed, l.state, l.initiator, l.readEOF, l.finAcked)
		}
		b.WriteString("\n")
	}
	return b.String()
}
