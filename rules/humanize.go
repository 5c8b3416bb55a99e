package rules

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// SI and binary prefixes, by power.
var (
	bigPrefixes    = [...]string{"k", "M", "G", "T", "P", "E", "Z", "Y"}
	smallPrefixes  = [...]string{"m", "u", "n", "p", "f", "a", "z", "y"}
	binaryPrefixes = [...]string{"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}
)

var errNotFinite = errors.New("value is NaN or Inf")

// scale divides v by base until it is below base (using at most the given
// prefixes) and returns the scaled value and the prefix used.
func scale(v, base float64, prefixes []string) (float64, string) {
	n := 0
	for n < len(prefixes) && math.Abs(v) >= base {
		v /= base
		n++
	}
	if n == 0 {
		return v, ""
	}
	return v, prefixes[n-1]
}

// scaleUp multiplies v by 1000 until it is at least 1 (using at most the
// small prefixes) and returns the scaled value and the prefix used.
func scaleUp(v float64) (float64, string) {
	n := 0
	for n < len(smallPrefixes) && math.Abs(v) < 1 {
		v *= 1000
		n++
	}
	if n == 0 {
		return v, ""
	}
	return v, smallPrefixes[n-1]
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// humanize formats a number with 4 significant digits and an SI prefix:
// 1234567 → "1.235M", 0.001234 → "1.234m".
func humanize(i any) (string, error) {
	v, err := toFloat(i)
	if err != nil {
		return "", err
	}
	if v == 0 || !finite(v) {
		return fmt.Sprintf("%.4g", v), nil
	}
	var p string
	if math.Abs(v) >= 1 {
		v, p = scale(v, 1000, bigPrefixes[:])
	} else {
		v, p = scaleUp(v)
	}
	return fmt.Sprintf("%.4g%s", v, p), nil
}

// humanize1024 is humanize with binary prefixes: 1048576 → "1Mi".
func humanize1024(i any) (string, error) {
	v, err := toFloat(i)
	if err != nil {
		return "", err
	}
	if math.Abs(v) <= 1 || !finite(v) {
		return fmt.Sprintf("%.4g", v), nil
	}
	v, p := scale(v, 1024, binaryPrefixes[:])
	return fmt.Sprintf("%.4g%s", v, p), nil
}

// humanizeDuration formats seconds as "1d 2h 3m 4s", "1.5s" or "250ms".
func humanizeDuration(i any) (string, error) {
	v, err := toFloat(i)
	if err != nil {
		return "", err
	}
	switch {
	case !finite(v):
		return fmt.Sprintf("%.4g", v), nil
	case v == 0:
		return "0s", nil
	case math.Abs(v) < 1:
		v, p := scaleUp(v)
		return fmt.Sprintf("%.4g%ss", v, p), nil
	}
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	total := int64(v)
	days, rem := total/86400, total%86400
	hours, rem := rem/3600, rem%3600
	minutes, seconds := rem/60, rem%60
	switch {
	case days > 0:
		return fmt.Sprintf("%s%dd %dh %dm %ds", sign, days, hours, minutes, seconds), nil
	case hours > 0:
		return fmt.Sprintf("%s%dh %dm %ds", sign, hours, minutes, seconds), nil
	case minutes > 0:
		return fmt.Sprintf("%s%dm %ds", sign, minutes, seconds), nil
	default:
		return fmt.Sprintf("%s%.4gs", sign, v), nil
	}
}

// humanizePercentage formats a ratio as a percentage: 0.1234 → "12.34%".
func humanizePercentage(i any) (string, error) {
	v, err := toFloat(i)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%.4g%%", v*100), nil
}

// humanizeTimestamp formats Unix seconds as a UTC time, with millisecond
// precision.
func humanizeTimestamp(i any) (string, error) {
	v, err := toFloat(i)
	if err != nil {
		return "", err
	}
	t, err := unixToTime(v)
	if errors.Is(err, errNotFinite) {
		return fmt.Sprintf("%.4g", v), nil
	}
	if err != nil {
		return "", err
	}
	return t.String(), nil
}

// toTime turns Unix seconds into a time.Time (UTC, millisecond precision).
func toTime(i any) (*time.Time, error) {
	v, err := toFloat(i)
	if err != nil {
		return nil, err
	}
	return unixToTime(v)
}

// toDuration turns seconds into a time.Duration.
func toDuration(i any) (*time.Duration, error) {
	v, err := toFloat(i)
	if err != nil {
		return nil, err
	}
	d := time.Duration(v * float64(time.Second))
	return &d, nil
}

// unixToTime converts Unix seconds to UTC, truncated to the millisecond
// like Prometheus timestamps.
func unixToTime(v float64) (*time.Time, error) {
	if !finite(v) {
		return nil, errNotFinite
	}
	ns := v * 1e9
	if ns >= math.MaxInt64 || ns <= math.MinInt64 {
		return nil, fmt.Errorf("%v cannot be represented as a nanoseconds timestamp since it overflows int64", v)
	}
	t := time.UnixMilli(int64(ns) / int64(time.Millisecond)).UTC()
	return &t, nil
}
