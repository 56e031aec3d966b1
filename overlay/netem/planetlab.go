package netem

import (
	"bytes"
	_ "embed"
	"sync"
	"time"
)

//go:embed planetlab490/rtt_ms.tsv
var planetLab490TSV []byte

// PlanetLab490 returns the bundled all-pairs RTT matrix of 490 PlanetLab
// hosts (Zhu et al., IEEE/ACM ToN 2017, MIT licence; see
// planetlab490/README.md): median RTT 135 ms, p95 325 ms. It is parsed
// once; the matrix is shared and read-only.
func PlanetLab490() (*RTTMatrix, error) { return planetLab490() }

var planetLab490 = sync.OnceValues(func() (*RTTMatrix, error) {
	return ParseRTTMatrix(bytes.NewReader(planetLab490TSV), time.Millisecond)
})
