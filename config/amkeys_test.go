package config

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	commoncfg "github.com/prometheus/common/config"
	"go.yaml.in/yaml/v3"
)

// keySet maps every configuration key, as a path with "[]" for list
// items ("receivers[].slack_configs[].api_url"), to whether it is a leaf:
// a value decoded whole (a scalar, a map of scalars, a type with its own
// decoder), whose sub-keys are not walked.
type keySet map[string]bool

// amKeys lists every key Alertmanager's config.Config knows at one
// version, reading the struct types and yaml tags of its source (the
// packages config and timeinterval, and prometheus/common's config types
// by reflection, as they are the ones alerter uses too).
func amKeys(t *testing.T, dir string) keySet {
	t.Helper()
	types := map[string]map[string]*ast.StructType{} // package -> type -> struct
	for _, pkg := range []string{"config", "timeinterval"} {
		types[pkg] = map[string]*ast.StructType{}
		files, err := filepath.Glob(filepath.Join(dir, pkg, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range af.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok || gd.Tok != token.TYPE {
					continue
				}
				for _, sp := range gd.Specs {
					ts := sp.(*ast.TypeSpec)
					if st, ok := ts.Type.(*ast.StructType); ok {
						types[pkg][ts.Name.Name] = st
					}
				}
			}
		}
	}
	if types["config"]["Config"] == nil {
		t.Fatalf("no config.Config in %s", dir)
	}
	keys := keySet{}
	onStack := map[*ast.StructType]bool{} // recursive types (routes) are walked once
	var walkStruct func(pkg string, st *ast.StructType, path string, depth int)
	var walkType func(pkg string, e ast.Expr, path string, depth int)
	walkType = func(pkg string, e ast.Expr, path string, depth int) {
		if depth > 20 {
			t.Fatalf("%s: too deep", path)
		}
		switch x := e.(type) {
		case *ast.StarExpr:
			walkType(pkg, x.X, path, depth)
		case *ast.ArrayType:
			if id, ok := x.Elt.(*ast.Ident); ok && id.Name == "byte" {
				keys[path] = true
				return
			}
			walkType(pkg, x.Elt, path+"[]", depth+1)
		case *ast.Ident:
			if st := types[pkg][x.Name]; st != nil && hasTags(st) {
				walkStruct(pkg, st, path, depth+1)
				return
			}
			keys[path] = true
		case *ast.SelectorExpr:
			p := x.X.(*ast.Ident).Name
			switch {
			case p == "timeinterval":
				if st := types["timeinterval"][x.Sel.Name]; st != nil && hasTags(st) {
					walkStruct("timeinterval", st, path, depth+1)
					return
				}
				keys[path] = true
			case p == "commoncfg" || p == "config":
				reflectKeys(keys, commonType(t, x.Sel.Name), path)
			default:
				keys[path] = true // another package's scalar type (sigv4's config is under sns_configs)
			}
		default:
			keys[path] = true // maps and the like
		}
	}
	walkStruct = func(pkg string, st *ast.StructType, path string, depth int) {
		if path != "" {
			keys[path] = false
		}
		if onStack[st] {
			return
		}
		onStack[st] = true
		defer delete(onStack, st)
		for _, f := range st.Fields.List {
			if f.Tag == nil {
				continue
			}
			tag, _ := strconv.Unquote(f.Tag.Value)
			name, opts, _ := strings.Cut(reflect.StructTag(tag).Get("yaml"), ",")
			if name == "-" {
				continue
			}
			if strings.Contains(opts, "inline") {
				walkType(pkg, f.Type, strings.TrimSuffix(path, "."), depth)
				// walkType marks an inlined struct's own path; undo that.
				continue
			}
			if name == "" {
				continue
			}
			walkType(pkg, f.Type, join(path, name), depth)
		}
	}
	walkStruct("config", types["config"]["Config"], "", 0)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// hasTags reports whether a struct has yaml tags: a configuration struct
// rather than a value decoded whole (like config.Regexp).
func hasTags(st *ast.StructType) bool {
	for _, f := range st.Fields.List {
		if f.Tag != nil && strings.Contains(f.Tag.Value, `yaml:"`) {
			return true
		}
	}
	return false
}

// commonType returns prometheus/common's config type of that name.
func commonType(t *testing.T, name string) reflect.Type {
	t.Helper()
	for _, v := range []any{commoncfg.HTTPClientConfig{}, commoncfg.TLSConfig{}, commoncfg.URL{}, commoncfg.Secret(""),
		commoncfg.BasicAuth{}, commoncfg.Authorization{}, commoncfg.OAuth2{}, commoncfg.ProxyConfig{}} {
		if rt := reflect.TypeOf(v); rt.Name() == name {
			return rt
		}
	}
	t.Fatalf("prometheus/common config type %s is not known to the test", name)
	return nil
}

var (
	nodeType     = reflect.TypeFor[yaml.Node]()
	v3Unmarshal  = reflect.TypeFor[yaml.Unmarshaler]()
	oldUnmarshal = reflect.TypeFor[interface {
		UnmarshalYAML(func(any) error) error
	}]()
)

// reflectKeys lists the keys of Go type rt at path, the way
// internal/strictyaml decodes it.
func reflectKeys(keys keySet, rt reflect.Type, path string) {
	onStack := map[reflect.Type]bool{}
	var walk func(rt reflect.Type, path string, depth int)
	walk = func(rt reflect.Type, path string, depth int) {
		for rt.Kind() == reflect.Pointer {
			rt = rt.Elem()
		}
		if depth > 20 {
			return
		}
		switch {
		case rt == nodeType || decodedWhole(rt):
			keys[path] = true
		case rt.Kind() == reflect.Slice && rt.Elem().Kind() != reflect.Uint8:
			walk(rt.Elem(), path+"[]", depth+1)
		case rt.Kind() == reflect.Struct && structTags(rt):
			if path != "" {
				keys[path] = false
			}
			if onStack[rt] {
				return
			}
			onStack[rt] = true
			defer delete(onStack, rt)
			for i := range rt.NumField() {
				f := rt.Field(i)
				if !f.IsExported() {
					continue
				}
				name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				if name == "-" {
					continue
				}
				if strings.Contains(opts, "inline") {
					if f.Type.Kind() == reflect.Map {
						keys[join(path, "*")] = true // takes any key
						continue
					}
					walk(f.Type, path, depth)
					if path != "" {
						keys[path] = false
					}
					continue
				}
				if name == "" {
					name = strings.ToLower(f.Name)
				}
				walk(f.Type, join(path, name), depth+1)
			}
		default:
			keys[path] = true
		}
	}
	walk(rt, path, 0)
}

// decodedWhole reports whether strictyaml hands rt to its own decoder
// rather than walking it: a type with an UnmarshalYAML method, unless it is
// a struct with yaml tags.
func decodedWhole(rt reflect.Type) bool {
	pt := reflect.PointerTo(rt)
	has := pt.Implements(v3Unmarshal) || pt.Implements(oldUnmarshal) || rt.Implements(v3Unmarshal) || rt.Implements(oldUnmarshal)
	return has && !(rt.Kind() == reflect.Struct && structTags(rt))
}

// structTags reports whether struct rt is walked field by field.
func structTags(rt reflect.Type) bool {
	for i := range rt.NumField() {
		if _, ok := rt.Field(i).Tag.Lookup("yaml"); ok {
			return true
		}
	}
	return false
}

// alerterKeys lists every key alerter's Config decodes.
func alerterKeys() keySet {
	keys := keySet{}
	reflectKeys(keys, reflect.TypeFor[Config](), "")
	return keys
}

// accepts reports whether alerter decodes the AM key path: the key itself,
// or a leaf above it that decodes it whole.
func (k keySet) accepts(path string) bool {
	if _, ok := k[path]; ok {
		return true
	}
	if _, ok := k[path+"[]"]; ok {
		return true // a list Alertmanager decodes with a type of its own
	}
	for p := parent(path); p != ""; p = parent(p) {
		if leaf, ok := k[p]; ok && leaf {
			return true
		}
	}
	return false
}

// parent drops the last key of a path ("a.b[].c" -> "a.b[]" -> "a.b").
func parent(p string) string {
	if strings.HasSuffix(p, "[]") {
		return strings.TrimSuffix(p, "[]")
	}
	if i := strings.LastIndex(p, "."); i >= 0 {
		return p[:i]
	}
	return ""
}

// refusedBy returns the message alerter gives for the AM key path, if it
// refuses it or a key above it.
func refusedBy(path string, ours keySet) (string, bool) {
	for p := path; p != ""; p = parent(p) {
		_, decoded := ours[p]
		_, list := ours[p+"[]"]
		if (decoded || list) && p != path {
			continue // alerter decodes this key: no unknown-field error there
		}
		par := parent(p)
		key := p[len(par):]
		key = strings.TrimPrefix(key, ".")
		if key == "" || strings.HasSuffix(p, "[]") {
			continue
		}
		if msg, ok := unsupported(&Error{Path: par, Msg: "unknown field " + strconv.Quote(key)}); ok {
			return msg, true
		}
	}
	return "", false
}

// TestEveryAlertmanagerKeyHonouredOrRefused walks Alertmanager's config
// types at every supported version: each key must be decoded by alerter
// or refused with a reason, never reported as merely unknown (nor,
// through a lenient decoder, ignored).
func TestEveryAlertmanagerKeyHonouredOrRefused(t *testing.T) {
	ours := alerterKeys()
	seen := map[string]bool{}
	for _, v := range amVersions {
		dir := amSource(t, v)
		keys := amKeys(t, dir)
		// The walk must have found Alertmanager's keys, or the test
		// proves nothing.
		for _, k := range []string{"global.resolve_timeout", "global.http_config.tls_config.ca_file", "route.routes[]",
			"route.mute_time_intervals", "inhibit_rules[].target_match_re", "receivers[].slack_configs[].api_url",
			"receivers[].sns_configs[].topic_arn", "time_intervals[].time_intervals[].weekdays",
			"mute_time_intervals[].time_intervals[].location", "templates", "route.mute_time_intervals"} {
			if !keys.accepts(k) {
				t.Fatalf("Alertmanager %s: the walk did not find %s (found %d keys)", v, k, len(keys))
			}
		}
		var missing []string
		for path := range keys {
			if seen[path] {
				continue
			}
			seen[path] = true
			_, refused := refusedBy(path, ours)
			accepted := ours.accepts(path)
			switch {
			case accepted && refused:
				t.Errorf("%s (Alertmanager %s) is both decoded and refused: remove it from the refusals in unsupported.go", path, v)
			case !accepted && !refused:
				missing = append(missing, path)
			}
		}
		sort.Strings(missing)
		for _, p := range missing {
			t.Errorf("Alertmanager %s key %s is neither decoded by alerter nor refused with a reason (unsupported.go)", v, p)
		}
	}
}
