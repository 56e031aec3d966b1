package node

import (
	"slices"
	"strings"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/swim"
	"github.com/overlayd/overlayd/vivaldi"
)

// ownRecord is this node's record as it stands.
func (c *Core) ownRecord() catalog.Record {
	// Rounded as the wire rounds it, so that every catalog holds, and
	// hashes, the same record.
	coord := c.viv.Coordinate().Rounded()
	inc := c.sw.Incarnation()
	return catalog.Record{
		Member:           c.cfg.Self,
		Datacenter:       c.cfg.Datacenter,
		Incarnation:      inc,
		Status:           catalog.Alive,
		OwnerIncarnation: inc,
		Version:          c.version,
		Coordinate:       &coord,
		Services:         slices.Clone(c.services),
	}
}

// publishOwnRecord raises the record's version and broadcasts it; this node
// applies it when Plumtree delivers it back.
func (c *Core) publishOwnRecord(now time.Time) error {
	c.version++
	rec := c.ownRecord()
	if _, err := c.cat.Apply(now, rec); err != nil {
		return err
	}
	c.sentCoord, c.sentAt = *rec.Coordinate, now
	c.broadcast(now, RecordUpdate{Record: rec})
	c.stats.RecordBroadcasts++
	return nil
}

// broadcast sends msg to the whole cluster through Plumtree.
func (c *Core) broadcast(now time.Time, msg overlay.Message) {
	if payload, ok := c.marshalBroadcast(now, msg); ok {
		c.pt.Broadcast(now, payload)
	}
}

// broadcastNow is broadcast without waiting for the IHAVE batch: for SWIM's
// updates, which come from a suspect's neighbours, whose eager path to the
// rest of the tree often ran through the suspect (plumtree.Node.BroadcastNow).
func (c *Core) broadcastNow(now time.Time, msg overlay.Message) {
	if payload, ok := c.marshalBroadcast(now, msg); ok {
		c.pt.BroadcastNow(now, payload)
	}
}

func (c *Core) marshalBroadcast(now time.Time, msg overlay.Message) ([]byte, bool) {
	payload, err := c.codec.Marshal(withOrigin(msg, now))
	if err != nil {
		c.stats.BadPayloads++ // our own message: a bug, counted rather than sent
		return nil, false
	}
	return payload, true
}

// maybeBroadcastCoordinate re-broadcasts the own record when the
// coordinate has moved far enough since it was last sent and long enough
// has passed; see DefaultCoordinateBudget.
func (c *Core) maybeBroadcastCoordinate(now time.Time) {
	moved := c.viv.Coordinate().DistanceTo(c.sentCoord)
	routine := max(c.cfg.CoordinateMove, time.Duration(c.cfg.CoordinateMoveRatio*float64(c.typicalRTT)))
	if moved <= routine {
		return
	}
	wait := c.cfg.CoordinateInterval
	if moved <= c.typicalRTT/2 {
		members := float64(c.cat.Counts().Live())
		wait = max(wait, time.Duration(members/c.cfg.CoordinateBudget*float64(time.Second)))
	}
	if now.Sub(c.sentAt) >= wait {
		_ = c.publishOwnRecord(now) // the own record is valid by construction
	}
}

// onProbe feeds a probe's RTT and the peer's coordinate to Vivaldi.
func (c *Core) onProbe(e swim.ProbeRTT) {
	msg, err := c.codec.Unmarshal(e.Payload)
	sample, ok := msg.(CoordinateSample)
	if err != nil || !ok {
		c.stats.BadPayloads++
		return
	}
	c.updateCoordinate(e.Peer, sample.Coordinate, e.RTT)
}

// updateCoordinate feeds one RTT sample to Vivaldi and keeps the typical
// RTT, an exponential moving average over about 20 samples.
func (c *Core) updateCoordinate(peer overlay.Peer, coord vivaldi.Coordinate, rtt time.Duration) {
	if _, err := c.viv.Update(peer.ID, coord, rtt); err != nil {
		c.stats.RejectedSamples++
		return
	}
	if c.typicalRTT == 0 {
		c.typicalRTT = rtt
	} else {
		c.typicalRTT += (rtt - c.typicalRTT) / 20
	}
	c.setAckPayload()
}

// setAckPayload puts the current coordinate in SWIM's acks.
func (c *Core) setAckPayload() {
	if b, err := c.codec.Marshal(CoordinateSample{Coordinate: c.viv.Coordinate()}); err == nil {
		c.sw.SetAckPayload(b)
	}
}

// RegisterService adds or replaces one of this node's service instances and
// tells the cluster. A service the catalog refuses changes nothing.
func (c *Core) RegisterService(now time.Time, s catalog.Service) error {
	previous, previousVersion := c.services, c.version
	i, found := slices.BinarySearchFunc(c.services, s.ID, func(x catalog.Service, id string) int { return strings.Compare(x.ID, id) })
	c.services = slices.Clone(c.services)
	if found {
		c.services[i] = s
	} else {
		c.services = slices.Insert(c.services, i, s)
	}
	if err := c.publishOwnRecord(now); err != nil {
		c.services, c.version = previous, previousVersion
		return err
	}
	c.drain(now)
	return nil
}

// DeregisterService removes one of this node's service instances and
// reports whether it existed.
func (c *Core) DeregisterService(now time.Time, id string) bool {
	i := slices.IndexFunc(c.services, func(s catalog.Service) bool { return s.ID == id })
	if i < 0 {
		return false
	}
	c.services = slices.Delete(slices.Clone(c.services), i, i+1)
	_ = c.publishOwnRecord(now) // removing a service cannot make the record invalid
	c.drain(now)
	return true
}

// SetServiceHealth changes the health of one of this node's service
// instances and reports whether it exists.
func (c *Core) SetServiceHealth(now time.Time, id string, h catalog.Health) bool {
	i := slices.IndexFunc(c.services, func(s catalog.Service) bool { return s.ID == id })
	if i < 0 || c.services[i].Health == h {
		return i >= 0
	}
	previous, previousVersion := c.services, c.version
	c.services = slices.Clone(c.services)
	c.services[i].Health = h
	if err := c.publishOwnRecord(now); err != nil {
		c.services, c.version = previous, previousVersion
		return false
	}
	c.drain(now)
	return true
}
