package ino

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
)

// parseDuration reads a duration in seconds from "HH:MM:SS" (hours may pass
// 24), "MM:SS", plain seconds ("12"), or seconds with a decimal comma
// ("888,5").
func parseDuration(s string) (*float64, error) {
	s = strings.TrimSpace(s)
	if loaders.NoValue(loaders.SentinelInoDuration, s) {
		// Not measured: no duration, not a zero one.
		return nil, nil
	}
	v, err := parseSeconds(s)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func parseSeconds(s string) (float64, error) {
	if strings.Contains(s, ":") {
		parts := strings.Split(s, ":")
		if len(parts) > 3 {
			return 0, fmt.Errorf("not a duration")
		}
		var total float64
		for _, p := range parts {
			v, err := parseNumber(p)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("not a duration")
			}
			total = total*60 + v
		}
		return total, nil
	}
	v, err := parseNumber(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("not a duration")
	}
	return v, nil
}

// parseNumber accepts a decimal point or a decimal comma.
func parseNumber(s string) (float64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\u00a0", "")
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	return strconv.ParseFloat(s, 64)
}

// parseLocal reads a local date-time in the tenant's zone: "DD/MM/YYYY
// HH:MM:SS" (French exports) or "YYYY-MM-DD HH:MM:SS".
func parseLocal(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"02/01/2006 15:04:05", "02/01/2006 15:04", "2/1/2006 15:04:05", "02/01/2006"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return loaders.ParseTime(t.Format("2006-01-02 15:04:05.000"), loc)
		}
	}
	return loaders.ParseTime(s, loc)
}

// orderInterval resolves an interval whose end reads earlier than its start:
// a wall time in the repeated autumn hour was read as its first occurrence,
// but an end after a start in that hour is the second one.
func orderInterval(start, end time.Time) time.Time {
	if end.Before(start) {
		if later := end.Add(time.Hour); !later.Before(start) && later.In(end.Location()).Format("15:04:05") == end.Format("15:04:05") {
			return later
		}
	}
	return end
}

// parseYesNo reads Yes/No in English or French.
func parseYesNo(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "oui", "true", "1", "y", "o":
		return true, true
	case "no", "non", "false", "0", "n":
		return false, true
	}
	return false, false
}

// dequeuedReason maps a detailed interaction status to Buzzeasy's queue
// vocabulary; the raw status stays in sourceDequeuedReason.
func dequeuedReason(detailed string) string {
	switch d := strings.ToLower(detailed); {
	case d == "", d == "waiting":
		return ""
	case strings.Contains(d, "transf"):
		return "Transferred"
	case strings.Contains(d, "accept"), strings.Contains(d, "completed"), strings.Contains(d, "processed"),
		strings.Contains(d, "traitée"), strings.Contains(d, "acceptée"):
		return "AgentConnected"
	case strings.Contains(d, "abandon"), strings.Contains(d, "customer dissuaded"):
		return "CustomerDisconnected"
	case strings.Contains(d, "maximum waiting"), strings.Contains(d, "too long"):
		return "QueueTimedOut"
	}
	return "Ended"
}

// workitemResult maps a distribution to a user onto Buzzeasy's results.
func workitemResult(status, detailed string) string {
	switch d := strings.ToLower(detailed + " " + status); {
	case strings.Contains(d, "transf"):
		return "Transferred"
	case strings.Contains(d, "missed"), strings.Contains(d, "manqu"):
		return "Missed"
	case strings.Contains(d, "refus"):
		return "Rejected"
	case strings.Contains(d, "abandon"):
		return "Abandoned"
	case strings.Contains(d, "cancel"), strings.Contains(d, "annul"):
		return "Cancelled"
	}
	return "Handled"
}

// endedReason maps a conversation's detailed status to Buzzeasy's vocabulary.
func endedReason(detailed string) string {
	switch d := strings.ToLower(detailed); {
	case d == "":
		return ""
	case strings.Contains(d, "transf"):
		return "TransferredToQueue"
	case strings.Contains(d, "abandon"), strings.Contains(d, "customer dissuaded"):
		return "CustomerDisconnected"
	case strings.Contains(d, "maximum processing"), strings.Contains(d, "maximum waiting"):
		return "IdleTimeout"
	}
	return "Default"
}

// slug turns a display name into a key part: queues and users are known to
// the Reporter by name only.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
