package catalog

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

func TestNewConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{Self: "self"}, true},
		{"missing self", Config{}, false},
		{"self too long", Config{Self: overlay.NodeID(strings.Repeat("x", overlay.MaxNodeIDLen+1))}, false},
		{"negative max members", Config{Self: "self", MaxMembers: -1}, false},
		{"too many services", Config{Self: "self", MaxServicesPerMember: overlay.DefaultMaxArrayElements + 1}, false},
		{"record bytes above half a frame", Config{Self: "self", MaxRecordBytes: overlay.DefaultMaxFrameBytes}, false},
		{"negative tombstones", Config{Self: "self", MaxTombstones: -1}, false},
		{"negative retention", Config{Self: "self", DeadRetention: -time.Second}, false},
		{"dimensionality above vivaldi's", Config{Self: "self", Dimensionality: 65}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			c, err := New(cfg)
			assert.Equal(t, tt.cfg, cfg, "New must not modify the caller's config")
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, DefaultMaxMembers, c.cfg.MaxMembers)
				assert.Equal(t, DefaultMaxMembers, c.cfg.MaxTombstones)
				assert.Equal(t, DefaultDeadRetention, c.cfg.DeadRetention)
				assert.Equal(t, vivaldi.DefaultDimensionality, c.cfg.Dimensionality)
				return
			}
			assert.ErrorIs(t, err, ErrInvalidConfig)
			assert.Nil(t, c)
		})
	}
}

func TestApplyReportsVisibleChanges(t *testing.T) {
	c := newTestCatalog(t, nil)
	r := owned("a", 1, "dc1", at(0, 0), svc("web-1", "web", Passing))
	steps := []struct {
		name    string
		rec     Record
		changed bool
	}{
		{"new member", r, true},
		{"same record again", r, false},
		{"older liveness", liveness("a", 0, Dead), false},
		{"suspicion", liveness("a", 1, Suspect), true},
		{"same suspicion from another node", liveness("a", 1, Suspect), false},
		{"stale owner data", owned("a", 0, "dc1", nil), false},
		{"newer owner data", owned("a", 2, "dc1", at(1, 1)), true},
	}
	for _, s := range steps {
		changed, err := c.Apply(t0, s.rec)
		require.NoError(t, err, s.name)
		assert.Equal(t, s.changed, changed, s.name)
	}
	got, ok := c.Get("a")
	require.True(t, ok)
	want := owned("a", 2, "dc1", at(1, 1))
	want.Status = Suspect
	assert.Equal(t, want, got)
	assert.Equal(t, Stats{Changed: 3, Unchanged: 4}, c.Stats())
}

func TestApplyKeepsItsOwnCopy(t *testing.T) {
	c := newTestCatalog(t, nil)
	r := owned("a", 1, "dc1", at(1, 2), Service{ID: "s", Name: "web", Health: Passing,
		Tags: []string{"x"}, Meta: map[string]string{"k": "v"}})
	mustApply(t, c, t0, r)
	want := r.Clone()
	r.Coordinate.Vec[0] = 9
	r.Services[0].Tags[0] = "changed"
	r.Services[0].Meta["k"] = "changed"
	got, _ := c.Get("a")
	assert.Equal(t, want, got)
}

func TestMembersAndCounts(t *testing.T) {
	c := newTestCatalog(t, nil)
	mustApply(t, c, t0, liveness("c", 1, Dead), liveness("a", 1, Alive), liveness("d", 1, Left),
		liveness("b", 1, Suspect), liveness("e", 1, Alive))
	var ids []overlay.NodeID
	for _, r := range c.Members() {
		ids = append(ids, r.Member.ID)
	}
	assert.Equal(t, []overlay.NodeID{"a", "b", "c", "d", "e"}, ids)
	assert.Equal(t, Counts{Alive: 2, Suspect: 1, Dead: 1, Left: 1}, c.Counts())
	assert.Equal(t, 3, c.Counts().Live())
	assert.Equal(t, 5, c.Len())
	_, ok := c.Get("zz")
	assert.False(t, ok)
}

func TestApplyRefusesInvalidRecords(t *testing.T) {
	good := func() Record { return owned("a", 1, "dc1", at(0, 0), svc("s1", "web", Passing)) }
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name string
		edit func(r *Record)
	}{
		{"empty ID", func(r *Record) { r.Member.ID = "" }},
		{"address too long", func(r *Record) { r.Member.Addr = long(overlay.MaxAddrLen + 1) }},
		{"status zero", func(r *Record) { r.Status = 0 }},
		{"status out of range", func(r *Record) { r.Status = Left + 1 }},
		{"datacenter too long", func(r *Record) { r.Datacenter = long(MaxDatacenterLen + 1) }},
		{"owner data at version 0", func(r *Record) { r.OwnerIncarnation, r.Version = 0, 0 }},
		{"coordinate of the wrong dimension", func(r *Record) { r.Coordinate = &vivaldi.Coordinate{Vec: []float64{1, 2, 3}} }},
		{"coordinate with a negative height", func(r *Record) { r.Coordinate.Height = -1 }},
		{"services out of order", func(r *Record) { r.Services = []Service{svc("s2", "web", Passing), svc("s1", "web", Passing)} }},
		{"service ID repeated", func(r *Record) { r.Services = []Service{svc("s1", "web", Passing), svc("s1", "db", Passing)} }},
		{"service without ID", func(r *Record) { r.Services[0].ID = "" }},
		{"service without name", func(r *Record) { r.Services[0].Name = "" }},
		{"service name too long", func(r *Record) { r.Services[0].Name = long(MaxServiceNameLen + 1) }},
		{"service address too long", func(r *Record) { r.Services[0].Address = long(overlay.MaxAddrLen + 1) }},
		{"health zero", func(r *Record) { r.Services[0].Health = 0 }},
		{"health out of range", func(r *Record) { r.Services[0].Health = Critical + 1 }},
		{"empty tag", func(r *Record) { r.Services[0].Tags = []string{""} }},
		{"too many tags", func(r *Record) { r.Services[0].Tags = make([]string, MaxTagsPerService+1) }},
		{"too many meta pairs", func(r *Record) {
			r.Services[0].Meta = map[string]string{}
			for i := range MaxMetaPairs + 1 {
				r.Services[0].Meta[fmt.Sprint(i)] = "v"
			}
		}},
		{"empty meta key", func(r *Record) { r.Services[0].Meta = map[string]string{"": "v"} }},
		{"meta value too long", func(r *Record) { r.Services[0].Meta = map[string]string{"k": long(MaxMetaValueLen + 1)} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCatalog(t, nil)
			r := good()
			tt.edit(&r)
			changed, err := c.Apply(t0, r)
			assert.ErrorIs(t, err, ErrInvalidRecord)
			assert.False(t, changed)
			assert.Zero(t, c.Len())
			assert.Equal(t, uint64(1), c.Stats().Invalid)
		})
	}
}

