package strictyaml

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// datasource is the kind of config struct strictyaml is for: plain fields,
// prometheus/common types and an inlined HTTPClientConfig.
type datasource struct {
	Name                    string            `yaml:"name"`
	URL                     config.URL        `yaml:"url"`
	Timeout                 model.Duration    `yaml:"timeout,omitempty"`
	Labels                  map[string]string `yaml:"labels,omitempty"`
	Tags                    []string          `yaml:"tags,omitempty"`
	Retry                   *retry            `yaml:"retry,omitempty"`
	config.HTTPClientConfig `yaml:",inline"`
}

type retry struct {
	Max     int           `yaml:"max"`
	Backoff time.Duration `yaml:"backoff"`
}

type root struct {
	Datasources []datasource `yaml:"datasources"`
}

func parse(t testing.TB, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	return &n
}

// decodeRoot decodes src into a root whose datasources start from
// prometheus/common's HTTP defaults, as a real caller would arrange.
func decodeRoot(t *testing.T, src string) (*root, Errors) {
	t.Helper()
	n := parse(t, src)
	// Defaults for list elements cannot be set before Decode; a real caller
	// decodes each element separately or applies defaults afterwards. Here
	// the tests look only at what was decoded.
	var r root
	return &r, Decode(n, &r)
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // exact Error() strings, in order
	}{
		{
			name: "valid full datasource",
			src: `
datasources:
  - name: prom
    url: http://localhost:9090
    timeout: 30s
    basic_auth:
      username: u
      password: p
    tls_config:
      ca_file: /etc/ca.pem
      insecure_skip_verify: true
    follow_redirects: false
`,
		},
		{
			name: "valid authorization",
			src: `
datasources:
  - name: prom
    authorization:
      type: Bearer
      credentials: secret
`,
		},
		{
			name: "unknown top-level key",
			src:  "datasource: []\n",
			want: []string{`1:1: unknown field "datasource"`},
		},
		{
			name: "unknown nested key inside tls_config",
			src: `
datasources:
  - name: prom
    tls_config:
      ca_fil: /etc/ca.pem
`,
			want: []string{`5:7: datasources[0].tls_config: unknown field "ca_fil"`},
		},
		{
			name: "unknown key beside inline fields",
			src: `
datasources:
  - name: prom
    basic_auth: {username: u}
    bogus: 1
`,
			want: []string{`5:5: datasources[0]: unknown field "bogus"`},
		},
		{
			name: "bad duration",
			src: `
datasources:
  - name: prom
    timeout: 5 minutes
`,
			want: []string{`4:14: datasources[0].timeout: unknown unit " minutes" in duration "5 minutes"`},
		},
		{
			name: "bad time.Duration",
			src: `
datasources:
  - retry: {max: 3, backoff: soon}
`,
			want: []string{"3:30: datasources[0].retry.backoff: cannot unmarshal !!str `soon` into time.Duration"},
		},
		{
			name: "duplicate keys",
			src: `
datasources:
  - name: a
    name: b
    labels: {x: "1", x: "2"}
`,
			want: []string{
				`4:5: datasources[0]: duplicate key "name" (first defined at line 3)`,
				`5:22: datasources[0].labels: duplicate key "x" (first defined at line 5)`,
			},
		},
		{
			name: "Validate of inlined HTTPClientConfig reported at the mapping",
			src: `
datasources:
  - name: prom
    basic_auth: {username: u}
    authorization: {credentials: c}
`,
			want: []string{`3:5: datasources[0]: at most one of basic_auth, oauth2 & authorization must be configured`},
		},
		{
			name: "Validate of nested TLSConfig reported at its mapping",
			src: `
datasources:
  - tls_config:
      cert_file: /c.pem
`,
			want: []string{`4:7: datasources[0].tls_config: exactly one of key or key_file must be configured when a client certificate is configured`},
		},
		{
			name: "wrong shapes",
			src: `
datasources:
  - name: [a]
    tags: x
    labels: [1]
    retry: 3
  - 7
`,
			want: []string{
				`3:11: datasources[0].name: expected a string, got a sequence`,
				`4:11: datasources[0].tags: expected a sequence, got the scalar "x"`,
				`5:13: datasources[0].labels: expected a mapping, got a sequence`,
				"6:12: datasources[0].retry: expected a mapping, got the scalar \"3\"",
				// datasource embeds HTTPClientConfig and so has its
				// UnmarshalYAML: given a scalar, the type decides.
				"7:5: datasources[1]: cannot unmarshal !!int `7` into config.plain",
			},
		},
		{
			name: "bad scalar for an int",
			src:  "datasources: [{retry: {max: many}}]\n",
			want: []string{"1:29: datasources[0].retry.max: cannot unmarshal !!str `many` into int"},
		},
		{
			name: "all errors at once, sorted by position",
			src: `
datasources:
  - name: a
    tls_config: {nope: 1}
    timeout: x
  - zzz: 1
    basic_auth: {user: u}
`,
			want: []string{
				`4:18: datasources[0].tls_config: unknown field "nope"`,
				`5:14: datasources[0].timeout: not a valid duration string: "x"`,
				`6:5: datasources[1]: unknown field "zzz"`,
				`7:18: datasources[1].basic_auth: unknown field "user"`,
			},
		},
		{
			name: "merge key and aliases",
			src: `
base: &base
  timeout: 10s
  bogus: 1
datasources:
  - <<: *base
    name: a
`,
			want: []string{
				`2:1: unknown field "base"`,
				`4:3: datasources[0]: unknown field "bogus"`,
			},
		},
		{
			name: "bad merge value",
			src:  "datasources:\n  - <<: 3\n",
			want: []string{`2:9: datasources[0]: the value of a merge key (<<) must be a mapping or a sequence of mappings`},
		},
		{
			name: "non-scalar key",
			src:  "datasources:\n  - labels: {[a]: b}\n",
			want: []string{`2:14: datasources[0].labels: mapping keys must be scalars, got a sequence`},
		},
		{
			name: "empty document",
			src:  "",
		},
		{
			name: "null document",
			src:  "~\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := decodeRoot(t, tt.src)
			got := make([]string, len(errs))
			for i, e := range errs {
				got[i] = e.Error()
			}
			if !reflect.DeepEqual(got, append([]string{}, tt.want...)) {
				t.Errorf("errors:\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

func TestDecodeValues(t *testing.T) {
	src := `
datasources:
  - name: prom
    url: https://prom.example.com:9090/base
    timeout: 1m30s
    labels: &l {env: prod, team: "1"}
    tags: [a, b]
    retry: {max: 3, backoff: 2s}
    basic_auth:
      username: user
      password: pass
    tls_config:
      ca_file: /etc/ca.pem
      insecure_skip_verify: true
    follow_redirects: false
    http_headers:
      X-Scope-OrgID:
        values: [tenant]
  - <<: {name: merged, timeout: 5s}
    name: explicit
    labels: *l
    retry: ~
`
	n := parse(t, src)
	var r root
	if errs := Decode(n, &r); errs != nil {
		t.Fatal(errs)
	}
	if len(r.Datasources) != 2 {
		t.Fatalf("got %d datasources", len(r.Datasources))
	}
	d := r.Datasources[0]
	if d.Name != "prom" || d.URL.String() != "https://prom.example.com:9090/base" ||
		time.Duration(d.Timeout) != 90*time.Second || d.Labels["team"] != "1" ||
		!reflect.DeepEqual(d.Tags, []string{"a", "b"}) || d.Retry == nil || d.Retry.Max != 3 ||
		d.Retry.Backoff != 2*time.Second {
		t.Errorf("plain fields: %+v", d)
	}
	if d.BasicAuth == nil || d.BasicAuth.Username != "user" || string(d.BasicAuth.Password) != "pass" {
		t.Errorf("basic_auth: %+v", d.BasicAuth)
	}
	if d.TLSConfig.CAFile != "/etc/ca.pem" || !d.TLSConfig.InsecureSkipVerify || d.FollowRedirects {
		t.Errorf("tls/follow: %+v", d.HTTPClientConfig)
	}
	if d.HTTPHeaders == nil || !reflect.DeepEqual(d.HTTPHeaders.Headers["X-Scope-OrgID"].Values, []string{"tenant"}) {
		t.Errorf("http_headers (inline map): %+v", d.HTTPHeaders)
	}
	m := r.Datasources[1]
	if m.Name != "explicit" || time.Duration(m.Timeout) != 5*time.Second || m.Labels["env"] != "prod" || m.Retry != nil {
		t.Errorf("merged: %+v", m)
	}
}

func TestDecodeKeepsDefaults(t *testing.T) {
	d := datasource{Name: "default", HTTPClientConfig: config.DefaultHTTPClientConfig, Retry: &retry{Max: 5}}
	if errs := Decode(parse(t, "retry: {backoff: 1s}\nbearer_token: tok\n"), &d); errs != nil {
		t.Fatal(errs)
	}
	if d.Name != "default" || !d.FollowRedirects || !d.EnableHTTP2 || d.Retry.Max != 5 || d.Retry.Backoff != time.Second {
		t.Errorf("defaults lost: %+v", d)
	}
	// Validate ran: bearer_token is moved into Authorization.
	if d.Authorization == nil || string(d.Authorization.Credentials) != "tok" {
		t.Errorf("Validate not called: %+v", d.Authorization)
	}
}

func TestDecodeNodeFields(t *testing.T) {
	var out struct {
		A yaml.Node  `yaml:"a"`
		B *yaml.Node `yaml:"b"`
		C any        `yaml:"c"`
	}
	if errs := Decode(parse(t, "a: &x k\nb: 2\nc: [1, two, *x]\n"), &out); errs != nil {
		t.Fatal(errs)
	}
	if out.A.Kind != yaml.ScalarNode || out.A.Line != 1 || out.B == nil || out.B.Value != "2" {
		t.Errorf("nodes: %+v %+v", out.A, out.B)
	}
	if !reflect.DeepEqual(out.C, []any{1, "two", "k"}) {
		t.Errorf("any: %#v", out.C)
	}
}

func TestDecodeAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	var out map[string]any
	start := time.Now()
	errs := Decode(parse(t, b.String()), &out)
	if len(errs) == 0 {
		t.Fatal("expected an error")
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestDecodeBadTarget(t *testing.T) {
	var s string
	if errs := Decode(parse(t, "a"), s); len(errs) != 1 || !strings.Contains(errs[0].Msg, "non-nil pointer") {
		t.Errorf("got %v", errs)
	}
	if errs := Decode(nil, &s); errs != nil {
		t.Errorf("nil node: %v", errs)
	}
}

func TestErrors(t *testing.T) {
	es := Errors{{Line: 1, Column: 2, Msg: "m"}, {Line: 3, Column: 4, Path: "a.b", Msg: "n"}}
	if got, want := es.Error(), "1:2: m\n3:4: a.b: n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	if Errors(nil).Err() != nil {
		t.Error("Err of empty Errors is not nil")
	}
	var target Errors
	if !errors.As(es.Err(), &target) || len(target) != 2 {
		t.Error("errors.As failed")
	}
}
