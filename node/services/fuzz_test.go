package services_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/services"
)

// FuzzParse feeds arbitrary bytes to the definition parser: it must never
// panic, must refuse with a FieldError, and what it accepts must survive
// a round trip through MarshalJSON unchanged.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`{"Name":"web"}`,
		`{"ID":"w","Name":"web","Port":80,"Tags":["a"],"Meta":{"k":"v"},"Check":{"HTTP":"http://h/","Interval":"10s"},"Checks":null}`,
		`{"name":"x","checks":[{"ttl":"1m","status":"passing"},{"tcp":"h:1","interval":1000000000,"deregister_critical_service_after":"2m"}]}`,
		`{"Services":[{"Name":"a"}]}`, `[{"Name":"a"}]`, `{"Name":"a","Weights":{"Passing":1}}`, `{`, `null`, `"x"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := services.Parse(data)
		if err != nil {
			var fe *services.FieldError
			require.True(t, errors.As(err, &fe), "%v", err)
			return
		}
		b, err := json.Marshal(d)
		require.NoError(t, err)
		again, err := services.Parse(b)
		require.NoError(t, err, "%s", b)
		require.Equal(t, d, again)
		_, _ = services.ParseFile(data)
	})
}
