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

// ownRecord is this node's record as it stands, signed: alive, or left
// once it has left.
func (c *Core) ownRecord() (catalog.Record, error) {
	// The smoothed coordinate, which others rank this node by, rounded as
	// the wire rounds it so that every catalog holds, and hashes, the same
	// record.
	coord := c.viv.Smoothed().Rounded()
	inc := c.sw.Incarnation()
	r := catalog.Record{
		Member:           c.cfg.Self,
		Datacenter:       c.cfg.Datacenter,
		Incarnation:      inc,
		Status:           catalog.Alive,
		OwnerIncarnation: inc,
		Version:          c.version,
		Coordinate:       &coord,
		Services:         slices.Clone(c.services),
		Left:             c.left,
	}
	if c.left {
		r.Status = catalog.Left
	}
	err := r.Sign(c.key)
	return r, err
}

// publishOwnRecord raises the record's version and broadcasts it; this node
// applies it when Plumtree delivers it back.
func (c *Core) publishOwnRecord(now time.Time) error {
	c.version++
	rec, err := c.ownRecord()
	if err != nil {
		return err
	}
	if _, err := c.cat.Apply(now, rec); err != nil {
		return err
	}
	c.sentCoord, c.sentAt = *rec.Coordinate, now
	c.broadcast(now, RecordUpdate{Record: rec, Binding: c.bindingToAnnounce(rec.OwnerIncarnation)})
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

// maybeBroadcastCoordinate re-broadcasts the own record when the shown
// coordinate has moved past the threshold since it was last sent, within
// the cluster-wide budget; see DefaultCoordinateBudget.
func (c *Core) maybeBroadcastCoordinate(now time.Time) {
	p := coordinatePolicy{
		threshold: c.routineMove(),
		members:   c.cat.Counts().Live(),
		budget:    c.cfg.CoordinateBudget,
		interval:  c.cfg.CoordinateInterval,
	}
	if wait, ok := p.wait(c.viv.Smoothed(), c.sentCoord); ok && now.Sub(c.sentAt) >= wait {
		_ = c.publishOwnRecord(now) // the own record is valid by construction
	}
}

// placeCoordinate broadcasts the own record as soon as the shown
// coordinate has first moved far from the one last sent, by more than half
// the typical RTT, with an error estimate below the sent one's. The record
// sent at join holds the origin with the maximum error; without this,
// other members would place a new node there until maybeBroadcastCoordinate
// sends an unsettled coordinate, one to two CoordinateIntervals later.
func (c *Core) placeCoordinate(now time.Time) {
	coord := c.viv.Smoothed()
	moved := coord.Shift(c.sentCoord)
	if coord.Error >= c.sentCoord.Error || moved <= c.routineMove() || moved <= c.typicalRTT/2 {
		return
	}
	c.placed = true
	_ = c.publishOwnRecord(now) // the own record is valid by construction
}

// routineMove is how far the coordinate may move before it is worth
// re-broadcasting; see DefaultCoordinateMove.
func (c *Core) routineMove() time.Duration {
	return max(c.cfg.CoordinateMove, time.Duration(c.cfg.CoordinateMoveRatio*float64(c.typicalRTT)))
}

// unsettledError is the error estimate above which a coordinate has not
// settled: a third of vivaldi.DefaultVivaldiErrorMax, the estimate of a node
// that has measured nothing. Settled PlanetLab nodes estimate 0.1 to 0.3.
const unsettledError = vivaldi.DefaultVivaldiErrorMax / 3

// maxBudgetShare bounds how much more often than the budget's even share
// a node that moved far may broadcast, so that however coordinates move,
// the cluster sends at most maxBudgetShare times the budget.
const maxBudgetShare = 2.0

// coordinatePolicy decides when a moved coordinate is worth a broadcast.
type coordinatePolicy struct {
	threshold time.Duration // the smallest move worth telling
	members   int           // live members sharing the budget
	budget    float64       // routine broadcasts per second, cluster-wide
	interval  time.Duration // the shortest wait
}

// wait returns how long after the broadcast of sent the coordinate coord
// should go out, or false if it has not moved enough to go out at all.
func (p coordinatePolicy) wait(coord, sent vivaldi.Coordinate) (time.Duration, bool) {
	moved := coord.Shift(sent)
	if moved <= p.threshold {
		return 0, false
	}
	if sent.Error >= unsettledError && coord.Error < sent.Error/2 {
		return p.interval, true // the cluster holds a coordinate it cannot trust yet
	}
	// A routine move: its share of the budget grows with the move, up to
	// maxBudgetShare times the share of a move at the threshold.
	share := max(float64(p.threshold)/float64(moved), 1/maxBudgetShare)
	return max(p.interval, time.Duration(float64(p.members)/p.budget*share*float64(time.Second))), true
}

// onProbe feeds a probe's RTT and the peer's coordinate to Vivaldi: a full
// step, or ProbeRepeatWeight of one if a probe of the peer took a full
// step less than ProbeSampleInterval ago.
func (c *Core) onProbe(now time.Time, e swim.ProbeRTT) {
	msg, err := c.codec.Unmarshal(e.Payload)
	sample, ok := msg.(CoordinateSample)
	if err != nil || !ok {
		c.stats.BadPayloads++
		return
	}
	weight := 1.0
	if !c.probeSamples.take(now, e.Peer.ID) {
		weight = c.cfg.ProbeRepeatWeight
	}
	c.updateCoordinate(e.Peer, sample.Coordinate, e.RTT, weight)
}

// updateCoordinate feeds one RTT sample to Vivaldi, its step scaled by
// weight, and keeps the typical RTT, an exponential moving average over
// about 20 samples.
func (c *Core) updateCoordinate(peer overlay.Peer, coord vivaldi.Coordinate, rtt time.Duration, weight float64) {
	if _, err := c.viv.UpdateWeighted(peer.ID, coord, rtt, weight); err != nil {
		c.stats.RejectedSamples++
		return
	}
	if weight == 1 && c.settling() {
		c.settleSteps++
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
