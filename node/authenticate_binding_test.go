package node

import (
	"crypto/ed25519"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
)

// boundConfig is a Config for name whose record key (from seed) is bound by
// ca, checked with name's identity from ca. The certificate is valid from
// before t0, the tests' clock, for years.
func boundConfig(t testing.TB, ca *overlay.CA, name overlay.NodeID, seed byte) Config {
	t.Helper()
	id, err := ca.Identity(name, overlay.CertOptions{NotBefore: t0.Add(-time.Hour), ValidFor: 20 * 365 * 24 * time.Hour})
	require.NoError(t, err)
	s := make([]byte, ed25519.SeedSize)
	s[0], s[1] = seed, 0xb0
	key := ed25519.NewKeyFromSeed(s)
	b, err := id.BindRecordKey(key.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	return Config{Self: overlay.Peer{ID: name, Addr: string(name) + ":7946"}, Datacenter: "dc1",
		Rand: rand.New(rand.NewPCG(uint64(seed), 3)), RecordKey: key, KeyAuthority: id, KeyBinding: &b}
}

// ownRecordOf is cfg's node's signed record, as its Core publishes it.
func ownRecordOf(t testing.TB, cfg Config) catalog.Record {
	t.Helper()
	c, err := New(t0, cfg)
	require.NoError(t, err)
	r, ok := c.Member(cfg.Self.ID)
	require.True(t, ok)
	return r
}

// newTestCA makes a CA valid over boundConfig's certificates.
func newTestCA() (*overlay.CA, error) {
	return overlay.NewCA("test CA", overlay.CertOptions{NotBefore: t0.Add(-2 * time.Hour), ValidFor: 30 * 365 * 24 * time.Hour})
}

func newBoundCore(t *testing.T, ca *overlay.CA) *Core {
	c, err := New(t0, boundConfig(t, ca, "self", 1))
	require.NoError(t, err)
	c.Ready()
	return c
}

// An insider holds a valid certificate from the cluster CA, for its own
// name. It announces a record for "ghost", a node that has not joined yet,
// before the real ghost does: every way it can dress the record fails, and
// the real ghost's record is then taken.
func TestInsiderCannotBindAKeyToAnotherNodesName(t *testing.T) {
	ca, err := newTestCA()
	require.NoError(t, err)
	otherCA, err := newTestCA()
	require.NoError(t, err)
	c := newBoundCore(t, ca)
	peer := overlay.Peer{ID: "evil", Addr: "evil:7946"}

	insider := boundConfig(t, ca, "evil", 2)
	squat := ownRecordOf(t, insider)
	squat.Member = overlay.Peer{ID: "ghost", Addr: "evil:7946"}
	require.NoError(t, squat.Sign(insider.RecordKey))
	ownBinding := *insider.KeyBinding
	renamed := ownBinding
	renamed.Node = "ghost"
	outsider := boundConfig(t, otherCA, "ghost", 2) // binds the insider's key to ghost, under another CA

	for name, tt := range map[string]struct {
		bindings      []overlay.RecordKeyBinding
		forged, unbnd uint64
	}{
		"no binding":                      {nil, 0, 1},
		"the insider's own binding":       {[]overlay.RecordKeyBinding{ownBinding}, 0, 1},
		"the insider's binding, renamed":  {[]overlay.RecordKeyBinding{renamed}, 1, 0},
		"a binding from a CA not trusted": {[]overlay.RecordKeyBinding{*outsider.KeyBinding}, 1, 0},
		"a valid binding of another key":  {[]overlay.RecordKeyBinding{*boundConfig(t, ca, "ghost", 9).KeyBinding}, 1, 0},
	} {
		before := c.Stats()
		c.Step(t0, peer, Records{Records: []catalog.Record{squat}, Bindings: tt.bindings})
		after := c.Stats()
		assert.Equal(t, tt.forged, after.ForgedRecords-before.ForgedRecords, "%s: forged", name)
		assert.Equal(t, tt.unbnd, after.UnboundRecords-before.UnboundRecords, "%s: unbound", name)
		_, held := c.Member("ghost")
		require.False(t, held, name)
	}
	squatMsg, err := c.Codec().Marshal(RecordUpdate{Record: squat, Binding: &renamed})
	require.NoError(t, err)
	before := c.Stats().ForgedRecords
	c.onDeliver(t0, plumtree.Deliver{Payload: squatMsg, Round: 1})
	assert.Equal(t, before+1, c.Stats().ForgedRecords, "by broadcast too")

	ghostCfg := boundConfig(t, ca, "ghost", 3)
	real := ownRecordOf(t, ghostCfg)
	realMsg, err := c.Codec().Marshal(RecordUpdate{Record: real, Binding: ghostCfg.KeyBinding})
	require.NoError(t, err)
	c.onDeliver(t0, plumtree.Deliver{Payload: realMsg, Round: 1})
	got, held := c.Member("ghost")
	require.True(t, held, "the real ghost's record, with its binding, is taken")
	assert.True(t, catalog.SameOwnerPart(&got, &real))

	// Bound now, the insider's key is refused even with no binding needed.
	before = c.Stats().ForgedRecords
	squat.Version = real.Version + 1
	require.NoError(t, squat.Sign(insider.RecordKey))
	c.Step(t0, peer, Records{Records: []catalog.Record{squat}})
	assert.Equal(t, before+1, c.Stats().ForgedRecords)
}

// A Records without bindings, as anti-entropy sends, of a member this node
// does not hold makes it ask the sender for the member's binding; the
// answer carries it, and the record is taken.
func TestUnboundRecordsAreFetchedWithTheirBindings(t *testing.T) {
	ca, err := newTestCA()
	require.NoError(t, err)
	c := newBoundCore(t, ca)
	relayCfg := boundConfig(t, ca, "relay", 4)
	relay, err := New(t0, relayCfg)
	require.NoError(t, err)
	ownerCfg := boundConfig(t, ca, "owner", 5)
	owner := ownRecordOf(t, ownerCfg)
	relay.Step(t0, overlay.Peer{ID: "owner", Addr: "owner:7946"}, Records{Records: []catalog.Record{owner}, Bindings: []overlay.RecordKeyBinding{*ownerCfg.KeyBinding}})
	_, ok := relay.Member("owner")
	require.True(t, ok)
	relay.Ready()

	c.Step(t0, relay.Self(), Records{Records: []catalog.Record{owner}})
	assert.Equal(t, uint64(1), c.Stats().UnboundRecords)
	out := c.Ready().Messages
	require.Len(t, out, 1)
	require.Equal(t, SyncRequest{Members: []overlay.NodeID{"owner"}}, out[0].Msg)

	relay.Step(t0, c.Self(), out[0].Msg)
	answer := relay.Ready().Messages
	require.Len(t, answer, 1)
	m := answer[0].Msg.(Records)
	require.Len(t, m.Bindings, 1, "the answer carries the binding")
	c.Step(t0, relay.Self(), m)
	_, ok = c.Member("owner")
	assert.True(t, ok)
	assert.Empty(t, c.Ready().Messages, "no request answers an answer")
}

// A cluster bound by a CA converges although node 0 and node 2 never
// exchange a message: node 2 takes node 0's record, relayed by others,
// because it carries node 0's binding.
func TestBoundClusterTakesRecordsOfNodesItNeverReached(t *testing.T) {
	ca, err := newTestCA()
	require.NoError(t, err)
	tc := newTestCluster(t, 5, func(i int, cfg *Config) {
		b := boundConfig(t, ca, cfg.Self.ID, byte(10+i))
		cfg.RecordKey, cfg.KeyAuthority, cfg.KeyBinding = b.RecordKey, b.KeyAuthority, b.KeyBinding
	})
	tc.blocked = map[[2]int]bool{{0, 2}: true, {2, 0}: true}
	for i := 1; i < len(tc.cores); i++ {
		contact := 0
		if i == 2 {
			contact = 1
		}
		tc.cores[i].Join(tc.now, tc.cores[contact].Self())
		tc.flush(i)
	}
	require.True(t, tc.waitFor(60*time.Second, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }),
		"every node holds every other alive")
	for i, c := range tc.cores {
		assert.Zero(t, c.Stats().ForgedRecords, "node %d", i)
	}
	require.False(t, tc.delivered[[2]int{0, 2}] || tc.delivered[[2]int{2, 0}], "nodes 0 and 2 never exchanged a message")
	require.NoError(t, tc.cores[0].RegisterService(tc.now, web))
	tc.flush(0)
	require.True(t, tc.waitFor(10*time.Second, func() bool {
		return len(tc.cores[2].Nearest(catalog.Query{Service: "web", N: 1}).Instances) == 1
	}), "node 2 finds node 0's service")
}

func TestConfigRequiresABindingOfTheRecordKey(t *testing.T) {
	ca, err := newTestCA()
	require.NoError(t, err)
	for name, edit := range map[string]func(*Config){
		"no binding":             func(c *Config) { c.KeyBinding = nil },
		"no record key":          func(c *Config) { c.RecordKey = nil },
		"a binding of another":   func(c *Config) { c.KeyBinding = boundConfig(t, ca, "other", 2).KeyBinding },
		"a binding of other key": func(c *Config) { c.RecordKey = boundConfig(t, ca, "self", 2).RecordKey },
	} {
		cfg := boundConfig(t, ca, "self", 1)
		edit(&cfg)
		_, err := New(t0, cfg)
		assert.ErrorIs(t, err, ErrInvalidConfig, name)
	}
}
