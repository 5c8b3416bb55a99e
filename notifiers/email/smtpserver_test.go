package email

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests run a real SMTP server: aiosmtpd, driven by
// testdata/smtpserver.py. Nothing here imitates SMTP.

// smtpPython returns a Python interpreter that has aiosmtpd. Without one
// the test is skipped, naming the Debian package, or fails under CI.
func smtpPython(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import aiosmtpd").Run() == nil {
			return path
		}
	}
	msg := "no python3 with the aiosmtpd module: install the Debian package python3-aiosmtpd (scripts/ensure-deps.sh does)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// serverOptions configure one test SMTP server.
type serverOptions struct {
	// STARTTLS offers (and requires) STARTTLS with a certificate that
	// the server's CAFile trusts; ImplicitTLS speaks TLS from the start.
	STARTTLS, ImplicitTLS bool
	User, Password        string
	CRAMSecret            string
	// Mechanisms are the AUTH mechanisms offered; AUTH is then required.
	Mechanisms []string
	// RcptReply and DataReply replace the server's answers to RCPT and
	// DATA ("550 5.1.1 ...").
	RcptReply, DataReply string
}

// smtpServer is a running test server.
type smtpServer struct {
	// Addr is host:port; CAFile is the PEM certificate it presents.
	Addr, CAFile string
	dir          string
}

// received is one message the server accepted.
type received struct {
	Meta struct {
		MailFrom      string   `json:"mail_from"`
		RcptTos       []string `json:"rcpt_tos"`
		Helo          string   `json:"helo"`
		TLS           bool     `json:"tls"`
		Authenticated bool     `json:"authenticated"`
		Auth          *struct {
			Mechanism string `json:"mechanism"`
			Login     string `json:"login"`
			TLS       bool   `json:"tls"`
		} `json:"auth"`
	}
	Raw []byte
}

// syncBuffer collects the server's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startSMTP starts a server for the test and stops it at cleanup.
func startSMTP(t *testing.T, o serverOptions) *smtpServer {
	t.Helper()
	py := smtpPython(t)
	dir := t.TempDir()
	s := &smtpServer{dir: filepath.Join(dir, "mail")}
	if err := os.Mkdir(s.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{filepath.Join("testdata", "smtpserver.py"), "--outdir", s.dir}
	if o.STARTTLS || o.ImplicitTLS {
		var key string
		s.CAFile, key = writeCert(t, dir)
		args = append(args, "--cert", s.CAFile, "--key", key)
	}
	if o.ImplicitTLS {
		args = append(args, "--implicit-tls")
	}
	for flag, v := range map[string]string{
		"--user": o.User, "--password": o.Password, "--cram-secret": o.CRAMSecret,
		"--mechanisms": strings.Join(o.Mechanisms, ","), "--rcpt-reply": o.RcptReply, "--data-reply": o.DataReply,
	} {
		if v != "" {
			args = append(args, flag, v)
		}
	}
	cmd := exec.Command(py, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = stdin.Close() // The server exits when its stdin closes.
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("SMTP server stderr:\n%s", stderr.String())
		}
	})

	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- strings.TrimSpace(line)
	}()
	select {
	case line := <-ready:
		port, ok := strings.CutPrefix(line, "LISTENING ")
		if !ok {
			t.Fatalf("SMTP server did not start (%q):\n%s", line, stderr.String())
		}
		s.Addr = net.JoinHostPort("127.0.0.1", port)
	case <-time.After(30 * time.Second):
		t.Fatalf("SMTP server not ready after 30s:\n%s", stderr.String())
	}
	return s
}

// messages returns what the server accepted so far, in order.
func (s *smtpServer) messages(t *testing.T) []received {
	t.Helper()
	metas, err := filepath.Glob(filepath.Join(s.dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(metas)
	var out []received
	for _, m := range metas {
		var r received
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &r.Meta); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if r.Raw, err = os.ReadFile(strings.TrimSuffix(m, ".json") + ".eml"); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// writeCert writes a self-signed certificate for 127.0.0.1 and
// localhost, and its key, as PEM files in dir.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "alerter test SMTP server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
