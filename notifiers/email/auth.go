package email

import (
	"errors"
	"fmt"
	"net/smtp"
	"strings"
)

// chooseAuth picks the first mechanism the server offers (mechs, from its
// EHLO AUTH line, in the server's order) that the configuration can
// satisfy, as Alertmanager does: CRAM-MD5 needs auth_secret; PLAIN and
// LOGIN need a password and, since they send it in clear, a TLS
// connection or a server on the loopback interface.
func chooseAuth(mechs, username, password, secret, identity, host string, tls bool) (smtp.Auth, error) {
	var reasons []string
	for _, mech := range strings.Fields(mechs) {
		switch mech = strings.ToUpper(mech); mech {
		case "CRAM-MD5":
			if secret == "" {
				reasons = append(reasons, "CRAM-MD5 needs auth_secret")
				continue
			}
			return smtp.CRAMMD5Auth(username, secret), nil
		case "PLAIN", "LOGIN":
			switch {
			case password == "":
				reasons = append(reasons, mech+" needs auth_password")
				continue
			case !tls && !isLocalhost(host):
				reasons = append(reasons, mech+" is not used without TLS")
				continue
			case mech == "PLAIN":
				return smtp.PlainAuth(identity, username, password, host), nil
			default:
				return &loginAuth{username: username, password: password, host: host}, nil
			}
		}
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "none is supported (alerter has CRAM-MD5, PLAIN and LOGIN)")
	}
	return nil, fmt.Errorf("no usable authentication mechanism among %q: %s", mechs, strings.Join(reasons, "; "))
}

// isLocalhost reports whether host names the loopback interface, where
// net/smtp's PlainAuth accepts to send the password without TLS.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// loginAuth is the LOGIN mechanism (draft-murchison-sasl-login), which
// net/smtp lacks: the server prompts for the user name, then the
// password.
type loginAuth struct {
	username, password, host string
	step                     int
}

// Start refuses, like smtp.PlainAuth, to send the password unencrypted
// to a remote server or to a server of another name.
func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !isLocalhost(server.Name) {
		return "", nil, errors.New("LOGIN refused over an unencrypted connection")
	}
	if server.Name != a.host {
		return "", nil, errors.New("LOGIN: wrong host name")
	}
	a.step = 0
	return "LOGIN", nil, nil
}

// Next answers the prompts in order; their text varies between servers
// ("Username:", "User Name"), so it is not relied upon.
func (a *loginAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch a.step {
	case 1:
		return []byte(a.username), nil
	case 2:
		return []byte(a.password), nil
	}
	return nil, errors.New("LOGIN: unexpected third prompt")
}
