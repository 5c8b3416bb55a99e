//go:build race

package promtest

// raceEnabled reports whether this test binary was built with -race.
const raceEnabled = true
