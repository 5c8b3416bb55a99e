// Package strictyaml decodes a go.yaml.in/yaml/v3 node tree into Go values
// strictly and reports every problem at once, each with its line, column
// and field path, instead of stopping at the first one as yaml.v3 does.
//
// Strict means: a key that matches no field is an error, a key repeated in
// one mapping is an error, and a value of the wrong shape is an error. YAML
// anchors, aliases and merge keys (<<) are supported as yaml.v3 supports
// them.
//
// Decode never resets out: callers set defaults on out first, and fields
// whose keys are absent keep those values. An explicit null clears
// pointers, maps and slices and leaves other values as they are, as
// yaml.v3 does.
package strictyaml
