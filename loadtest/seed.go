package main

// subSeed derives an independent seed from a run's seed and a path of
// labels (phase, failure percentage, node index …), so that every random
// stream of an experiment is reproducible on its own. It chains the
// SplitMix64 finaliser (Steele, Lea and Flood, OOPSLA 2014).
func subSeed(seed uint64, labels ...uint64) uint64 {
	h := seed
	for _, l := range labels {
		h = splitmix(h ^ splitmix(l+0x9e3779b97f4a7c15))
	}
	return h
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
