package node

import (
	"fmt"

	"github.com/overlayd/overlayd/hyparview"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
	"github.com/overlayd/overlayd/swim"
)

// NewRegistry returns a registry of every message a Core sends and
// receives.
func NewRegistry() (*overlay.Registry, error) {
	reg := overlay.NewRegistry()
	for _, register := range []func(*overlay.Registry) error{
		hyparview.RegisterMessages, plumtree.RegisterMessages, swim.RegisterMessages, RegisterMessages,
	} {
		if err := register(reg); err != nil {
			return nil, fmt.Errorf("node: registering messages: %w", err)
		}
	}
	return reg, nil
}

// NewCodec returns a codec for every message a Core sends and receives,
// under the default limits. A transport that carries a Core's messages
// encodes and decodes them with it.
func NewCodec() (*overlay.Codec, error) {
	reg, err := NewRegistry()
	if err != nil {
		return nil, err
	}
	return overlay.NewCodec(overlay.Limits{}, reg)
}
