package overlay

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wireCounter is a message type that is not a struct.
type wireCounter uint32

func (wireCounter) Protocol() Protocol { return wireTestProto }
func (wireCounter) Type() MsgType      { return 5 }

// wireNoProtocol reports protocol zero, which is never valid on the wire.
type wireNoProtocol struct{}

func (wireNoProtocol) Protocol() Protocol { return 0 }
func (wireNoProtocol) Type() MsgType      { return 1 }

// wireOtherProto has the type number of wirePeers under another protocol.
type wireOtherProto struct{}

func (wireOtherProto) Protocol() Protocol { return ProtoPlumtree }
func (wireOtherProto) Type() MsgType      { return 1 }

func TestRegister(t *testing.T) {
	tests := []struct {
		name     string
		register func(*Registry) error
		wantErr  error
	}{
		{name: "new struct type", register: Register[wireEmpty]},
		{name: "taken type number, other protocol", register: Register[wireOtherProto]},
		{name: "same type twice", register: Register[wireSample], wantErr: ErrInvalidRegistration},
		{name: "another type on a taken pair", register: Register[wireImpostor], wantErr: ErrInvalidRegistration},
		{name: "pointer type", register: Register[*wireUnregistered], wantErr: ErrInvalidRegistration},
		{name: "non-struct type", register: Register[wireCounter], wantErr: ErrInvalidRegistration},
		{name: "protocol zero", register: Register[wireNoProtocol], wantErr: ErrInvalidRegistration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRegistry()
			require.NoError(t, Register[wirePeers](r))
			require.NoError(t, Register[wireSample](r))

			err := tt.register(r)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestZeroRegistryIsUsable(t *testing.T) {
	var r Registry
	_, ok := r.lookup(kindOf(wirePeers{}))
	assert.False(t, ok)
	require.NoError(t, Register[wirePeers](&r))
	reg, ok := r.lookup(kindOf(wirePeers{}))
	require.True(t, ok)
	assert.Equal(t, "overlay.wirePeers", reg.goType.String())
}

func TestRegisteredMessagesDecodeAsValues(t *testing.T) {
	c := newTestCodec(t, Limits{})
	for name, m := range sampleMessages() {
		t.Run(name, func(t *testing.T) {
			data, err := c.Marshal(m)
			require.NoError(t, err)
			got, err := c.Unmarshal(data)
			require.NoError(t, err)
			assert.IsType(t, m, got, "decoded as the registered value type, not a pointer")
		})
	}
}
