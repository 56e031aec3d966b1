package node

import (
	"crypto/ed25519"
	"math/rand/v2"
	"time"

	"github.com/overlayd/overlayd/hyparview"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
	"github.com/overlayd/overlayd/swim"
	"github.com/overlayd/overlayd/vivaldi"
)

// Core is one agent's protocol state: HyParView, Plumtree, SWIM and Vivaldi
// wired together around the catalog, as ARCHITECTURE.md draws it. Like the
// protocols it is a deterministic state machine: inputs carry the time,
// outputs are drained with Ready. It is not safe for concurrent use; the
// runtime's event loop owns it, and readers use Snapshot.
type Core struct {
	cfg   Config
	rng   *rand.Rand
	codec *overlay.Codec
	// key signs this node's records; keys holds the members' bindings of
	// theirs (authenticate_binding.go).
	key  ed25519.PrivateKey
	keys keyBindings

	hv  *hyparview.Node
	pt  *plumtree.Node
	sw  *swim.Node
	viv *vivaldi.Node
	cat *catalog.Catalog

	// version counts the changes this node made to its own record.
	version  uint64
	services []catalog.Service
	// left is set once this node has announced its departure.
	left bool
	// sentCoord is the coordinate in the last broadcast of the own record,
	// and sentAt when that broadcast went out.
	sentCoord vivaldi.Coordinate
	sentAt    time.Time
	// placed is set once a record with a settled coordinate has gone out;
	// see placeCoordinate.
	placed bool
	// settleSteps counts Vivaldi's full steps up to Config.SettleSteps,
	// and settled is set once the settled coordinate was considered for a
	// broadcast (own_settle.go).
	settleSteps int
	settled     bool
	// lastRevivalSync is when a revived member last triggered anti-entropy.
	lastRevivalSync time.Time
	// typicalRTT is a moving average of the RTTs this node's probes measure.
	typicalRTT time.Duration
	// connected records whether the active view has a peer.
	connected bool
	// join is the catalog sync of the last Join; admitted is the joiner
	// of the HyParView JOIN being handled (antientropy_join.go).
	join     joinSync
	admitted overlay.NodeID

	nextCoordinate, nextAntiEntropy, nextReconnect, nextSample time.Time
	// sample is the outstanding coordinate sample, if any.
	sample    *sampleRequest
	sampleSeq uint32
	// rtts are the RTTs measured directly; targetTurn, targetCursor and
	// unanswered pick the coordinate samples that confirm nearest answers
	// (measured_target.go).
	rtts         rttCache
	probeSamples probeSampler
	targetTurn   bool
	targetCursor string
	unanswered   map[overlay.NodeID]time.Time

	out   Ready
	stats Stats
}

// New returns a Core whose catalog holds only this node.
func New(now time.Time, cfg Config) (*Core, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	c := &Core{cfg: cfg, rng: cfg.Rand, key: cfg.RecordKey, rtts: newRTTCache(cfg.Self.ID, cfg.MeasuredRTTs, cfg.MeasuredRTTMaxAge),
		probeSamples: newProbeSampler(cfg.ProbeSampleInterval), unanswered: map[overlay.NodeID]time.Time{}, keys: newKeyBindings(cfg)}
	if c.key == nil {
		c.key = simulationKey(cfg.Self.ID)
	}
	var err error
	if c.codec, err = NewCodec(); err != nil {
		return nil, err
	}

	hvCfg := cfg.HyParView
	hvCfg.Self, hvCfg.Rand = cfg.Self, c.subRand()
	if c.hv, err = hyparview.New(hvCfg); err != nil {
		return nil, err
	}
	ptCfg := cfg.Plumtree
	ptCfg.Self, ptCfg.Rand = cfg.Self.ID, c.subRand()
	if ptCfg.IHaveFlushInterval == 0 {
		// Batch the announcements of every broadcast of half a second into
		// one IHAVE per lazy peer: membership changes come in bursts, and
		// half a second more before a graft changes little.
		ptCfg.IHaveFlushInterval = 500 * time.Millisecond
	}
	if c.pt, err = plumtree.New(ptCfg); err != nil {
		return nil, err
	}
	swCfg := cfg.SWIM
	swCfg.Self, swCfg.Rand = cfg.Self, c.subRand()
	if c.sw, err = swim.New(swCfg); err != nil {
		return nil, err
	}
	vivCfg := cfg.Vivaldi
	vivCfg.Rand = c.subRand()
	if c.viv, err = vivaldi.New(vivCfg); err != nil {
		return nil, err
	}
	catCfg := cfg.Catalog
	catCfg.Self = cfg.Self.ID
	if c.cat, err = catalog.New(catCfg); err != nil {
		return nil, err
	}
	c.setAckPayload()
	if err := c.publishOwnRecord(now); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Core) subRand() *rand.Rand { return rand.New(rand.NewPCG(c.rng.Uint64(), c.rng.Uint64())) }

