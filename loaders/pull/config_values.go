package pull

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The value syntaxes of the sources file: durations with days, rates, and
// the endpoint rule.

// parseDuration is time.ParseDuration with whole days allowed in front:
// "7d", "1d12h".
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > 3650 {
			return 0, fmt.Errorf("bad number of days in %q", s)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	return days + d, nil
}

// fmtDuration writes whole days as "7d" and the rest as Go does.
func fmtDuration(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

// parseRate reads "N/s", "N/m", "N/h", "N/DURATION" or a plain N (per
// second) into requests per second.
func parseRate(s string) (float64, error) {
	num, per, found := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad rate %q", s)
	}
	if !found {
		return n, nil
	}
	var d time.Duration
	switch strings.TrimSpace(per) {
	case "s", "sec", "second":
		d = time.Second
	case "m", "min", "minute":
		d = time.Minute
	case "h", "hour":
		d = time.Hour
	default:
		if d, err = parseDuration(per); err != nil || d <= 0 {
			return 0, fmt.Errorf("bad rate %q", s)
		}
	}
	return n / d.Seconds(), nil
}

// checkEndpoint returns what is wrong with an endpoint URL ("" if nothing).
// A user, password or query string is refused: it may carry a secret,
// which belongs in credential.
func checkEndpoint(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return "expected an absolute http or https URL"
	case u.User != nil:
		return "a user or password in the URL is not accepted; use credential"
	case u.RawQuery != "" || u.Fragment != "":
		return "a query string is not accepted (it may carry a secret); use credential or options"
	}
	return ""
}
