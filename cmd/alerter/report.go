package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	promconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/quality"
)

const reportUsage = `usage: alerter report [flags]

Prints the noisiest rules of the last days: per rule, the notifications
its alerts caused, its firing episodes, flaps (episodes that resolved
within a few evaluations), flapping episodes, acknowledgements and the
median time to acknowledge; then the rules that have not fired for a
long time. It reads GET /api/v1/report of a running alerter (any replica),
which computes it from the episodes alerter stores.

`

// reportCmd prints a running alerter's report.
func reportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, reportUsage)
		fs.PrintDefaults()
	}
	var (
		base       = fs.String("url", "http://localhost:9095", "alerter's address")
		since      = fs.String("since", "7d", "the period: a duration back from now (7d, 12h), or an RFC 3339 time")
		top        = fs.Int("top", 20, "rules to print, noisiest first (0: all)")
		format     = fs.String("format", "table", "table or json")
		flapN      = fs.Int("flap-evaluations", 0, "an episode that resolved within this many evaluations of firing is a flap (0: the server's alert_quality.flap_evaluations)")
		quiet      = fs.String("quiet-after", "30d", "list the rules that have not fired for this long")
		httpConfig = fs.String("http.config.file", "", "HTTP client configuration (bearer token, TLS), as amtool's --http.config.file")
		timeout    = fs.Duration("timeout", 30*time.Second, "timeout of the request")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "alerter report: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *format != "table" && *format != "json" {
		return usageErr("--format must be table or json, not %q", *format)
	}
	if *top < 0 {
		return usageErr("--top must not be negative")
	}
	if *flapN < 0 {
		return usageErr("--flap-evaluations must not be negative")
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageErr("--url must be an http(s) URL, got %q", *base)
	}
	client := &http.Client{}
	if *httpConfig != "" {
		cfg, _, err := promconfig.LoadHTTPConfigFile(*httpConfig)
		if err != nil {
			return usageErr("--http.config.file: %v", err)
		}
		if client, err = promconfig.NewClientFromConfig(*cfg, "alerter"); err != nil {
			return usageErr("--http.config.file: %v", err)
		}
	}
	q := url.Values{"since": {*since}, "top": {strconv.Itoa(*top)}, "quiet_after": {*quiet}}
	if *flapN > 0 {
		q.Set("flap_evaluations", strconv.Itoa(*flapN))
	}
	u = u.JoinPath("api/v1/report")
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	rep, raw, err := fetchReport(ctx, client, u.String())
	if err != nil {
		fmt.Fprintf(stderr, "alerter report: %v\n", err)
		return 1
	}
	if *format == "json" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err != nil {
			fmt.Fprintf(stderr, "alerter report: %v\n", err)
			return 1
		}
		buf.WriteByte('\n')
		_, _ = stdout.Write(buf.Bytes())
		return 0
	}
	printReport(stdout, rep)
	return 0
}

// fetchReport gets the report, returning it decoded and as the raw JSON
// of its data.
func fetchReport(ctx context.Context, client *http.Client, target string) (*quality.Report, json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Status == "" {
		if resp.StatusCode == http.StatusOK {
			return nil, nil, fmt.Errorf("%s did not answer with a report (is it alerter?)", req.URL.Redacted())
		}
		return nil, nil, fmt.Errorf("%s: %s", req.URL.Redacted(), resp.Status)
	}
	if env.Status != "success" {
		return nil, nil, fmt.Errorf("%s: %s", resp.Status, env.Error)
	}
	var rep quality.Report
	if err := json.Unmarshal(env.Data, &rep); err != nil {
		return nil, nil, fmt.Errorf("decoding the report: %w", err)
	}
	return &rep, env.Data, nil
}

// printReport writes the report as tables.
func printReport(w io.Writer, r *quality.Report) {
	period := r.Until.Sub(r.Since).Round(time.Minute)
	fmt.Fprintf(w, "Noisiest rules from %s to %s (%s): %d episodes; a flap resolved within %d evaluations of firing.\n",
		r.Since.UTC().Format("2006-01-02 15:04 MST"), r.Until.UTC().Format("2006-01-02 15:04 MST"),
		model.Duration(period), r.Episodes, r.FlapEvaluations)
	if r.Truncated {
		fmt.Fprintln(w, "Only the oldest episodes of the period were read (alert_quality.max_episodes).")
	}
	if len(r.Rules) == 0 {
		fmt.Fprintln(w, "No rule fired in the period.")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "GROUP\tALERT\tNOTIFICATIONS\tEPISODES\tALERTS\tFLAPS\tFLAPPING\tACKED\tMEDIAN ACK\tFIRING\tLAST FIRED")
		for _, x := range r.Rules {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d/%d\t%s\t%s\t%s\n", groupName(x.Group, x.File), x.Alertname,
				x.Notifications, x.Episodes, x.Alerts, x.Flaps, x.FlappingEpisodes, x.Acknowledged, x.Episodes,
				seconds(x.MedianTimeToAcknowledge), model.Duration(time.Duration(x.FiringSeconds)*time.Second),
				x.LastFiredAt.UTC().Format("2006-01-02 15:04"))
		}
		_ = tw.Flush()
	}
	if len(r.Quiet) == 0 {
		return
	}
	fmt.Fprintf(w, "\nRules that have not fired for %s: %d\n", model.Duration(time.Duration(r.QuietAfterSeconds)*time.Second), len(r.Quiet))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tALERT\tLAST FIRED")
	for _, q := range r.Quiet {
		last := "not within the stored history"
		if q.LastFiredAt != nil {
			last = q.LastFiredAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", groupName(q.Group, q.File), q.Alertname, last)
	}
	_ = tw.Flush()
}

func groupName(group, file string) string {
	if file == "" {
		return group
	}
	return group + " (" + file + ")"
}

func seconds(s *float64) string {
	if s == nil {
		return "-"
	}
	return model.Duration(time.Duration(*s) * time.Second).String()
}
