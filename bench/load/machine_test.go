package load

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// preamble describes the run: when, on what, with which versions.
func preamble(t *testing.T, b *bench) []string {
	t.Helper()
	mode := "smoke (set " + EnvFull + "=1 for the full matrix)"
	if b.cfg.Full {
		mode = "full"
	}
	promVersion := "?"
	for v := range b.scrapeProm(t).ByLabel("prometheus_build_info", "version") {
		promVersion = v
	}
	return []string{
		fmt.Sprintf("Load harness run %s, mode %s.", time.Now().UTC().Format("2006-01-02 15:04 MST"), mode),
		"",
		fmt.Sprintf("Machine: %s, %d CPUs, %s memory; %s; Prometheus %s (%s series stored, scraped every %s); alerter's state on %s.",
			cpuModel(), runtime.NumCPU(), memTotal(), runtime.Version(), promVersion,
			thousands(b.cfg.StoredSeries), b.cfg.ScrapeInterval, b.cfg.Storage),
	}
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	return procField("/proc/cpuinfo", "model name", "unknown CPU")
}

// memTotal is MemTotal of /proc/meminfo in GiB.
func memTotal() string {
	v := procField("/proc/meminfo", "MemTotal", "")
	var kb float64
	if _, err := fmt.Sscanf(v, "%f kB", &kb); err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%.0f GiB", kb/(1<<20))
}

// procField returns the value of the first "key: value" line of path.
func procField(path, key, dflt string) string {
	f, err := os.Open(path)
	if err != nil {
		return dflt
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return dflt
}
