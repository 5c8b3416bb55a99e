package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/notifiers/slack"
	"github.com/alerter/alerter/silence"
)

// replayWindow is how long a Silence 1h click by the same user with the
// same matchers returns the silence already made instead of another one:
// a signed Slack request can be replayed for 5 minutes, and people
// double-click.
const replayWindow = 5 * time.Minute

// slackInteractions serves POST /slack/interactions with the handler of
// the current configuration (none: 404), swapped on reload.
type slackInteractions struct {
	cur atomic.Pointer[slack.InteractionHandler]
}

func (si *slackInteractions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := si.cur.Load()
	if h == nil {
		http.Error(w, "Slack interactions are not configured (web.slack_interactions.signing_secret_file)", http.StatusNotFound)
		return
	}
	h.ServeHTTP(w, r)
}

// configure builds the handler for cfg (nil without a signing secret).
func (si *slackInteractions) configure(s *Server, cfg *config.Config) error {
	secret, err := cfg.Web.SlackInteractions.SigningSecret()
	if err != nil {
		return err
	}
	if secret == "" {
		si.cur.Store(nil)
		return nil
	}
	h, err := slack.NewInteractionHandler(slack.InteractionOptions{
		SigningSecret: secret,
		Actor:         &slackActor{s: s},
		Logger:        s.log.With("component", "slack_interactions"),
	})
	if err != nil {
		return err
	}
	si.cur.Store(h)
	return nil
}

// slackActor carries out Slack button clicks with alerter's
// acknowledgement and silence stores. Its errors are shown to the user.
type slackActor struct{ s *Server }

func (a *slackActor) Acknowledge(ctx context.Context, r slack.ActionRequest) (int, error) {
	fps := make(map[model.Fingerprint]bool, len(r.Fingerprints))
	for _, fp := range r.Fingerprints {
		fps[fp] = true
	}
	sel := ack.Select(a.s.currentAlerts(), fps, r.Matchers)
	k, err := a.s.acks.Create(ctx, ack.Request{By: r.User, Comment: r.Comment, Matchers: r.Matchers}, sel, time.Now())
	switch {
	case errors.Is(err, ack.ErrNoAlerts):
		return 0, errors.New("none of these alerts is firing any more")
	case err != nil:
		a.s.log.Error("acknowledging from Slack", "err", err)
		return 0, errors.New("the acknowledgement could not be stored; try again")
	}
	return len(k.Targets), nil
}

func (a *slackActor) Silence(ctx context.Context, r slack.ActionRequest, d time.Duration) (string, error) {
	now := time.Now()
	for _, sil := range a.s.silences.Query(nil, now) {
		if sil.CreatedBy == r.User && sil.Matchers.String() == r.Matchers.String() &&
			sil.State(now) == silence.StateActive && now.Sub(sil.UpdatedAt) < replayWindow {
			return sil.ID, nil
		}
	}
	id, err := a.s.silences.Set(ctx, &silence.Silence{
		Matchers: r.Matchers, StartsAt: now, EndsAt: now.Add(d), CreatedBy: r.User, Comment: r.Comment,
	}, now)
	var ve *silence.ValidationError
	switch {
	case errors.As(err, &ve):
		return "", fmt.Errorf("the silence is not valid: %s", ve.Msg)
	case err != nil:
		a.s.log.Error("silencing from Slack", "err", err)
		return "", errors.New("the silence could not be stored; try again")
	}
	return id, nil
}
