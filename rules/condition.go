package rules

import (
	"fmt"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Env is what a condition sees for one series: `value` and `labels`.
type Env struct {
	Value  float64           `expr:"value"`
	Labels map[string]string `expr:"labels"`
}

// Condition is an expr-lang expression compiled once at load against Env
// and checked to return a boolean. Common shapes also get a fast path
// (see Fast) that runs without the VM.
type Condition struct {
	// Source is the expression as written.
	Source  string
	program *vm.Program
	fast    boolFn
	// band contains every series for which the condition holds, and
	// notBand every series for which it does not (see band); valid only
	// when fast is set.
	band, notBand band
}

// CompileCondition compiles src against Env. The error, when not nil, is
// expr-lang's own and carries the line and column inside src.
func CompileCondition(src string) (*Condition, error) {
	p, err := expr.Compile(src, expr.Env(Env{}), expr.AsBool())
	if err != nil {
		return nil, err
	}
	c := &Condition{Source: src, program: p}
	if tree := parseFast(src); tree != nil {
		if c.fast, _ = fastBool(tree); c.fast != nil {
			c.band, c.notBand = conditionBand(tree, false), conditionBand(tree, true)
		}
	}
	return c, nil
}

// Eval runs the condition for one series. m may be nil; passing a VM that
// the caller reuses across series avoids an allocation per call.
func (c *Condition) Eval(m *vm.VM, env *Env) (bool, error) {
	var (
		out any
		err error
	)
	if m != nil {
		out, err = m.Run(c.program, env)
	} else {
		out, err = expr.Run(c.program, env)
	}
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("condition %q returned %T, not bool", c.Source, out)
	}
	return b, nil
}
