package api

import "net/http"

// GET /v1/status/leader. There is no leader in overlayd; clients expect
// an address here, so the agent names its own.
func (s *Server) statusLeader(_ *http.Request, v *agentView) (any, error) {
	return v.st.Self.Addr, nil
}

// GET /v1/status/peers: this agent's own address, for the same reason.
func (s *Server) statusPeers(_ *http.Request, v *agentView) (any, error) {
	return []string{v.st.Self.Addr}, nil
}
