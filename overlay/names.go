package overlay

import "strconv"

// MessageName returns the name of the Go type registered for (p, t), such
// as "Ping", for logs and metric labels; the type number when none is.
func (c *Codec) MessageName(p Protocol, t MsgType) string {
	if reg, ok := c.reg.lookup(wireKind{protocol: p, msgType: t}); ok {
		return reg.goType.Name()
	}
	return strconv.Itoa(int(t))
}
