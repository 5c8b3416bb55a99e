package rules

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/expr-lang/expr/vm"
)

// mapSource reads labels from a map, as Env.Labels holds them.
type mapSource map[string]string

func (m mapSource) Label(name string) string { return m[name] }

var (
	diffValues = []float64{0, 1, -1, 0.5, 0.9, 0.95, 2, 100, math.NaN(), math.Inf(1), math.Inf(-1), 1e300, math.Copysign(0, -1), 9007199254740993}
	diffLabels = []map[string]string{
		{},
		{"env": "prod", "job": "node", "instance": "a:1"},
		{"env": "dev", "job": "api", "instance": "b:2", "__name__": "up"},
		{"env": "", "job": "node"},
		{"env": "Prod", "route": "/internal/x"},
		{"env": "prod-eu", "route": "/api/v1", "x": "ab"},
	}
)

// checkSame fails unless the fast path and the VM agree on src for every
// value and label set of the tables.
func checkSame(t *testing.T, src string, c *Condition) {
	t.Helper()
	var m vm.VM
	for _, v := range diffValues {
		for _, ls := range diffLabels {
			want, err := c.Eval(&m, &Env{Value: v, Labels: ls})
			if err != nil {
				t.Fatalf("%s: VM error %v for value %v labels %v, but it has a fast path", src, err, v, ls)
			}
			if got := c.EvalFast(v, mapSource(ls)); got != want {
				t.Fatalf("%s: fast path %v, VM %v, for value %v labels %v", src, got, want, v, ls)
			}
		}
	}
}

