package overlay

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSetDefaultFillsOnlyZeroFields(t *testing.T) {
	zero, set := 0, 7
	SetDefault(&zero, 5)
	SetDefault(&set, 5)
	assert.Equal(t, 5, zero)
	assert.Equal(t, 7, set)

	negative := -time.Second // nonsense is left for Validate to reject
	SetDefault(&negative, time.Minute)
	assert.Equal(t, -time.Second, negative)
}
