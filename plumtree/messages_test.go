package plumtree

import (
	"fmt"
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newCodec(t testing.TB) *overlay.Codec {
	t.Helper()
	reg := overlay.NewRegistry()
	require.NoError(t, RegisterMessages(reg))
	c, err := overlay.NewCodec(overlay.Limits{}, reg)
	require.NoError(t, err)
	return c
}

func TestMessagesRoundTripThroughCodec(t *testing.T) {
	c := newCodec(t)
	tests := []struct {
		msg      overlay.Message
		wantType overlay.MsgType
	}{
		{Gossip{ID: mid(7), Round: 3, Payload: []byte("hello")}, TypeGossip},
		{IHave{Entries: []IHaveEntry{{ID: mid(1), Round: 2, Waited: 1500 * time.Microsecond}, {ID: mid(2), Round: 9}}}, TypeIHave},
		{Graft{ID: mid(4)}, TypeGraft},
		{Graft{}, TypeGraft},
		{Prune{}, TypePrune},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%T", tt.msg), func(t *testing.T) {
			assert.Equal(t, overlay.ProtoPlumtree, tt.msg.Protocol())
			assert.Equal(t, tt.wantType, tt.msg.Type())
			data, err := c.Marshal(tt.msg)
			require.NoError(t, err)
			got, err := c.Unmarshal(data)
			require.NoError(t, err)
			assert.Equal(t, tt.msg, got)
		})
	}
}

func TestRegisterMessagesTwiceFails(t *testing.T) {
	reg := overlay.NewRegistry()
	require.NoError(t, RegisterMessages(reg))
	require.ErrorIs(t, RegisterMessages(reg), overlay.ErrInvalidRegistration)
}
