package overlay

import (
	"fmt"
	"maps"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/fxamacker/cbor/v2"
)

// wireKind is the (protocol, type) pair that names a message on the wire.
type wireKind struct {
	protocol Protocol
	msgType  MsgType
}

func kindOf(m Message) wireKind {
	return wireKind{protocol: m.Protocol(), msgType: m.Type()}
}

func (k wireKind) String() string {
	return fmt.Sprintf("%s(%d)/%d", k.protocol, uint8(k.protocol), k.msgType)
}

// registration is what the registry knows about one message type.
type registration struct {
	goType reflect.Type
	// decode unmarshals a body into a fresh value of goType.
	decode func(dm cbor.DecMode, body []byte) (Message, error)
}

// Registry maps the (protocol, type) pair of an envelope to the Go type its
// body decodes into. Each protocol package fills it through [Register],
// usually from its RegisterMessages function.
//
// Lookups take no lock, so a Registry may be shared by any number of
// codecs and goroutines; registering while others decode is also safe,
// though normally all registration happens at startup.
type Registry struct {
	mu    sync.Mutex // serialises writers
	kinds atomic.Pointer[map[wireKind]registration]
}

// NewRegistry returns an empty registry. The zero Registry is also empty
// and ready to use.
func NewRegistry() *Registry {
	return &Registry{}
}

// Register adds the message type T to r under the (protocol, type) pair
// that the zero T reports. T must be a struct type; a decoded message is
// returned as a T value, never a pointer. Registering protocol zero or a
// pair that is already taken fails with [ErrInvalidRegistration].
func Register[T Message](r *Registry) error {
	goType := reflect.TypeFor[T]()
	if goType.Kind() != reflect.Struct {
		return fmt.Errorf("%w: %s is a %s, want a struct type", ErrInvalidRegistration, goType, goType.Kind())
	}
	var zero T
	k := kindOf(zero)
	if k.protocol == 0 {
		return fmt.Errorf("%w: %s reports protocol 0", ErrInvalidRegistration, goType)
	}
	return r.add(k, registration{
		goType: goType,
		decode: func(dm cbor.DecMode, body []byte) (Message, error) {
			var m T
			if err := dm.Unmarshal(body, &m); err != nil {
				return nil, err
			}
			return m, nil
		},
	})
}

// add stores reg under k by copying the map, so that readers never see a
// map being written.
func (r *Registry) add(k wireKind, reg registration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var old map[wireKind]registration
	if p := r.kinds.Load(); p != nil {
		old = *p
	}
	if prev, taken := old[k]; taken {
		return fmt.Errorf("%w: %s already registered to %s, cannot register %s",
			ErrInvalidRegistration, k, prev.goType, reg.goType)
	}
	next := maps.Clone(old)
	if next == nil {
		next = make(map[wireKind]registration, 1)
	}
	next[k] = reg
	r.kinds.Store(&next)
	return nil
}

// lookup returns the registration for k.
func (r *Registry) lookup(k wireKind) (registration, bool) {
	p := r.kinds.Load()
	if p == nil {
		return registration{}, false
	}
	reg, ok := (*p)[k]
	return reg, ok
}
