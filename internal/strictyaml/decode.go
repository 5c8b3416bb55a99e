package strictyaml

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Aliases can make a small document expand into a huge one; the walk stops
// after visiting this many nodes plus perNodeBudget for each node of the
// document itself.
const (
	baseBudget    = 100_000
	perNodeBudget = 100
	maxAliasChain = 1000
)

// decoder holds the state of one Decode call.
type decoder struct {
	errs      Errors
	budget    int
	exhausted bool
}

// Decode decodes n into out, which must be a non-nil pointer, and returns
// every problem found, sorted by position (nil when there is none).
//
// Structs are decoded by their `yaml:"name,omitempty"` tags (a field
// without a tag uses its lower-cased name; `,inline` merges the keys of an
// embedded struct, a pointer to one, or collects leftover keys in a map);
// maps, slices and pointers are decoded element by element; scalars, and
// interface values, are handed to yaml.v3's own Node.Decode. Fields of type
// yaml.Node or *yaml.Node receive the node itself (aliases resolved), so
// callers can keep positions for later validation.
//
// Types with their own UnmarshalYAML (the yaml.v3 form taking a *yaml.Node,
// or the older form taking an unmarshal function, as used by
// prometheus/common's model.Duration and config.Secret) are decoded by
// Node.Decode and their error is reported at the node. The exception is a
// struct with yaml tags given a mapping, such as config.HTTPClientConfig
// or config.TLSConfig: its UnmarshalYAML would decode without the
// strictness wanted here, so its fields are walked like any struct's and,
// when that found no problem, its Validate() error method (if any) is
// called and its error reported at the mapping. Any other work such an
// UnmarshalYAML does, like setting defaults, is the caller's to do first.
func Decode(n *yaml.Node, out any) Errors {
	v := reflect.ValueOf(out)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		e := &Error{Msg: fmt.Sprintf("strictyaml: Decode needs a non-nil pointer, got %T", out)}
		if n != nil {
			e.Line, e.Column = n.Line, n.Column
		}
		return Errors{e}
	}
	if n == nil {
		return nil
	}
	d := &decoder{budget: baseBudget + perNodeBudget*countNodes(n)}
	d.decode(n, v.Elem(), "")
	if len(d.errs) == 0 {
		return nil
	}
	return sortAndDedupe(d.errs)
}

// decode resolves aliases and the document node, then decodes n into v.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	n = resolve(n)
	if n == nil || n.Kind == 0 { // 0: the zero Node of an empty input
		return
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) > 0 {
			d.decode(n.Content[0], v, path)
		}
		return
	}
	if !d.spend(n) {
		return
	}
	switch v.Type() {
	case nodeType:
		v.Set(reflect.ValueOf(n).Elem())
		return
	case nodePtrType:
		v.Set(reflect.ValueOf(n))
		return
	}
	for v.Kind() == reflect.Pointer {
		if isNull(n) {
			v.SetZero()
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if hasUnmarshaler(v.Type()) {
		if v.Kind() == reflect.Struct && n.Kind == yaml.MappingNode && hasYAMLTags(v.Type()) {
			if v.IsZero() {
				setDefaults(v)
			}
			before := len(d.errs)
			d.structMapping(n, v, path)
			if len(d.errs) == before {
				d.validate(n, v, path)
			}
			return
		}
		d.whole(n, v, path)
		return
	}
	d.byKind(n, v, path)
}

// setDefaults gives v, a zero struct whose type has its own UnmarshalYAML,
// the defaults that UnmarshalYAML sets, by running it on an empty mapping:
// config.HTTPClientConfig's follow_redirects and enable_http2 are true
// unless a file says otherwise. If that fails (a type that requires a
// field), v stays zero.
func setDefaults(v reflect.Value) {
	if !v.CanAddr() {
		return
	}
	empty := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	var err error
	switch u := v.Addr().Interface().(type) {
	case yaml.Unmarshaler:
		err = u.UnmarshalYAML(empty)
	case obsoleteUnmarshaler:
		err = u.UnmarshalYAML(func(out any) error { return empty.Decode(out) })
	default:
		return
	}
	if err != nil {
		v.SetZero()
	}
}

// byKind decodes n into v, a non-pointer without its own unmarshaler.
func (d *decoder) byKind(n *yaml.Node, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Struct:
		switch {
		case n.Kind == yaml.MappingNode:
			d.structMapping(n, v, path)
		case isNull(n):
		case n.Kind == yaml.ScalarNode && fromText(v.Type()):
			d.whole(n, v, path)
		default:
			d.kindError(n, path, "a mapping")
		}
	case reflect.Map:
		switch {
		case n.Kind == yaml.MappingNode:
			d.mapMapping(n, v, path)
		case isNull(n):
			v.SetZero()
		default:
			d.kindError(n, path, "a mapping")
		}
	case reflect.Slice, reflect.Array:
		switch {
		case n.Kind == yaml.SequenceNode:
			d.sequence(n, v, path)
		case isNull(n) && v.Kind() == reflect.Slice:
			v.SetZero()
		case n.Kind == yaml.ScalarNode && v.Type().Elem().Kind() == reflect.Uint8:
			d.whole(n, v, path) // !!binary
		default:
			d.kindError(n, path, "a sequence")
		}
	case reflect.Interface:
		d.whole(n, v, path)
	default:
		if n.Kind != yaml.ScalarNode {
			d.kindError(n, path, describeType(v.Type()))
			return
		}
		d.whole(n, v, path)
	}
}

