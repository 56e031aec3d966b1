package client

import (
	"context"
	"strconv"
)

// Self is the local agent as it describes itself.
type Self struct {
	Name       string
	Datacenter string
	Addr       string
	Port       uint16
	// Incarnation is the agent's own SWIM incarnation: it rises each time
	// the agent refutes a suspicion of itself or restarts.
	Incarnation uint64
	// Members is how many members the agent's catalog holds, itself
	// included, whatever their status.
	Members int
	Version string
	// DataDirError is the error of the agent's last write to its data
	// directory, if that failed (a full disk, say); empty otherwise.
	DataDirError string
}

type selfJSON struct {
	Config struct{ NodeName, Datacenter, Version string }
	Member memberJSON
	Stats  map[string]map[string]string
}

// Self returns the local agent's description (GET /v1/agent/self).
func (c *Client) Self(ctx context.Context) (Self, error) {
	var s selfJSON
	if err := c.do(ctx, "GET", "/v1/agent/self", nil, nil, &s); err != nil {
		return Self{}, err
	}
	stats := s.Stats["overlayd"]
	inc, _ := strconv.ParseUint(stats["incarnation"], 10, 64)
	members, _ := strconv.Atoi(stats["members"])
	return Self{
		Name: s.Config.NodeName, Datacenter: s.Config.Datacenter, Addr: s.Member.Addr, Port: s.Member.Port,
		Incarnation: inc, Members: members, Version: s.Config.Version, DataDirError: stats["data_dir_error"],
	}, nil
}
