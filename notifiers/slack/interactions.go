package slack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/common/model"
	"github.com/slack-go/slack"

	"github.com/alerter/alerter/matcher"
)

// DefaultMaxBody bounds an interaction request's body when
// InteractionOptions.MaxBody is 0. Slack sends the whole clicked message
// along, form-encoded: up to 50 blocks of up to 3,000 characters, which
// JSON and form escaping can triple. A megabyte leaves room for that.
const DefaultMaxBody = 1 << 20

// Bounds of the work done for one click, after Slack has had its answer.
const (
	// actTimeout bounds a call of the Actor.
	actTimeout = 10 * time.Second
	// respondTimeout bounds the post to the click's response_url; it is
	// also the default HTTP client's timeout.
	respondTimeout = 5 * time.Second
)

// Actor carries out what people ask for with the buttons. The server
// implements it with alerter's acknowledgement and silence stores.
type Actor interface {
	// Acknowledge acknowledges the alerts of r (by fingerprint, or by
	// matchers when r has no fingerprints) and says how many it
	// acknowledged.
	Acknowledge(ctx context.Context, r ActionRequest) (acknowledged int, err error)
	// Silence creates a silence of r.Matchers lasting d and returns its ID.
	Silence(ctx context.Context, r ActionRequest, d time.Duration) (silenceID string, err error)
}

// ActionRequest is one click of a button, decoded from the button's value
// and Slack's payload.
type ActionRequest struct {
	// User is who clicked, as "name (Slack user ID)", e.g.
	// "alice (U024BE7LH)", or the ID alone when Slack sent no name.
	User string
	// Fingerprints are the message's firing alerts, when the button
	// carried them (it does unless the group is too large).
	Fingerprints []model.Fingerprint
	// Matchers are equality matchers, sorted by name, for the labels the
	// message's firing alerts have in common, which include the group's
	// labels. Silence always gets at least one.
	Matchers matcher.Matchers
	// Comment says where the request came from, e.g. "from Slack,
	// channel #alerts", for the acknowledgement or silence.
	Comment string
}

// InteractionOptions configure an InteractionHandler.
type InteractionOptions struct {
	// SigningSecret is the Slack app's signing secret, which every
	// request must be signed with. Required.
	SigningSecret string
	// Actor acts on the clicks. Required.
	Actor Actor
	// Now is the clock of the times shown in messages; default time.Now.
	// A request's timestamp is checked against the real clock by
	// slack-go, whatever Now says.
	Now func() time.Time
	// HTTPClient posts to the response_url of the clicks. Its Timeout
	// should be set; each post is bounded by a few seconds anyway.
	// Default: a client with a 5s timeout.
	HTTPClient *http.Client
	// Logger receives a line per click and per rejected request; default
	// none.
	Logger *slog.Logger
	// MaxBody bounds a request's body, in bytes; larger requests get
	// 413. Default DefaultMaxBody.
	MaxBody int64
}

// InteractionHandler serves the Slack app's interactivity request URL
// (POST /slack/interactions): it checks that a request is signed by
// Slack, acts on clicks of the Acknowledge and Silence 1h buttons of
// ActionButtons through the Actor, and edits the clicked message to show
// who did what. It starts no goroutines: each click is handled within its
// request, after Slack has had its 200.
type InteractionHandler struct {
	secret  string
	actor   Actor
	now     func() time.Time
	client  *http.Client
	logger  *slog.Logger
	maxBody int64
}

var _ http.Handler = (*InteractionHandler)(nil)

