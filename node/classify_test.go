package node

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/overlayd/overlayd/hyparview"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
	"github.com/overlayd/overlayd/swim"
)

func TestClassify(t *testing.T) {
	var _ overlay.Classifier = Classify
	membership := overlay.Class{Priority: overlay.PriorityMembership}
	for _, tc := range []struct {
		msg  overlay.Message
		want overlay.Class
	}{
		{swim.Ping{}, overlay.Class{Priority: overlay.PriorityMembership, Datagram: true}},
		{swim.Ack{}, overlay.Class{Priority: overlay.PriorityMembership, Datagram: true}},
		{hyparview.Shuffle{}, membership},
		{plumtree.Graft{}, membership},
		{plumtree.Gossip{}, overlay.Class{Priority: overlay.PriorityPayload}},
		{plumtree.IHave{}, overlay.Class{Priority: overlay.PriorityLazy}},
		{Records{}, overlay.Class{Priority: overlay.PriorityPayload}},
		{SampleRequest{}, overlay.Class{Priority: overlay.PriorityLazy, Datagram: true}},
		{CoordinateSample{}, overlay.Class{Priority: overlay.PriorityLazy, Datagram: true}},
		{unknownMessage{}, overlay.Class{Priority: overlay.PriorityPayload}},
	} {
		assert.Equal(t, tc.want, Classify(tc.msg), "%T", tc.msg)
	}
}
