package silence_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/silence"
)

// TestReloadSeesAnotherReplicasChanges: two replicas share a store; what
// one creates, expires and deletes mutes or stops muting on the other once
// it reloads, windows included.
func TestReloadSeesAnotherReplicasChanges(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, st := openSilences(t, dir)
	b, err := silence.New(ctx, silence.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ms, _ := matcher.Parse(`{job="api"}`)
	id, err := a.Set(ctx, &silence.Silence{Matchers: ms, StartsAt: now, EndsAt: now.Add(time.Hour), CreatedBy: "me", Comment: "c"}, now)
	if err != nil {
		t.Fatal(err)
	}
	api := model.LabelSet{"job": "api"}
	v := b.Version()
	if b.Mutes(api, now) {
		t.Fatal("b mutes before reloading")
	}
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if !b.Mutes(api, now) || b.Version() <= v {
		t.Fatal("b does not mute after reloading, or its version did not move")
	}
	if err := a.Expire(ctx, id, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if b.Mutes(api, now.Add(2*time.Minute)) {
		t.Fatal("b still mutes after a expired the silence")
	}
	if _, err := a.GC(ctx, now.Add(time.Minute+silence.DefaultRetention+time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(id); err == nil {
		t.Fatal("b still has the silence a deleted")
	}

	w := window(t, "always", "* * * * *", time.Hour, `job="db"`)
	if err := a.AddWindow(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := b.ReloadWindows(ctx); err != nil {
		t.Fatal(err)
	}
	if got := b.ListWindows(); len(got) != 1 || got[0].Name != "always" || !got[0].FromAPI {
		t.Fatalf("b's windows after reload %+v", got)
	}
	if !b.Mutes(model.LabelSet{"job": "db"}, now) {
		t.Fatal("b's reloaded window does not mute")
	}
	if err := a.DeleteWindow(ctx, "always"); err != nil {
		t.Fatal(err)
	}
	if err := b.ReloadWindows(ctx); err != nil {
		t.Fatal(err)
	}
	if got := b.ListWindows(); len(got) != 0 {
		t.Fatalf("b's windows after the delete %+v", got)
	}
}
