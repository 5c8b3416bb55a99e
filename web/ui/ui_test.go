package ui

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func serve(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestServesPageAndFiles(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, ctype, contains string
	}{
		{"/", "text/html; charset=utf-8", `<script type="module" src="/ui/js/app.js"></script>`},
		{"/ui/app.css", "text/css; charset=utf-8", ":root"},
		{"/ui/js/app.js", "text/javascript; charset=utf-8", "import"},
		{"/ui/js/pages/alerts.js", "text/javascript; charset=utf-8", "/api/v2/alerts/groups"},
		{"/ui/favicon.svg", "image/svg+xml", "<svg"},
	} {
		rec := serve(t, h, http.MethodGet, tc.path, nil)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != tc.ctype || !strings.Contains(rec.Body.String(), tc.contains) {
			t.Errorf("%s: %d %q, body has %q: %v", tc.path, rec.Code, rec.Header().Get("Content-Type"), tc.contains, strings.Contains(rec.Body.String(), tc.contains))
		}
		for k, want := range map[string]string{
			"Content-Security-Policy": ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
			"Cache-Control":           "no-cache",
		} {
			if got := rec.Header().Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", tc.path, k, got, want)
			}
		}
		// Revalidation answers 304 without a body.
		etag := rec.Header().Get("ETag")
		if etag == "" {
			t.Fatalf("%s: no ETag", tc.path)
		}
		if rec := serve(t, h, http.MethodGet, tc.path, map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("%s with its ETag: %d, %d bytes", tc.path, rec.Code, rec.Body.Len())
		}
	}
	for _, p := range []string{"/ui/", "/ui/nope.js", "/ui/index.html", "/ui/../web.go", "/elsewhere"} {
		if rec := serve(t, h, http.MethodGet, p, nil); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, rec.Code)
		}
	}
	if rec := serve(t, h, http.MethodPost, "/", nil); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d %q", rec.Code, rec.Header().Get("Allow"))
	}
	if rec := serve(t, h, http.MethodHead, "/ui/app.css", nil); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

// TestCSPAllowsNothingInline checks that the page needs nothing the policy
// forbids: no inline script or style, no handler attributes, no outside
// host, and that the scripts never write HTML from strings.
func TestCSPAllowsNothingInline(t *testing.T) {
	if !strings.Contains(ContentSecurityPolicy, "script-src 'self'") || strings.Contains(ContentSecurityPolicy, "unsafe") ||
		!strings.Contains(ContentSecurityPolicy, "frame-ancestors 'none'") {
		t.Fatalf("policy %q", ContentSecurityPolicy)
	}
	inlineScript := regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`)
	handlerAttr := regexp.MustCompile(`(?i)\son[a-z]+=`)
	outside := regexp.MustCompile(`(?i)(?:src|href)=["']?(?:https?:)?//`)
	htmlSinks := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function`)
	n := 0
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		s := string(b)
		switch {
		case strings.HasSuffix(p, ".html"):
			if inlineScript.MatchString(s) || strings.Contains(s, "<style") || strings.Contains(s, " style=") || handlerAttr.MatchString(s) || outside.MatchString(s) {
				t.Errorf("%s has inline script, style, handlers or an outside host", p)
			}
		case strings.HasSuffix(p, ".js"):
			if m := htmlSinks.FindString(s); m != "" {
				t.Errorf("%s uses %s", p, m)
			}
			if strings.Contains(s, "http://") || strings.Contains(s, "https://") {
				t.Errorf("%s names an outside host", p)
			}
		case strings.HasSuffix(p, ".css"):
			if strings.Contains(s, "@import") || strings.Contains(s, "url(") {
				t.Errorf("%s loads something", p)
			}
		}
		return nil
	})
	if err != nil || n < 10 {
		t.Fatalf("walked %d files: %v", n, err)
	}
}
