package notifiers

import (
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// storm is one receiver's storm-control window.
type storm struct {
	windowStart time.Time
	count       int
	digest      *Digest
	alerts      []*alert.Alert
	groups      map[string]bool
	digestDue   time.Time
}

// digestWait is how long a digest collects after a storm is detected, so
// that one message covers the burst.
const digestWait = 5 * time.Second

// stormControl counts the alert changes each receiver is about to be told
// in this round. When a receiver's count within the window would exceed
// MaxAlerts, its messages with changes are held back and summarised in one
// digest (the notification log already records them as told, so they do
// not page one by one later either). Repeats pass through.
func (d *Dispatcher) stormControl(msgs []pending, now time.Time) []pending {
	max := d.o.Storm.MaxAlerts
	if max <= 0 {
		return msgs
	}
	total := map[string]int{}
	for _, p := range msgs {
		if first := d.o.Receivers[p.receiver]; len(first) > 0 && first[0].Name == p.integ.Name {
			total[p.receiver] += p.changes
		}
	}
	out := msgs[:0:0]
	for _, p := range msgs {
		s := d.storms[p.receiver]
		if s == nil {
			s = &storm{windowStart: now}
			d.storms[p.receiver] = s
		}
		if now.Sub(s.windowStart) >= d.o.Storm.Window {
			s.windowStart, s.count = now, 0
		}
		if n, ok := total[p.receiver]; ok {
			s.count += n
			delete(total, p.receiver)
			if s.count > max && s.digest == nil && n > 0 {
				d.metrics.storms.WithLabelValues(p.receiver).Inc()
				d.log.Warn("alert storm: sending a digest instead of per-group messages", "receiver", p.receiver, "alerts", s.count, "window", d.o.Storm.Window)
			}
		}
		if s.count <= max || p.changes == 0 {
			out = append(out, p)
			continue
		}
		if s.digest == nil {
			s.digest = &Digest{Window: d.o.Storm.Window, APIURL: strings.TrimRight(d.o.ExternalURL, "/") + "/api/v1/alerts"}
			s.groups = map[string]bool{}
			s.digestDue = now.Add(min(digestWait, d.o.Storm.Window))
		}
		if first := d.o.Receivers[p.receiver]; first[0].Name == p.integ.Name {
			s.digest.Alerts += len(p.msg.Changes.Firing) + len(p.msg.Changes.Raised)
			s.digest.Resolved += len(p.msg.Changes.Resolved)
			s.groups[p.msg.GroupKey] = true
			s.alerts = append(s.alerts, p.msg.Changes.Firing...)
			s.alerts = append(s.alerts, p.msg.Changes.Raised...)
		}
		d.metrics.suppressed.WithLabelValues(p.receiver, p.integ.Name).Inc()
	}
	return out
}

// dueDigests returns the digests whose collection time is over.
func (d *Dispatcher) dueDigests(now time.Time) []pending {
	var out []pending
	for recv, s := range d.storms {
		if s.digest == nil || s.digestDue.After(now) {
			continue
		}
		dg := s.digest
		dg.Groups = len(s.groups)
		dg.ByRule, dg.TopLabels = summarise(s.alerts)
		for _, integ := range d.o.Receivers[recv] {
			c := *dg
			out = append(out, pending{receiver: recv, integ: integ, msg: &Message{
				Receiver: recv, GroupKey: "storm:" + recv, GroupLabels: model.LabelSet{}, Digest: &c,
				ExternalURL: d.o.ExternalURL, At: now,
			}})
		}
		s.digest, s.alerts, s.groups, s.digestDue = nil, nil, nil, time.Time{}
	}
	return out
}

// summarise counts alerts by rule and the five most frequent label values.
func summarise(as []*alert.Alert) ([]Count, []LabelCount) {
	rules := map[string]int{}
	labels := map[[2]string]int{}
	for _, a := range as {
		rules[string(a.Labels[model.AlertNameLabel])]++
		for k, v := range a.Labels {
			if k != model.AlertNameLabel {
				labels[[2]string{string(k), string(v)}]++
			}
		}
	}
	var byRule []Count
	for n, c := range rules {
		byRule = append(byRule, Count{Name: n, Count: c})
	}
	sort.Slice(byRule, func(i, j int) bool {
		if byRule[i].Count != byRule[j].Count {
			return byRule[i].Count > byRule[j].Count
		}
		return byRule[i].Name < byRule[j].Name
	})
	var top []LabelCount
	for k, c := range labels {
		top = append(top, LabelCount{Name: model.LabelName(k[0]), Value: model.LabelValue(k[1]), Count: c})
	}
	sort.Slice(top, func(i, j int) bool {
		if top[i].Count != top[j].Count {
			return top[i].Count > top[j].Count
		}
		if top[i].Name != top[j].Name {
			return top[i].Name < top[j].Name
		}
		return top[i].Value < top[j].Value
	})
	if len(top) > 5 {
		top = top[:5]
	}
	return byRule, top
}