// sequence decodes a sequence node into a fresh slice, or an array of the
// same length.
func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	l := len(n.Content)
	if v.Kind() == reflect.Array {
		if l != v.Len() {
			d.fail(n, path, fmt.Sprintf("expected a sequence of %d items, got %d", v.Len(), l))
			return
		}
		for i, c := range n.Content {
			d.decode(c, v.Index(i), index(path, i))
		}
		return
	}
	s := reflect.MakeSlice(v.Type(), l, l)
	for i, c := range n.Content {
		d.decode(c, s.Index(i), index(path, i))
	}
	v.Set(s)
}

// structMapping decodes a mapping into the fields of struct v.
func (d *decoder) structMapping(n *yaml.Node, v reflect.Value, path string) {
	pairs := d.pairs(n, path, 0)
	used := make([]bool, len(pairs))
	inline := d.fillStruct(n, pairs, used, v, path)
	for i, p := range pairs {
		switch {
		case used[i]:
		case inline.IsValid():
			d.mapEntry(inline, p, path)
		default:
			d.fail(p.keyNode, path, fmt.Sprintf("unknown field %q", p.key))
		}
	}
}

// fillStruct decodes the pairs that name fields of v (and of its inline
// structs), marking them used. It returns the inline map, if any, that
// should take the pairs left over.
func (d *decoder) fillStruct(n *yaml.Node, pairs []pair, used []bool, v reflect.Value, path string) (inlineMap reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, inline := parseTag(f)
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if inline {
			if m := d.fillInline(n, pairs, used, f, fv, path); m.IsValid() && !inlineMap.IsValid() {
				inlineMap = m
			}
			continue
		}
		for j := range pairs {
			if !used[j] && pairs[j].key == name {
				used[j] = true
				d.decode(pairs[j].val, fv, join(path, name))
			}
		}
	}
	return inlineMap
}

// fillInline handles one `,inline` field: a struct or pointer to struct
// shares the parent's keys; a map with string keys takes the leftovers.
func (d *decoder) fillInline(n *yaml.Node, pairs []pair, used []bool, f reflect.StructField, fv reflect.Value, path string) reflect.Value {
	switch {
	case f.Type.Kind() == reflect.Map && f.Type.Key().Kind() == reflect.String:
		if fv.IsNil() {
			fv.Set(reflect.MakeMap(f.Type))
		}
		return fv
	case f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct:
		if fv.IsNil() {
			fv.Set(reflect.New(f.Type.Elem()))
		}
		fv = fv.Elem()
	case f.Type.Kind() != reflect.Struct:
		d.fail(n, path, fmt.Sprintf("strictyaml: field %s has ,inline but is a %s", f.Name, f.Type))
		return reflect.Value{}
	}
	before := len(d.errs)
	m := d.fillStruct(n, pairs, used, fv, path)
	if len(d.errs) == before && hasUnmarshaler(fv.Type()) {
		d.validate(n, fv, path)
	}
	return m
}

// mapMapping decodes a mapping into map v, adding to what v holds.
func (d *decoder) mapMapping(n *yaml.Node, v reflect.Value, path string) {
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, p := range d.pairs(n, path, 0) {
		d.mapEntry(v, p, path)
	}
}

// mapEntry decodes one key/value pair into map m.
func (d *decoder) mapEntry(m reflect.Value, p pair, path string) {
	kt := m.Type().Key()
	k := reflect.New(kt).Elem()
	if kt.Kind() == reflect.String && !hasUnmarshaler(kt) {
		k.SetString(p.key)
	} else if err := p.keyNode.Decode(k.Addr().Interface()); err != nil {
		d.fail(p.keyNode, path, cleanYAMLError(err))
		return
	}
	e := reflect.New(m.Type().Elem()).Elem()
	d.decode(p.val, e, join(path, p.key))
	m.SetMapIndex(k, e)
}

// whole hands n to yaml.v3 to decode into v at once.
func (d *decoder) whole(n *yaml.Node, v reflect.Value, path string) {
	if err := n.Decode(v.Addr().Interface()); err != nil {
		d.fail(n, path, RedactURLs(cleanYAMLError(err), n.Value))
	}
}

// validate calls v's Validate method, if it has one.
func (d *decoder) validate(n *yaml.Node, v reflect.Value, path string) {
	val, ok := v.Addr().Interface().(validator)
	if !ok {
		return
	}
	if err := val.Validate(); err != nil {
		d.fail(n, path, err.Error())
	}
}

// spend charges one node visit against the alias-expansion budget.
func (d *decoder) spend(n *yaml.Node) bool {
	if d.exhausted {
		return false
	}
	d.budget--
	if d.budget < 0 {
		d.exhausted = true
		d.fail(n, "", "document is too complex: its aliases expand to too many nodes")
		return false
	}
	return true
}

func (d *decoder) fail(n *yaml.Node, path, msg string) {
	d.errs = append(d.errs, &Error{Line: n.Line, Column: n.Column, Path: path, Msg: msg})
}

func (d *decoder) kindError(n *yaml.Node, path, want string) {
	d.fail(n, path, fmt.Sprintf("expected %s, got %s", want, describeNode(n)))
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// parseTag returns the key of field f and whether it is inline.
func parseTag(f reflect.StructField) (name string, inline bool) {
	tag := f.Tag.Get("yaml")
	name, opts, _ := strings.Cut(tag, ",")
	for o := range strings.SplitSeq(opts, ",") {
		if o == "inline" {
			inline = true
		}
	}
	if name == "" && !inline {
		name = strings.ToLower(f.Name)
	}
	return name, inline
}
