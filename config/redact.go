package config

import (
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"
)

// RedactedYAML renders c as GET /api/v2/status shows it (amtool config
// show) without secrets: secret fields already marshal as "<secret>";
// every URL under receivers is shown as "<secret>", as Alertmanager shows
// webhook and Slack URLs, since such URLs carry tokens in their paths;
// elsewhere a URL's password and query values are replaced by "xxxxx".
func RedactedYAML(c *Config) (string, error) {
	b, err := yaml.Marshal(c)
	if err != nil {
		return "", err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return "", err
	}
	redactNode(&doc, false)
	var out strings.Builder
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", err
	}
	return out.String(), nil
}

// redactNode hides the URLs in n and below it; inReceivers is true under
// a "receivers" key.
func redactNode(n *yaml.Node, inReceivers bool) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			redactNode(c, inReceivers)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			redactNode(n.Content[i+1], inReceivers || n.Content[i].Value == "receivers")
		}
	case yaml.ScalarNode:
		u, err := url.Parse(n.Value)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return
		}
		if inReceivers {
			n.Value = "<secret>"
		} else {
			if q := u.Query(); len(q) > 0 {
				for k := range q {
					q[k] = []string{"xxxxx"}
				}
				u.RawQuery = q.Encode()
			}
			n.Value = u.Redacted()
		}
		n.Style = 0
	}
}

// RedactedURL drops the password from a URL, for logs, labels and the
// API ("<invalid url>" when raw does not parse).
func RedactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid url>"
	}
	return u.Redacted()
}

// StripUserinfo drops user:password@ from a URL, for links sent to
// receivers and addresses shown to other replicas ("" when raw does not
// parse).
func StripUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User = nil
	return u.String()
}
