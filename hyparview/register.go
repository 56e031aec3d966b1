package hyparview

import (
	"errors"

	"github.com/overlayd/overlayd/overlay"
)

// RegisterMessages adds every HyParView message type to r, so that a codec
// built on r can decode them.
func RegisterMessages(r *overlay.Registry) error {
	return errors.Join(
		overlay.Register[Join](r),
		overlay.Register[ForwardJoin](r),
		overlay.Register[Neighbor](r),
		overlay.Register[NeighborReply](r),
		overlay.Register[Disconnect](r),
		overlay.Register[Shuffle](r),
		overlay.Register[ShuffleReply](r),
	)
}
