package rules

// Template is a label or annotation template (placeholder until template.go).
type Template struct{ Source string }
