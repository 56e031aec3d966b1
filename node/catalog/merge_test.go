package catalog

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/overlayd/overlayd/vivaldi"
)

func TestMerge(t *testing.T) {
	web := owned("a", 1, "dc1", at(1, 0), svc("web-1", "web", Passing))
	webV2 := owned("a", 2, "dc2", at(2, 0), svc("web-1", "web", Warning), svc("web-2", "web", Passing))
	webV2.Member.Addr = "a:8000"
	restarted := owned("a", 1, "dc1", nil)
	restarted.OwnerIncarnation = 2
	withLiveness := func(r Record, inc uint64, s Status) Record {
		r.Incarnation, r.Status = inc, s
		return r
	}
	tests := []struct {
		name string
		a, b Record
		want Record
	}{
		{"higher incarnation wins over stronger status", liveness("a", 2, Alive), liveness("a", 1, Dead), liveness("a", 2, Alive)},
		{"suspect beats alive at equal incarnation", liveness("a", 3, Alive), liveness("a", 3, Suspect), liveness("a", 3, Suspect)},
		{"dead beats suspect at equal incarnation", liveness("a", 3, Suspect), liveness("a", 3, Dead), liveness("a", 3, Dead)},
		{"left beats dead at equal incarnation", liveness("a", 3, Dead), liveness("a", 3, Left), liveness("a", 3, Left)},
		{"left beats alive at equal incarnation", liveness("a", 3, Alive), liveness("a", 3, Left), liveness("a", 3, Left)},
		{"refutation: alive at a higher incarnation beats dead", liveness("a", 3, Dead), liveness("a", 4, Alive), liveness("a", 4, Alive)},
		{"liveness-only suspect keeps owner data", web, liveness("a", 1, Suspect), withLiveness(web, 1, Suspect)},
		{"liveness-only record at a lower incarnation changes nothing", withLiveness(web, 5, Alive), liveness("a", 4, Dead), withLiveness(web, 5, Alive)},
		{"higher version replaces every owner field", web, webV2, webV2},
		{"higher owner incarnation beats higher version", webV2, restarted, restarted},
		{"newer liveness and newer owner part from different records",
			withLiveness(web, 7, Suspect), withLiveness(webV2, 6, Alive), withLiveness(webV2, 7, Suspect)},
		{"identical records", web, web, web},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Merge(tt.a, tt.b))
			assert.Equal(t, tt.want, Merge(tt.b, tt.a))
		})
	}
}

func TestMergeOfDifferentMembersReturnsFirst(t *testing.T) {
	a := owned("a", 1, "dc1", nil)
	assert.Equal(t, a, Merge(a, owned("b", 9, "dc9", nil)))
}

// TestMergeTieIsDeterministic gives two different owner parts under one
// (OwnerIncarnation, Version), as only a buggy member would: each field in
// turn differs, and the greater must win in both orders.
func TestMergeTieIsDeterministic(t *testing.T) {
	base := owned("a", 3, "dc1", at(1, 1), Service{ID: "s", Name: "web", Port: 80, Health: Passing,
		Tags: []string{"x"}, Meta: map[string]string{"k": "v"}})
	tests := []struct {
		name string
		edit func(r *Record)
	}{
		{"datacenter", func(r *Record) { r.Datacenter = "dc2" }},
		{"address", func(r *Record) { r.Member.Addr = "zz:1" }},
		{"coordinate present", func(r *Record) { r.Coordinate = nil }},
		{"coordinate component", func(r *Record) { r.Coordinate = at(1, 2) }},
		{"coordinate signed zero", func(r *Record) { r.Coordinate = at(1, math.Copysign(0, -1)) }},
		{"coordinate height", func(r *Record) { r.Coordinate = &vivaldi.Coordinate{Vec: []float64{1, 1}, Height: 0.1} }},
		{"service count", func(r *Record) { r.Services = append(r.Services, svc("t", "web", Passing)) }},
		{"services nil", func(r *Record) { r.Services = nil }},
		{"service port", func(r *Record) { r.Services[0].Port = 81 }},
		{"service health", func(r *Record) { r.Services[0].Health = Critical }},
		{"service tags", func(r *Record) { r.Services[0].Tags = []string{"y"} }},
		{"service tags empty vs nil", func(r *Record) { r.Services[0].Tags = []string{} }},
		{"service meta value", func(r *Record) { r.Services[0].Meta = map[string]string{"k": "w"} }},
		{"service meta key", func(r *Record) { r.Services[0].Meta = map[string]string{"j": "v"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := base.Clone()
			tt.edit(&other)
			ab, ba := Merge(base, other), Merge(other, base)
			assert.Equal(t, ab, ba)
			assert.True(t, cmpOwner(&ab, &base) >= 0 && cmpOwner(&ab, &other) >= 0, "the greater owner part wins")
			assert.NotZero(t, cmpOwner(&base, &other), "different owner parts never tie")
		})
	}
}

func TestStatusAndHealthString(t *testing.T) {
	assert.Equal(t, []string{"Status(0)", "alive", "suspect", "dead", "left", "Status(5)"},
		[]string{Status(0).String(), Alive.String(), Suspect.String(), Dead.String(), Left.String(), Status(5).String()})
	assert.Equal(t, []string{"Health(0)", "passing", "warning", "critical", "Health(4)"},
		[]string{Health(0).String(), Passing.String(), Warning.String(), Critical.String(), Health(4).String()})
}