func TestLimits(t *testing.T) {
	t.Run("a full catalog refuses new members but merges known ones", func(t *testing.T) {
		c := newTestCatalog(t, func(cfg *Config) { cfg.MaxMembers = 2 })
		mustApply(t, c, t0, liveness("a", 1, Alive), liveness("b", 1, Alive))
		_, err := c.Apply(t0, liveness("c", 1, Alive))
		assert.ErrorIs(t, err, ErrFull)
		changed, err := c.Apply(t0, liveness("a", 1, Dead))
		require.NoError(t, err)
		assert.True(t, changed)
		assert.Equal(t, 2, c.Len())
		assert.Equal(t, uint64(1), c.Stats().Full)
	})
	t.Run("services per member", func(t *testing.T) {
		c := newTestCatalog(t, func(cfg *Config) { cfg.MaxServicesPerMember = 2 })
		two := owned("a", 1, "dc1", nil, svc("s1", "web", Passing), svc("s2", "web", Passing))
		mustApply(t, c, t0, two)
		three := owned("a", 2, "dc1", nil, svc("s1", "web", Passing), svc("s2", "web", Passing), svc("s3", "web", Passing))
		_, err := c.Apply(t0, three)
		assert.ErrorIs(t, err, ErrInvalidRecord)
		got, _ := c.Get("a")
		assert.Equal(t, two, got)
	})
	t.Run("record size", func(t *testing.T) {
		c := newTestCatalog(t, func(cfg *Config) { cfg.MaxRecordBytes = 1000 })
		fits := owned("a", 1, "dc1", nil, Service{ID: "s", Name: "web", Health: Passing,
			Meta: map[string]string{"k": strings.Repeat("v", 500)}})
		mustApply(t, c, t0, fits)
		tooBig := owned("a", 2, "dc1", nil, Service{ID: "s", Name: "web", Health: Passing,
			Meta: map[string]string{"k": strings.Repeat("v", 500), "l": strings.Repeat("v", 500)}})
		_, err := c.Apply(t0, tooBig)
		assert.ErrorIs(t, err, ErrInvalidRecord)
	})
}

// TestRecordSurvivesCBOR checks that a stored record, with its empty
// fields made nil, comes back identical from the wire encoding.
func TestRecordSurvivesCBOR(t *testing.T) {
	r := owned("a", 3, "dc1", &vivaldi.Coordinate{Vec: []float64{0.001, -0.002}, Error: 0.5, Height: 1e-5},
		Service{ID: "s", Name: "web", Address: "10.0.0.1", Port: 443, Health: Warning,
			Tags: []string{"v2", "tls"}, Meta: map[string]string{"k": "v"}},
		Service{ID: "t", Name: "db", Health: Passing, Tags: []string{}, Meta: map[string]string{}})
	stored := r.Clone()
	enc, err := cbor.CoreDetEncOptions().EncMode()
	require.NoError(t, err)
	data, err := enc.Marshal(stored)
	require.NoError(t, err)
	var back Record
	require.NoError(t, cbor.Unmarshal(data, &back))
	assert.Equal(t, stored, back)
	assert.Equal(t, hashRecord(&stored), hashRecord(&back))
}

func TestSampleDrawsOnlyAcceptedMembers(t *testing.T) {
	c := newTestCatalog(t, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	_, ok := c.Sample(rng, 8, func(Record) bool { return true })
	assert.False(t, ok, "an empty catalog has nothing to draw")

	for i := 0; i < 20; i++ {
		mustApply(t, c, t0, liveness(overlay.NodeID(fmt.Sprintf("m%02d", i)), 1, Alive))
	}
	seen := map[overlay.NodeID]bool{}
	for range 500 {
		r, ok := c.Sample(rng, 8, func(r Record) bool { return r.Member.ID != "m00" })
		require.True(t, ok)
		assert.NotEqual(t, overlay.NodeID("m00"), r.Member.ID)
		seen[r.Member.ID] = true
	}
	assert.GreaterOrEqual(t, len(seen), 19, "every accepted member comes up")
	_, ok = c.Sample(rng, 8, func(Record) bool { return false })
	assert.False(t, ok)
}