func TestFastPathCoversCommonConditions(t *testing.T) {
	for _, src := range []string{
		`value > 0.9`,
		`value > 0.9 && labels.env == "prod"`,
		`value >= 1 and labels["env"] != "dev"`,
		`0.5 < value`,
		`value == 0 || value != value`,
		`value * 100 > 90`,
		`(value - 1) / 2 <= -0.25`,
		`-value < -1`,
		`+value > 1`,
		`value > value / 2 * 3`,
		`!(value > 1)`,
		`not (labels.env == "prod")`,
		`"prod" == labels.env`,
		`labels.env matches "^pro"`,
		`labels.env not matches "d$"`,
		`labels.env in ["prod", "dev"]`,
		`labels.env not in ["prod", ""]`,
		`value in [0, 1, 2.0]`,
		`labels.route startsWith "/internal"`,
		`labels.route endsWith "/x" || labels.x contains "b"`,
		`labels.env == labels.job`,
		`labels.env < "p"`,
		`labels.missing == ""`,
		`true`,
		`false || value > 1`,
	} {
		c, err := CompileCondition(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if !c.Fast() {
			t.Errorf("%s: no fast path", src)
			continue
		}
		checkSame(t, src, c)
	}
}

func TestFastPathLeavesOthersToTheVM(t *testing.T) {
	for _, src := range []string{
		`len(labels.env) > 2`,
		`labels?.env == "prod"`,
		`value > 1 + 2`,
		`1 < 2`,
		`labels.env == nil`,
		`value ** 2 > 1`,
		`(value > 1) == true`,
		`labels.env in ["prod", 1]`,
		`labels.env matches labels.job`,
		`let x = value; x > 1`,
		`value > 1 ? true : false`,
		`labels[labels.job] == "x"`,
		`upper(labels.env) == "PROD"`,
		`labels.env == "prod" && len(labels) > 1`,
	} {
		c, err := CompileCondition(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if c.Fast() {
			t.Errorf("%s: has a fast path", src)
		}
		var m vm.VM
		if _, err := c.Eval(&m, &Env{Value: 1, Labels: map[string]string{"env": "prod", "job": "x"}}); err != nil {
			t.Errorf("%s: VM: %v", src, err)
		}
	}
}

// genCondition writes a random condition, mostly within the fast path's
// subset, sometimes outside it.
func genCondition(r *rand.Rand, depth int) string {
	if depth <= 0 || r.IntN(3) == 0 {
		return genLeaf(r)
	}
	switch r.IntN(4) {
	case 0:
		return "!(" + genCondition(r, depth-1) + ")"
	case 1:
		return "(" + genCondition(r, depth-1) + " && " + genCondition(r, depth-1) + ")"
	case 2:
		return "(" + genCondition(r, depth-1) + " || " + genCondition(r, depth-1) + ")"
	default:
		return "not (" + genCondition(r, depth-1) + ")"
	}
}

func pick(r *rand.Rand, xs ...string) string { return xs[r.IntN(len(xs))] }

func genNum(r *rand.Rand, depth int) string {
	if depth <= 0 || r.IntN(2) == 0 {
		return pick(r, "value", "value", "0", "1", "-1", "0.9", "2.5", "-0.5", "100", "9007199254740993", "1e300", "0.0")
	}
	return "(" + genNum(r, depth-1) + " " + pick(r, "+", "-", "*", "/") + " " + genNum(r, depth-1) + ")"
}

func genStr(r *rand.Rand) string {
	return pick(r, `labels.env`, `labels["env"]`, `labels.job`, `labels.route`, `labels.x`, `labels.missing`,
		`"prod"`, `"dev"`, `""`, `"a"`, `"/internal"`, `"Prod"`)
}

func genLeaf(r *rand.Rand) string {
	switch r.IntN(8) {
	case 0, 1:
		return genNum(r, 2) + " " + pick(r, "==", "!=", "<", ">", "<=", ">=") + " " + genNum(r, 2)
	case 2, 3:
		return genStr(r) + " " + pick(r, "==", "!=", "<", ">", "<=", ">=") + " " + genStr(r)
	case 4:
		return genStr(r) + " " + pick(r, "matches", "not matches") + " " + pick(r, `"^pro"`, `"d$"`, `"a|b"`, `""`, `"(?i)PROD"`)
	case 5:
		return genStr(r) + " " + pick(r, "startsWith", "endsWith", "contains") + " " + genStr(r)
	case 6:
		if r.IntN(2) == 0 {
			return genNum(r, 1) + " " + pick(r, "in", "not in") + " [" + genNum(r, 0) + ", " + genNum(r, 0) + "]"
		}
		return genStr(r) + " " + pick(r, "in", "not in") + " [" + genStr(r) + ", " + pick(r, `"prod"`, `""`) + "]"
	default:
		return pick(r, "true", "false", `len(labels.env) > 3`, `labels?.x == "ab"`, `value > 1 ? true : false`)
	}
}

func TestFastPathMatchesVMOnRandomConditions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for range 3000 {
		src := genCondition(r, 3)
		c, err := CompileCondition(src)
		if err != nil {
			continue // e.g. a literal-only comparison the checker rejects
		}
		if c.Fast() {
			fast++
			checkSame(t, src, c)
		}
	}
	if fast < 1000 {
		t.Fatalf("only %d random conditions got a fast path", fast)
	}
}

// FuzzFastPath checks that, for any condition that compiles and has a
// fast path, the fast path and expr-lang's VM agree.
func FuzzFastPath(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		f.Add(genCondition(r, 3), 0.95, "env=prod,job=node")
	}
	f.Add(`value > 0.9 && labels.env == "prod"`, math.NaN(), "env=")
	f.Fuzz(func(t *testing.T, src string, value float64, labels string) {
		c, err := CompileCondition(src)
		if err != nil || !c.Fast() {
			return
		}
		ls := map[string]string{}
		for _, kv := range strings.Split(labels, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				ls[k] = v
			}
		}
		var m vm.VM
		want, err := c.Eval(&m, &Env{Value: value, Labels: ls})
		if err != nil {
			t.Fatalf("%s: VM error %v, but it has a fast path", src, err)
		}
		if got := c.EvalFast(value, mapSource(ls)); got != want {
			t.Fatalf("%s: fast path %v, VM %v, for value %v labels %v", src, got, want, value, ls)
		}
		checkSame(t, src, c)
	})
}
