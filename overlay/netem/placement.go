package netem

import (
	"net"
	"sync"
	"time"
)

// Placement puts network addresses on the hosts of an RTT matrix. Two
// addresses on hosts i and j are RTT(i, j)/2 apart one way (the median
// where the matrix has no measurement); two on the same host, or any
// address not placed, are zero apart. It is safe for concurrent use.
type Placement struct {
	m     *RTTMatrix
	mu    sync.RWMutex
	hosts map[string]int // address → host
}

// NewPlacement returns an empty placement on m.
func NewPlacement(m *RTTMatrix) *Placement {
	return &Placement{m: m, hosts: make(map[string]int)}
}

// Matrix returns the matrix the placement uses.
func (p *Placement) Matrix() *RTTMatrix { return p.m }

// Place puts addr on host (taken modulo the matrix's hosts, so any index
// works), replacing an earlier placement of the same address.
func (p *Placement) Place(addr net.Addr, host int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hosts[addr.String()] = host % p.m.Hosts()
}

// Host returns the host addr is placed on.
func (p *Placement) Host(addr net.Addr) (int, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	h, ok := p.hosts[addr.String()]
	return h, ok
}

// OneWay returns the emulated one-way delay from one address to another.
func (p *Placement) OneWay(from, to net.Addr) time.Duration {
	hf, okFrom := p.Host(from)
	ht, okTo := p.Host(to)
	if !okFrom || !okTo {
		return 0
	}
	return p.m.RTTOrMedian(hf, ht) / 2
}