// Self returns this node's identity.
func (c *Core) Self() overlay.Peer { return c.cfg.Self }

// Codec returns the codec for every message a Core sends and receives.
func (c *Core) Codec() *overlay.Codec { return c.codec }

// Stats returns the Core's counters.
func (c *Core) Stats() Stats { return c.stats }

// Ready drains the messages and events produced since the previous call.
func (c *Core) Ready() Ready {
	rd := c.out
	c.out = Ready{}
	return rd
}

// Join enters the overlay through contact. The catalog comes from the
// first other peer the join brings (antientropy_join.go).
func (c *Core) Join(now time.Time, contact overlay.Peer) {
	c.hv.Join(contact)
	c.join = joinSync{contact: contact.ID, joinedAt: now, due: true}
	c.drain(now)
}

// Step handles a message from a peer. A message of no known protocol, or
// from a peer without a valid identity or claiming to be this node, is
// ignored and counted; a suspicion of an incarnation this node never
// signed is dropped and counted as forged.
func (c *Core) Step(now time.Time, from overlay.Peer, msg overlay.Message) {
	if msg == nil || from.Validate() != nil || from.ID == c.cfg.Self.ID {
		c.stats.Ignored++
		return
	}
	if c.unsignedSuspicion(msg) {
		return
	}
	// Whatever a peer sends shows it running, which SWIM weighs against
	// a suspicion of it (swim.Node.Heard); SWIM's own messages it sees.
	if msg.Protocol() != overlay.ProtoSWIM {
		c.sw.Heard(now, from.ID)
	}
	switch msg.Protocol() {
	case overlay.ProtoHyParView:
		c.admitted = admitting(from, msg)
		c.hv.Step(now, from, msg)
	case overlay.ProtoPlumtree:
		c.pt.Step(now, from, msg)
	case overlay.ProtoSWIM:
		c.sw.Step(now, from, msg)
	case overlay.ProtoCatalog:
		c.stepCatalog(now, from, msg)
	default:
		c.stats.Ignored++
	}
	c.drain(now)
	c.admitted = ""
}

// PeerFailed tells the Core that a peer could not be reached.
func (c *Core) PeerFailed(now time.Time, id overlay.NodeID) {
	c.hv.PeerFailed(now, id)
	c.drain(now)
}

// Tick advances every protocol's timers and the Core's periodic work.
func (c *Core) Tick(now time.Time) {
	c.hv.Tick(now)
	c.pt.Tick(now)
	c.sw.SetClusterSize(c.cat.Counts().Live())
	c.sw.Tick(now)
	c.forgetBindings(c.cat.Expire(now))
	c.rtts.expire(now)
	if !c.placed {
		c.placeCoordinate(now)
	}
	if !c.settled {
		c.announceSettled(now)
	}
	if c.due(now, &c.nextCoordinate, c.cfg.CoordinateInterval) {
		c.maybeBroadcastCoordinate(now)
	}
	if c.due(now, &c.nextAntiEntropy, c.cfg.AntiEntropyInterval) {
		c.startAntiEntropy(1)
	}
	if c.due(now, &c.nextSample, c.sampleInterval()) {
		c.requestSample(now)
	}
	if c.due(now, &c.nextReconnect, c.cfg.ReconnectInterval) {
		c.reconnect()
	}
	c.tickJoinSync(now)
	c.drain(now)
}

// due reports whether a periodic task is due at now and, if so, schedules
// its next run. A task's first run comes within one interval of the first
// Tick, at a random offset, so that nodes started together do not act in
// step.
func (c *Core) due(now time.Time, next *time.Time, interval time.Duration) bool {
	if next.IsZero() {
		*next = now.Add(time.Duration(c.rng.Int64N(int64(interval))))
	}
	if now.Before(*next) {
		return false
	}
	*next = now.Add(interval)
	return true
}

// Leave announces a graceful departure to the cluster.
func (c *Core) Leave(now time.Time) {
	c.sw.Leave(now)
	c.drain(now)
}

func (c *Core) send(to overlay.Peer, msg overlay.Message) {
	c.out.Messages = append(c.out.Messages, overlay.Outgoing{To: to, Msg: msg})
}