// NewInteractionHandler checks the options and applies their defaults.
func NewInteractionHandler(o InteractionOptions) (*InteractionHandler, error) {
	var errs []error
	if o.SigningSecret == "" {
		errs = append(errs, errors.New("signing secret is required"))
	}
	if o.Actor == nil {
		errs = append(errs, errors.New("actor is required"))
	}
	if o.MaxBody < 0 {
		errs = append(errs, fmt.Errorf("max body must not be negative, got %d", o.MaxBody))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("slack interactions: %w", err)
	}
	h := &InteractionHandler{
		secret:  o.SigningSecret,
		actor:   o.Actor,
		now:     o.Now,
		client:  o.HTTPClient,
		logger:  cmp.Or(o.Logger, slog.New(slog.DiscardHandler)),
		maxBody: cmp.Or(o.MaxBody, DefaultMaxBody),
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.client == nil {
		h.client = &http.Client{Timeout: respondTimeout}
	}
	h.logger = h.logger.With("component", "slack_interactions")
	return h, nil
}

// ServeHTTP answers 405 to anything but POST, 413 to a body over
// MaxBody, 401 to a request without a valid signature of the last five
// minutes, 400 to a malformed payload and 200 otherwise, also when the
// click is not for alerter or acting on it fails: Slack shows the user an
// error for any other answer, and the failure is reported to the user
// through the response_url instead.
func (h *InteractionHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > h.maxBody {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return
	}
	if reason := h.verify(r.Header, body); reason != "" {
		h.logger.Warn("interaction rejected", "reason", reason, "remote", r.RemoteAddr)
		http.Error(w, "invalid or missing Slack signature", http.StatusUnauthorized)
		return
	}
	cb, err := parseInteraction(body)
	if err != nil {
		h.logger.Warn("malformed interaction payload", "err", err)
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	c, err := findClick(cb)
	if err != nil {
		h.logger.Warn("malformed interaction payload", "err", err)
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	// Slack wants its answer within three seconds; the Actor and the
	// response_url may take longer, so answer first. Content-Length
	// completes the response for Slack while the handler goes on.
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	_ = http.NewResponseController(w).Flush()
	if c == nil {
		h.logger.Debug("interaction ignored", "type", cb.Type)
		return
	}
	// Slack may hang up once it has its answer; the click is still to be
	// carried out and reported.
	h.handle(context.WithoutCancel(r.Context()), cb, c)
}

// verify checks the request's signature with slack-go's verifier, which
// also refuses timestamps more than five minutes from the real clock,
// in either direction. It returns why the request is refused, or "". The
// reason names no header value.
func (h *InteractionHandler) verify(header http.Header, body []byte) string {
	sv, err := slack.NewSecretsVerifier(header, h.secret)
	if err == nil {
		if _, err = sv.Write(body); err == nil {
			err = sv.Ensure()
		}
	}
	switch {
	case err == nil:
		return ""
	case errors.Is(err, slack.ErrMissingHeaders):
		return "missing signature headers"
	case errors.Is(err, slack.ErrExpiredTimestamp):
		return "timestamp more than 5 minutes from now"
	case errors.Is(err, slack.ErrInvalidSignature):
		return "wrong signature"
	}
	return "malformed signature or timestamp"
}

// parseInteraction reads Slack's form: one field, payload, holding the
// interaction as JSON.
func parseInteraction(body []byte) (*slack.InteractionCallback, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errors.New("body is not a form")
	}
	payload := form.Get("payload")
	if payload == "" {
		return nil, errors.New("no payload")
	}
	var cb slack.InteractionCallback
	if err := cb.UnmarshalJSON([]byte(payload)); err != nil {
		return nil, errors.New("payload is not an interaction")
	}
	return &cb, nil
}

// click is the button of ActionButtons that was clicked.
type click struct {
	action string
	value  string
}

// findClick returns the click on one of alerter's buttons, or nil for
// other interactions. Slack sends one action per block_actions payload;
// of several, the first of alerter's counts. A click without a user is
// malformed: someone must be named as having acted.
func findClick(cb *slack.InteractionCallback) (*click, error) {
	if cb.Type != slack.InteractionTypeBlockActions {
		return nil, nil
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if a == nil || (a.ActionID != ActionAcknowledge && a.ActionID != ActionSilence1h) {
			continue
		}
		if cb.User.ID == "" {
			return nil, errors.New("block_actions without a user")
		}
		return &click{action: a.ActionID, value: a.Value}, nil
	}
	return nil, nil
}
