package fakeapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// call is one request to a fake and the status it must get.
type call struct {
	name, method, path, contentType, auth, body string
	want                                        int
}

func run(t *testing.T, h http.Handler, calls []call) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(cmpOr(c.method, http.MethodPost), srv.URL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("status %d (%s), want %d", resp.StatusCode, b, c.want)
			}
		})
	}
}

const js = "application/json"

func TestOpsgenie(t *testing.T) {
	key := "GenieKey k"
	run(t, NewOpsgenie("k"), []call{
		{"create", "", "/v2/alerts", js, key, `{"message":"m","alias":"a","priority":"P1","responders":[{"name":"sre","type":"team"}]}`, 202},
		{"close", "", "/v2/alerts/a/close?identifierType=alias", js, key, `{"source":"s"}`, 202},
		{"update message", "PUT", "/v2/alerts/a/message?identifierType=alias", js, key, `{"message":"m"}`, 202},
		{"no key", "", "/v2/alerts", js, "", `{"message":"m"}`, 401},
		{"wrong scheme", "", "/v2/alerts", js, "Bearer k", `{"message":"m"}`, 401},
		{"empty message", "", "/v2/alerts", js, key, `{"message":" "}`, 422},
		{"long message", "", "/v2/alerts", js, key, `{"message":"` + strings.Repeat("m", 131) + `"}`, 422},
		{"bad priority", "", "/v2/alerts", js, key, `{"message":"m","priority":"P9"}`, 422},
		{"teams responder", "", "/v2/alerts", js, key, `{"message":"m","responders":[{"name":"a","type":"teams"}]}`, 422},
		{"unknown field", "", "/v2/alerts", js, key, `{"message":"m","msg":"x"}`, 422},
		{"text body", "", "/v2/alerts", "text/plain", key, `{"message":"m"}`, 422},
		{"bad identifier type", "", "/v2/alerts/a/close?identifierType=name", js, key, `{}`, 422},
		{"close with PUT", "PUT", "/v2/alerts/a/close", js, key, `{}`, 405},
		{"unknown path", "", "/v2/alerts/a/snooze", js, key, `{}`, 404},
	})
}

func TestTeams(t *testing.T) {
	card := `{"@context":"http://schema.org/extensions","type":"MessageCard","title":"t","text":"x"}`
	run(t, NewTeams("/hook", false), []call{
		{"card", "", "/hook", js, "", card, 200},
		{"no text or summary", "", "/hook", js, "", `{"@context":"c","type":"MessageCard","title":"t"}`, 400},
		{"not a card", "", "/hook", js, "", `{"@context":"c","type":"AdaptiveCard","text":"x"}`, 400},
		{"too big", "", "/hook", js, "", `{"type":"MessageCard","text":"` + strings.Repeat("x", 29*1024) + `"}`, 413},
		{"wrong path", "", "/other", js, "", card, 404},
	})
	msg := `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,"content":{"$schema":"s","type":"AdaptiveCard","version":"1.2","body":[{"type":"TextBlock","text":"t"}]}}]}`
	run(t, NewTeams("/flow", true), []call{
		{"adaptive card", "", "/flow", js, "", msg, 202},
		{"a MessageCard", "", "/flow", js, "", card, 400},
		{"no body", "", "/flow", js, "", strings.Replace(msg, `[{"type":"TextBlock","text":"t"}]`, `[]`, 1), 400},
		{"element without type", "", "/flow", js, "", strings.Replace(msg, `"type":"TextBlock",`, ``, 1), 400},
	})
}

func TestTelegram(t *testing.T) {
	run(t, NewTelegram("1:T", -5), []call{
		{"html", "", "/bot1:T/sendMessage", js, "", `{"chat_id":-5,"text":"<b>a &amp; b</b>","parse_mode":"HTML"}`, 200},
		{"chat id as string", "", "/bot1:T/sendMessage", js, "", `{"chat_id":"-5","text":"x"}`, 200},
		{"wrong token", "", "/bot1:X/sendMessage", js, "", `{"chat_id":-5,"text":"x"}`, 401},
		{"unknown method", "", "/bot1:T/sendMessages", js, "", `{"chat_id":-5,"text":"x"}`, 404},
		{"unknown chat", "", "/bot1:T/sendMessage", js, "", `{"chat_id":6,"text":"x"}`, 400},
		{"empty text", "", "/bot1:T/sendMessage", js, "", `{"chat_id":-5,"text":""}`, 400},
		{"bad tag", "", "/bot1:T/sendMessage", js, "", `{"chat_id":-5,"text":"<div>x</div>","parse_mode":"HTML"}`, 400},
		{"unclosed tag", "", "/bot1:T/sendMessage", js, "", `{"chat_id":-5,"text":"<b>x","parse_mode":"HTML"}`, 400},
		{"bare ampersand", "", "/bot1:T/sendMessage", js, "", `{"chat_id":-5,"text":"a & b","parse_mode":"HTML"}`, 400},
		{"bare less-than", "", "/bot1:T/sendMessage", js, "", `{"chat_id":-5,"text":"a < b","parse_mode":"HTML"}`, 400},
		{"too long", "", "/bot1:T/sendMessage", js, "", `{"chat_id":-5,"text":"` + strings.Repeat("x", 4097) + `"}`, 400},
		{"bad parse mode", "", "/bot1:T/sendMessage", js, "", `{"chat_id":-5,"text":"x","parse_mode":"html"}`, 400},
	})
}

