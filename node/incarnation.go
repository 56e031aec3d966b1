package node

import (
	"time"

	"github.com/overlayd/overlayd/swim"
)

// RaiseIncarnation makes this node's incarnation inc, if that is higher
// than its current one, and tells the cluster its record at the new one. A
// restarted node calls it, before it joins, with one more than the highest
// incarnation it used before: its Alive then supersedes whatever the
// cluster last heard of it, dead or left, without waiting to be told and
// refuting.
//
// It feeds SWIM the node's own Alive at inc, which SWIM adopts as news from
// an earlier life. Unlike swim.Config.InitialIncarnation, which only sets
// where a new SWIM node starts, it also republishes the node's record, so
// it works on a Core already built; with both, the higher wins.
func (c *Core) RaiseIncarnation(now time.Time, inc uint64) {
	if inc <= c.sw.Incarnation() {
		return
	}
	c.sw.Observe(now, swim.Update{Member: c.cfg.Self, Incarnation: inc, State: swim.StateAlive, From: c.cfg.Self.ID})
	_ = c.publishOwnRecord(now) // valid by construction
	c.drain(now)
}
