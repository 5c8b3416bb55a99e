package load

import (
	"reflect"
	"testing"
)

func TestFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string {
		return func(k string) string { return kv[k] }
	}
	c, err := FromEnv(env(nil))
	if err != nil || c.Full || c.Storage != StorageSQLite {
		t.Fatalf("no variables: full=%v, storage=%q, err=%v; want the smoke run on SQLite", c.Full, c.Storage, err)
	}
	if c, err := FromEnv(env(map[string]string{EnvStorage: "postgres"})); err != nil || c.Storage != StoragePostgres {
		t.Fatalf("%s=postgres: storage=%q, err=%v", EnvStorage, c.Storage, err)
	}
	c, err = FromEnv(env(map[string]string{
		EnvFull:      "1",
		EnvScenarios: "storm, scale",
		EnvScale:     "1000x100k,10000x1m",
		EnvInterval:  "15s",
		EnvStorm:     "100k",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []ScaleCase{{1000, 100_000}, {10_000, 1_000_000}}
	if !c.Full || !reflect.DeepEqual(c.ScaleCases, want) || !reflect.DeepEqual(c.Scenarios, []string{"storm", "scale"}) || c.ScaleInterval.Seconds() != 15 || c.StormSeries != 100_000 {
		t.Errorf("got full=%v cases=%v scenarios=%v interval=%v", c.Full, c.ScaleCases, c.Scenarios, c.ScaleInterval)
	}
	for _, bad := range []map[string]string{
		{EnvScenarios: "scale,nope"},
		{EnvScale: "1000"},
		{EnvScale: "3x1000"},    // 333.3 series per rule
		{EnvScale: "1000x500k"}, // 500 per rule: no such slice label
		{EnvInterval: "10ms"},   // below 1s
		{EnvScale: "5x5k"},      // smoke: 1 slice of 1000 for 5 rules a group
		{EnvStorage: "mysql"},
		{EnvStorm: "lots"},
		{EnvStorm: "155"}, // not a multiple of the shards
	} {
		if _, err := FromEnv(env(bad)); err == nil {
			t.Errorf("FromEnv(%v): no error", bad)
		}
	}
}

func TestFullMatrixIsValid(t *testing.T) {
	if err := Full().validate(); err != nil {
		t.Fatal(err)
	}
	if err := Smoke().validate(); err != nil {
		t.Fatal(err)
	}
}

func TestCyclesFromEnv(t *testing.T) {
	env := map[string]string{EnvCycles: "4"}
	c, err := FromEnv(func(k string) string { return env[k] })
	if err != nil || c.Cycles != 4 {
		t.Fatalf("%v %v", c.Cycles, err)
	}
	env[EnvCycles] = "0"
	if _, err := FromEnv(func(k string) string { return env[k] }); err == nil {
		t.Fatal("0 cycles accepted")
	}
	delete(env, EnvCycles)
	if c, _ := FromEnv(func(k string) string { return env[k] }); c.Cycles != 1 {
		t.Fatalf("default %d cycles", c.Cycles)
	}
}
