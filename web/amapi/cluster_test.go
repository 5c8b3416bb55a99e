package amapi

import (
	"net/http"
	"testing"
)

// TestStatusCluster: with Options.Cluster, GET /api/v2/status shows the
// replicas in Alertmanager's shape (name, status, peers with name and
// address), plus which one leads.
func TestStatusCluster(t *testing.T) {
	f := alertsFixture(t)
	f.api.o.Cluster = func() ClusterStatus {
		return ClusterStatus{Name: "a-1", Status: "ready", Peers: []Peer{
			{Name: "a-1", Address: "http://10.0.0.1:9095", Leader: true},
			{Name: "a-2", Address: "http://10.0.0.2:9095"},
		}}
	}
	code, body, _ := f.do(t, http.MethodGet, "/api/v2/status", "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	type statusJSON struct {
		Cluster ClusterStatus `json:"cluster"`
	}
	st := decode[statusJSON](t, body)
	if st.Cluster.Name != "a-1" || st.Cluster.Status != "ready" || len(st.Cluster.Peers) != 2 ||
		!st.Cluster.Peers[0].Leader || st.Cluster.Peers[1].Address != "http://10.0.0.2:9095" {
		t.Fatalf("cluster %+v", st.Cluster)
	}
	// Peers is a list even when empty, as amtool expects.
	f.api.o.Cluster = func() ClusterStatus { return ClusterStatus{Name: "a-1", Status: "settling"} }
	_, body, _ = f.do(t, http.MethodGet, "/api/v2/status", "")
	if st := decode[statusJSON](t, body); st.Cluster.Peers == nil || st.Cluster.Status != "settling" {
		t.Fatalf("cluster without peers %s", body)
	}
}
