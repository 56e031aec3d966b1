package overlay

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMessageName(t *testing.T) {
	c := newTestCodec(t, Limits{})
	assert.Equal(t, "wireSample", c.MessageName(wireSample{}.Protocol(), wireSample{}.Type()))
	assert.Equal(t, "200", c.MessageName(wireTestProto, 200), "an unknown type is named by its number")
}

func TestDirectionString(t *testing.T) {
	assert.Equal(t, "out", DirectionOut.String())
	assert.Equal(t, "in", DirectionIn.String())
	assert.Equal(t, "unknown", Direction(0).String())
}
