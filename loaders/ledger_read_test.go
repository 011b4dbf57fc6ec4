package loaders_test

import (
	"fmt"
	"regexp"
	"strings"
)

// A field ledger (loaders/<source>/FIELDS.md) is Markdown: a "## " heading
// per section of the vendor document, and under it a table
//
//	| Field | What it holds | Where it lands |
//
// whose first cell names one or more fields (each in backticks) and whose
// last cell is either "dropped: " and the reason, or one or more targets in
// backticks, with free text around them:
//
//	`Set.property`                             the property holds the value
//	`Set.property = text`                      ... and this exact value
//	`Set.property = *`                         ... and the value the field has in the test file
//	`CapturedData (category C, name N)`        a CapturedData row with this category and name
//	`CapturedData (category C, name N) = text` ... whose value is text (or * as above)

// ledgerEntry is one field of a ledger.
type ledgerEntry struct {
	Key     fieldKey
	Line    int
	Dropped string   // the reason; empty when the field lands
	Targets []target // where it lands
}

// target is one place a field lands.
type target struct {
	Raw           string
	Set, Property string // Property is empty for a CapturedData row
	Category      string // CapturedData row
	Name          string // CapturedData row
	Value         string
	HasValue      bool
	AsGiven       bool // "= *"
}

func (t target) String() string { return t.Raw }

var (
	backticked = regexp.MustCompile("`([^`]*)`")
	capturedRe = regexp.MustCompile(`^CapturedData \(category ([^,()]+), name ([^()]+)\)$`)
	propertyRe = regexp.MustCompile(`^([A-Z][A-Za-z]*)\.([a-z][A-Za-z0-9]*)$`)
)

// parseTarget reads one backticked target.
func parseTarget(s string) (target, error) {
	t := target{Raw: s}
	place := s
	if i := strings.Index(s, " = "); i >= 0 {
		place, t.Value, t.HasValue = s[:i], strings.TrimSpace(s[i+3:]), true
		t.AsGiven = t.Value == "*"
		if t.Value == "" {
			return t, fmt.Errorf("target %q: empty value after =", s)
		}
	}
	if m := capturedRe.FindStringSubmatch(place); m != nil {
		t.Set, t.Category, t.Name = "CapturedData", strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
		return t, nil
	}
	if m := propertyRe.FindStringSubmatch(place); m != nil {
		t.Set, t.Property = m[1], m[2]
		return t, nil
	}
	return t, fmt.Errorf("target %q: expected Set.property or CapturedData (category C, name N), optionally followed by = value", s)
}

// readLedger parses a ledger. Errors name the line.
func readLedger(text string) ([]ledgerEntry, []error) {
	var out []ledgerEntry
	var errs []error
	section := ""
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if h, ok := strings.CutPrefix(line, "## "); ok {
			section = strings.TrimSpace(h)
			continue
		}
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") || strings.HasPrefix(line, "| Field |") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 3 {
			errs = append(errs, fmt.Errorf("line %d: expected | Field | What it holds | Where it lands |", n))
			continue
		}
		if section == "" {
			errs = append(errs, fmt.Errorf("line %d: a field before any ## section", n))
			continue
		}
		names := backticked.FindAllStringSubmatch(cells[0], -1)
		if len(names) == 0 {
			errs = append(errs, fmt.Errorf("line %d: no field name in backticks", n))
			continue
		}
		if strings.TrimSpace(cells[1]) == "" {
			errs = append(errs, fmt.Errorf("line %d: no description of the field", n))
		}
		where := strings.TrimSpace(cells[len(cells)-1])
		var e ledgerEntry
		if reason, ok := strings.CutPrefix(where, "dropped:"); ok {
			e.Dropped = strings.TrimSpace(reason)
			if e.Dropped == "" {
				errs = append(errs, fmt.Errorf("line %d: a dropped field needs its reason", n))
			}
		} else {
			spans := backticked.FindAllStringSubmatch(where, -1)
			for _, m := range spans {
				t, err := parseTarget(m[1])
				if err != nil {
					errs = append(errs, fmt.Errorf("line %d: %v", n, err))
					continue
				}
				e.Targets = append(e.Targets, t)
			}
			if len(spans) == 0 {
				errs = append(errs, fmt.Errorf("line %d: neither a target in backticks nor \"dropped: reason\"", n))
			}
		}
		for _, m := range names {
			x := e
			x.Key, x.Line = fieldKey{section, m[1]}, n
			out = append(out, x)
		}
	}
	return out, errs
}