func TestDiscord(t *testing.T) {
	p := "/api/webhooks/1/T"
	run(t, NewDiscord("1", "T"), []call{
		{"embed", "", p, js, "", `{"content":"","embeds":[{"title":"t","description":"d","color":10038562}]}`, 204},
		{"empty", "", p, js, "", `{"content":"","embeds":[]}`, 400},
		{"wrong token", "", "/api/webhooks/1/X", js, "", `{"content":"x"}`, 401},
		{"unknown webhook", "", "/api/webhooks/2/T", js, "", `{"content":"x"}`, 404},
		{"long title", "", p, js, "", `{"embeds":[{"title":"` + strings.Repeat("t", 257) + `"}]}`, 400},
		{"long content", "", p, js, "", `{"content":"` + strings.Repeat("c", 2001) + `"}`, 400},
		{"bad username", "", p, js, "", `{"content":"x","username":"Discord bot"}`, 400},
	})
}

func TestVictorOps(t *testing.T) {
	p := "/integrations/generic/20131114/alert/K/r"
	run(t, NewVictorOps("K", "r"), []call{
		{"critical", "", p, js, "", `{"message_type":"CRITICAL","entity_id":"e"}`, 200},
		{"recovery", "", p, js, "", `{"message_type":"RECOVERY","entity_id":"e"}`, 200},
		{"no type", "", p, js, "", `{"entity_id":"e"}`, 400},
		{"bad type", "", p, js, "", `{"message_type":"PAGE"}`, 400},
		{"wrong key", "", "/integrations/generic/20131114/alert/X/r", js, "", `{"message_type":"INFO"}`, 404},
		{"unknown routing key", "", "/integrations/generic/20131114/alert/K/other", js, "", `{"message_type":"INFO"}`, 404},
		{"non-string field", "", p, js, "", `{"message_type":"INFO","n":1}`, 400},
	})
}

func TestPushover(t *testing.T) {
	tok, usr := strings.Repeat("a", 30), strings.Repeat("u", 30)
	form := "application/x-www-form-urlencoded"
	base := "token=" + tok + "&user=" + usr
	run(t, NewPushover(tok, usr), []call{
		{"message", "", "/1/messages.json", form, "", base + "&message=m&title=t", 200},
		{"emergency", "", "/1/messages.json", form, "", base + "&message=m&priority=2&retry=60&expire=3600", 200},
		{"emergency without retry", "", "/1/messages.json", form, "", base + "&message=m&priority=2", 400},
		{"short retry", "", "/1/messages.json", form, "", base + "&message=m&priority=2&retry=10&expire=60", 400},
		{"no message", "", "/1/messages.json", form, "", base, 400},
		{"wrong token", "", "/1/messages.json", form, "", "token=" + strings.Repeat("b", 30) + "&user=" + usr + "&message=m", 400},
		{"html and monospace", "", "/1/messages.json", form, "", base + "&message=m&html=1&monospace=1", 400},
		{"long message", "", "/1/messages.json", form, "", base + "&message=" + strings.Repeat("m", 1025), 400},
		{"json body", "", "/1/messages.json", js, "", `{"token":"x"}`, 400},
		{"unknown parameter", "", "/1/messages.json", form, "", base + "&message=m&colour=red", 400},
	})
}

func TestScriptAndWait(t *testing.T) {
	d := NewDiscord("1", "T")
	srv := httptest.NewServer(d)
	defer srv.Close()
	d.Script(Answer{Status: 429, Header: http.Header{"Retry-After": {"1"}}, Body: `{"retry_after":1}`})
	post := func() int {
		resp, err := http.Post(srv.URL+"/api/webhooks/1/T", js, strings.NewReader(`{"embeds":[{"title":"[FIRING:1] X"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := post(); s != 429 {
		t.Fatalf("scripted: %d", s)
	}
	if s := post(); s != 204 {
		t.Fatalf("after the script: %d", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Wait(ctx, func(ev []Event) bool { return len(ev) == 1 && ev[0].Kind == "firing" }); err != nil {
		t.Fatal(err)
	}
	if len(d.Requests()) != 2 || d.Requests()[0].Problem != "" {
		t.Errorf("requests %+v", d.Requests())
	}
}
