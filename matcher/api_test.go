package matcher

import (
	"encoding/json"
	"testing"
)

func TestAPIMatcher(t *testing.T) {
	tests := []struct {
		json string
		want string
	}{
		{`{"name":"a","value":"b","isRegex":false}`, `a="b"`},
		{`{"name":"a","value":"b","isRegex":false,"isEqual":true}`, `a="b"`},
		{`{"name":"a","value":"b","isRegex":false,"isEqual":false}`, `a!="b"`},
		{`{"name":"a","value":"b.*","isRegex":true}`, `a=~"b.*"`},
		{`{"name":"a","value":"b.*","isRegex":true,"isEqual":false}`, `a!~"b.*"`},
	}
	for _, tt := range tests {
		var am APIMatcher
		if err := json.Unmarshal([]byte(tt.json), &am); err != nil {
			t.Fatal(err)
		}
		m, err := am.ToMatcher()
		if err != nil {
			t.Fatalf("%s: %v", tt.json, err)
		}
		if m.String() != tt.want {
			t.Errorf("%s -> %s, want %s", tt.json, m, tt.want)
		}
		back := FromMatcher(m)
		if back.IsEqual == nil {
			t.Fatalf("FromMatcher(%s) left IsEqual nil", m)
		}
		again, err := back.ToMatcher()
		if err != nil || again.String() != m.String() {
			t.Errorf("round trip of %s gave %v, %v", m, again, err)
		}
	}
	b, err := json.Marshal(FromMatcher(mustNew(t, NotRegexp, "job", "api|web")))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"name":"job","value":"api|web","isRegex":true,"isEqual":false}`; got != want {
		t.Errorf("json = %s, want %s", got, want)
	}
	if _, err := (APIMatcher{Name: "a", Value: "(", IsRegex: true}).ToMatcher(); err == nil {
		t.Error("bad regex accepted")
	}
	if _, err := (APIMatcher{Value: "x"}).ToMatcher(); err == nil {
		t.Error("empty name accepted")
	}
}
