package matcher

// APIMatcher is a matcher as the Alertmanager v2 API carries it in JSON,
// for example in a silence: `{"name":"job","value":"api.*","isRegex":true}`.
// IsEqual is a pointer because the API treats an absent isEqual as true.
type APIMatcher struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	IsRegex bool   `json:"isRegex"`
	IsEqual *bool  `json:"isEqual,omitempty"`
}

// ToMatcher builds the matcher, compiling the regular expression if
// IsRegex. A nil IsEqual means true (=, =~).
func (a APIMatcher) ToMatcher() (*Matcher, error) {
	equal := a.IsEqual == nil || *a.IsEqual
	var t Type
	switch {
	case equal && !a.IsRegex:
		t = Equal
	case !equal && !a.IsRegex:
		t = NotEqual
	case equal && a.IsRegex:
		t = Regexp
	default:
		t = NotRegexp
	}
	return New(t, a.Name, a.Value)
}

// FromMatcher returns m in the API's shape, with IsEqual always set so
// that clients that require the field get it.
func FromMatcher(m *Matcher) APIMatcher {
	equal := m.Type == Equal || m.Type == Regexp
	return APIMatcher{
		Name:    m.Name,
		Value:   m.Value,
		IsRegex: m.Type.IsRegex(),
		IsEqual: &equal,
	}
}
