package swim

import (
	"errors"

	"github.com/overlayd/overlayd/overlay"
)

// RegisterMessages adds every SWIM message type to r, so that a codec built
// on r can decode them.
func RegisterMessages(r *overlay.Registry) error {
	return errors.Join(
		overlay.Register[Ping](r),
		overlay.Register[Ack](r),
		overlay.Register[PingReq](r),
		overlay.Register[Nack](r),
		overlay.Register[Suspect](r),
	)
}
