package evaluator

import (
	"github.com/alerter/alerter/flap"
	"github.com/alerter/alerter/rules"
)

// flapConfig resolves a rule's flap detection: its own flap_detection
// block over its group's, over the global default; keys no level sets
// take flap's defaults. Off when no level has a block, or when the
// resolved cycles are 0.
func flapConfig(global, group, rule *rules.FlapDetection) flap.Config {
	f := global.Over(group).Over(rule)
	if f == nil {
		return flap.Config{}
	}
	c := flap.Config{Cycles: flap.DefaultCycles, Window: flap.DefaultWindow, StableFor: flap.DefaultStableFor}
	if f.Cycles != nil {
		c.Cycles = *f.Cycles
	}
	if f.Window != nil {
		c.Window = *f.Window
	}
	if f.StableFor != nil {
		c.StableFor = *f.StableFor
	}
	if c.Cycles == 0 {
		return flap.Config{}
	}
	return c
}
