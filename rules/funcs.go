package rules

import (
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// staticFuncs are the template functions that depend on their arguments
// only. It is never modified after init.
var staticFuncs = map[string]any{
	"first":              first,
	"label":              func(name string, s Sample) string { return s.Labels[name] },
	"value":              func(s Sample) float64 { return s.Value },
	"strvalue":           func(s Sample) string { return s.Labels["__value__"] },
	"sortByLabel":        sortByLabel,
	"args":               args,
	"reReplaceAll":       reReplaceAll,
	"match":              regexp.MatchString,
	"safeHtml":           func(s string) template.HTML { return template.HTML(s) }, //nolint:gosec // Prometheus semantics: the user marks it safe.
	"title":              title,
	"toUpper":            strings.ToUpper,
	"toLower":            strings.ToLower,
	"graphLink":          func(expr string) string { return consoleLink(expr, 0) },
	"tableLink":          func(expr string) string { return consoleLink(expr, 1) },
	"stripPort":          stripPort,
	"stripDomain":        stripDomain,
	"humanize":           humanize,
	"humanize1024":       humanize1024,
	"humanizeDuration":   humanizeDuration,
	"humanizePercentage": humanizePercentage,
	"humanizeTimestamp":  humanizeTimestamp,
	"toTime":             toTime,
	"toDuration":         toDuration,
	"parseDuration":      parseDuration,
	"urlQueryEscape":     url.QueryEscape,
}

// templateFuncs returns every template function, those reading data
// included.
func templateFuncs(data *TemplateData) map[string]any {
	fm := make(map[string]any, len(staticFuncs)+4)
	for k, v := range staticFuncs {
		fm[k] = v
	}
	for k, v := range dataFuncs(data) {
		fm[k] = v
	}
	return fm
}

// dataFuncs returns the template functions that read the expansion's data.
func dataFuncs(data *TemplateData) map[string]any {
	return map[string]any{
		"query": func(q string) ([]Sample, error) {
			if data.Query == nil {
				return nil, errors.New("query: no query function available here")
			}
			return data.Query(q)
		},
		"externalURL": func() string { return data.ExternalURL },
		"pathPrefix": func() (string, error) {
			u, err := url.Parse(data.ExternalURL)
			if err != nil {
				return "", err
			}
			return u.Path, nil
		},
		"now": func() float64 {
			ts := data.Time
			if ts.IsZero() {
				ts = time.Now()
			}
			return float64(ts.UnixMilli()) / 1000
		},
	}
}

func first(v []Sample) (Sample, error) {
	if len(v) == 0 {
		return Sample{}, errors.New("first() called on vector with no elements")
	}
	return v[0], nil
}

// sortByLabel returns the samples ordered by the value of one label,
// keeping the query's order among equal values.
func sortByLabel(name string, v []Sample) []Sample {
	out := slices.Clone(v)
	slices.SortStableFunc(out, func(a, b Sample) int {
		return cmp.Compare(a.Labels[name], b.Labels[name])
	})
	return out
}

// args makes a map arg0, arg1, ... for passing several values to a
// template defined with {{define}}.
func args(vs ...any) map[string]any {
	m := make(map[string]any, len(vs))
	for i, v := range vs {
		m["arg"+strconv.Itoa(i)] = v
	}
	return m
}

func reReplaceAll(pattern, repl, text string) (string, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return "", err
	}
	return re.ReplaceAllString(text, repl), nil
}

// title upper-cases the first letter of each word, leaving the rest as it
// is, with the word boundaries Prometheus uses (x/text, American English).
func title(s string) string {
	return cases.Title(language.AmericanEnglish, cases.NoLower).String(s)
}

// consoleLink is the path of Prometheus's expression browser for expr, on
// the graph (tab 0) or table (tab 1) tab.
func consoleLink(expr string, tab int) string {
	return "/graph?g0.expr=" + url.QueryEscape(expr) + "&g0.tab=" + strconv.Itoa(tab)
}

// stripPort returns the host part of host:port, or hostPort unchanged when
// it has no port.
func stripPort(hostPort string) string {
	if host, _, err := net.SplitHostPort(hostPort); err == nil {
		return host
	}
	return hostPort
}

// stripDomain keeps the first label of a host name, and the port if any;
// IP addresses are returned unchanged.
func stripDomain(hostPort string) string {
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		host, port = hostPort, ""
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return hostPort
	}
	short, _, _ := strings.Cut(host, ".")
	if port == "" {
		return short
	}
	return net.JoinHostPort(short, port)
}

// parseDuration turns a Prometheus duration (negative allowed) into seconds.
func parseDuration(s string) (float64, error) {
	d, err := model.ParseDurationAllowNegative(s)
	if err != nil {
		return 0, err
	}
	return time.Duration(d).Seconds(), nil
}

// toFloat converts a template argument to a number, as Prometheus's
// humanize functions accept: floats, integers, numeric strings and
// durations (in seconds).
func toFloat(i any) (float64, error) {
	switch v := i.(type) {
	case float64:
		return v, nil
	case float32:
		return float64(v), nil
	case int:
		return float64(v), nil
	case int8:
		return float64(v), nil
	case int16:
		return float64(v), nil
	case int32:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case uint:
		return float64(v), nil
	case uint8:
		return float64(v), nil
	case uint16:
		return float64(v), nil
	case uint32:
		return float64(v), nil
	case uint64:
		return float64(v), nil
	case string:
		return strconv.ParseFloat(v, 64)
	case time.Duration:
		return v.Seconds(), nil
	default:
		return 0, fmt.Errorf("can't convert %T to float", i)
	}
}
