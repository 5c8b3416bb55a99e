package amapi

import (
	"net/http"
	"runtime"
	"runtime/debug"
)

type statusResponse struct {
	Cluster     ClusterStatus `json:"cluster"`
	VersionInfo versionInfo   `json:"versionInfo"`
	Config      configStatus  `json:"config"`
	Uptime      apiTime       `json:"uptime"`
}

// ClusterStatus is the cluster part of GET /api/v2/status, in
// Alertmanager's shape: this replica's name, "ready" (a leader holds the
// lease), "settling" (none does, or the store is unreachable) or
// "disabled" (a single replica), and the replicas sharing the store.
type ClusterStatus struct {
	Name   string `json:"name,omitempty"`
	Status string `json:"status"`
	Peers  []Peer `json:"peers"`
}

// Peer is one replica of the cluster. Leader is alerter's addition.
type Peer struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Leader  bool   `json:"leader"`
}

type versionInfo struct {
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	Branch    string `json:"branch"`
	BuildUser string `json:"buildUser"`
	BuildDate string `json:"buildDate"`
	GoVersion string `json:"goVersion"`
}

type configStatus struct {
	Original string `json:"original"`
}

// getStatus serves GET /api/v2/status as Alertmanager does; without
// Options.Cluster, as a single Alertmanager without clustering answers it.
// uptime is, as there, the time the process started. amtool reads versionInfo.version to warn when its version
// differs (alerter's always does). config.original is alerter's own
// configuration, not an Alertmanager one: amtool config show prints it,
// amtool config routes cannot parse it.
func (a *API) getStatus(w http.ResponseWriter, _ *http.Request) {
	vi := versionInfo{Version: a.o.Version, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				vi.Revision = s.Value
			case "vcs.time":
				vi.BuildDate = s.Value
			}
		}
	}
	cluster := ClusterStatus{Status: "disabled", Peers: []Peer{}}
	if a.o.Cluster != nil {
		cluster = a.o.Cluster()
		if cluster.Peers == nil {
			cluster.Peers = []Peer{}
		}
	}
	st := statusResponse{
		Cluster:     cluster,
		VersionInfo: vi,
		Uptime:      apiTime(a.o.StartTime),
	}
	if a.o.ConfigYAML != nil {
		st.Config.Original = a.o.ConfigYAML()
	}
	writeJSON(w, http.StatusOK, st)
}

// getReceivers serves GET /api/v2/receivers: [{"name": …}] in
// configuration order.
func (a *API) getReceivers(w http.ResponseWriter, _ *http.Request) {
	out := []receiver{}
	if a.o.ReceiverNames != nil {
		for _, n := range a.o.ReceiverNames() {
			out = append(out, receiver{Name: n})
		}
	}
	writeJSON(w, http.StatusOK, out)
}
