package email

import (
	"net/smtp"
	"strings"
	"testing"
)

func TestChooseAuth(t *testing.T) {
	tests := []struct {
		name, mechs, password, secret, host string
		tls                                 bool
		want                                string // mechanism; "" for an error
		wantErr                             string
	}{
		{name: "PLAIN over TLS", mechs: "PLAIN", password: "p", host: "mail.example.com", tls: true, want: "PLAIN"},
		{name: "PLAIN in clear to a remote server", mechs: "PLAIN LOGIN", password: "p", host: "mail.example.com", wantErr: "PLAIN is not used without TLS; LOGIN is not used without TLS"},
		{name: "PLAIN in clear to localhost", mechs: "PLAIN", password: "p", host: "127.0.0.1", want: "PLAIN"},
		{name: "CRAM-MD5 in clear", mechs: "CRAM-MD5 PLAIN", secret: "s", password: "p", host: "mail.example.com", want: "CRAM-MD5"},
		{name: "server order wins", mechs: "LOGIN CRAM-MD5", secret: "s", password: "p", host: "mail.example.com", tls: true, want: "LOGIN"},
		{name: "lower case", mechs: "login", password: "p", host: "mail.example.com", tls: true, want: "LOGIN"},
		{name: "no password", mechs: "PLAIN", host: "mail.example.com", tls: true, wantErr: "PLAIN needs auth_password"},
		{name: "unsupported", mechs: "XOAUTH2 GSSAPI", password: "p", host: "mail.example.com", tls: true, wantErr: "none is supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := chooseAuth(tt.mechs, "u", tt.password, tt.secret, "", tt.host, tt.tls)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			mech, _, err := a.Start(&smtp.ServerInfo{Name: tt.host, TLS: tt.tls})
			if err != nil || mech != tt.want {
				t.Errorf("Start = %q, %v; want %s", mech, err, tt.want)
			}
		})
	}
}

func TestLoginAuthRefusesCleartext(t *testing.T) {
	a := &loginAuth{username: "u", password: "p", host: "mail.example.com"}
	if _, _, err := a.Start(&smtp.ServerInfo{Name: "mail.example.com"}); err == nil {
		t.Error("LOGIN started without TLS")
	}
	if _, _, err := a.Start(&smtp.ServerInfo{Name: "other.example.com", TLS: true}); err == nil {
		t.Error("LOGIN started with another host")
	}
	if _, _, err := a.Start(&smtp.ServerInfo{Name: "mail.example.com", TLS: true}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"u", "p"} {
		got, err := a.Next([]byte("prompt"), true)
		if err != nil || string(got) != want {
			t.Errorf("prompt %d: %q %v", i, got, err)
		}
	}
	if _, err := a.Next([]byte("?"), true); err == nil {
		t.Error("third prompt answered")
	}
}
