package loaders_test

import (
	"regexp"
	"strings"
)

// The extractors below list the fields each vendor document (a copy of
// ../shared/seeds/ in testdata/seeds/) defines, so that TestFieldLedgers can
// require every one of them in the source's FIELDS.md. Each reads the
// document's own layout, which differs per vendor; TestSeedExtractors holds
// them to names known to be in each document and to lines known not to be
// fields.

// fieldKey names one field of a vendor document: the part of the document
// that defines it (a data source, a table, a JSON example) and the field's
// name there. The ledger's "## " headings are the sections.
type fieldKey struct{ Section, Name string }

func (k fieldKey) String() string { return k.Section + ": " + k.Name }

// fieldSet collects keys once each, in the order first met.
type fieldSet struct {
	keys []fieldKey
	seen map[fieldKey]bool
}

func (s *fieldSet) add(section, name string) {
	k := fieldKey{section, strings.TrimSpace(name)}
	if k.Name == "" {
		return
	}
	if s.seen == nil {
		s.seen = map[fieldKey]bool{}
	}
	if !s.seen[k] {
		s.seen[k] = true
		s.keys = append(s.keys, k)
	}
}

// twowayTypes are the data types of the report's property table: a
// property's name is the line whose next non-blank line is one of them.
var twowayTypes = map[string]bool{"string": true, "boolean": true, "integer": true}

var snakeName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// twowayFields reads the property table of the two-way report: one cell per
// line (name, type, length, key, description), so a property is a
// snake_case line followed by its type.
func twowayFields(doc string) []fieldKey {
	var s fieldSet
	lines := nonBlank(doc)
	for i := 0; i+1 < len(lines); i++ {
		if snakeName.MatchString(lines[i]) && !twowayTypes[lines[i]] && twowayTypes[lines[i+1]] {
			s.add("Properties", lines[i])
		}
	}
	return s.keys
}

// inoSections are the headings of the Reporter's four messaging data
// sources, as the document writes them.
var inoSections = []string{"Incoming message distribution", "Outgoing message distributions", "Messages", "SMS"}

// inoFields reads the column lists of the four data sources: after a
// source's heading, every line is a column, "Name: what it holds" or a bare
// name (the document lists some columns without a description), except the
// lines that introduce a list ("Here are the details for each column:").
func inoFields(doc string) []fieldKey {
	var s fieldSet
	section := ""
	for _, line := range nonBlank(doc) {
		if isOneOf(line, inoSections) {
			section = line
			continue
		}
		if section == "" {
			continue // the overview
		}
		name, rest, hasColon := strings.Cut(line, ":")
		if hasColon && strings.TrimSpace(rest) == "" {
			continue // "You can also add columns:"
		}
		s.add(section, name)
	}
	return s.keys
}

// cxengageOpeners are the words the reference's descriptions begin with. Its
// response table lost the cell boundary, so "flowIdThe unique identifier"
// is the name flowId followed by its description.
var (
	cxGlued    = regexp.MustCompile(`^([a-z][A-Za-z]*?)(?:The|A|Displays|Flagged) `)
	cxBare     = regexp.MustCompile(`^[a-z][A-Za-z]*$`)
	cxBullet   = regexp.MustCompile(`^  • ([A-Za-z]+)(?:—|$)`)
	cxObjects  = map[string]bool{"outboundIdentifier": true}
	cxJSONOpen = "The request returns JSON structured like the example below:"
)

// cxengageFields reads the CxEngage reference: the request parameters
// (section "Request parameters"), and the response (section "Interaction"):
// the parameter list, whose nested attributes are the two-space bullets
// under a parent (a list, written parent[].name, except outboundIdentifier,
// an object: parent.name), and every key of the sample response, as a path
// in the same notation.
func cxengageFields(doc string) []fieldKey {
	var s fieldSet
	lines := strings.Split(doc, "\n")
	region, parent := "", ""
	for _, raw := range lines {
		line := strings.TrimRight(raw, " \t\r")
		switch {
		case strings.HasPrefix(line, "The table below lists and describes the parameters"):
			region = "request"
			continue
		case line == "Response":
			region = ""
			continue
		case strings.HasPrefix(line, "For each interaction, the following parameters might be returned"):
			region = "response"
			continue
		}
		switch region {
		case "request":
			if cxBare.MatchString(line) && line != "required" {
				s.add("Request parameters", line)
			}
		case "response":
			if m := cxBullet.FindStringSubmatch(line); m != nil && parent != "" {
				sep := "[]."
				if cxObjects[parent] {
					sep = "."
				}
				s.add("Interaction", parent+sep+m[1])
				continue
			}
			name := ""
			if cxBare.MatchString(line) {
				name = line
			} else if m := cxGlued.FindStringSubmatch(line); m != nil {
				name = m[1]
			}
			if name == "" {
				continue
			}
			parent = name
			switch name {
			case "outboundIdentifier", "hooks", "segments", "agents", "queues":
				// Listed by their attributes.
			default:
				s.add("Interaction", name)
			}
		}
	}
	if i := strings.Index(doc, cxJSONOpen); i >= 0 {
		for _, l := range jsonLeaves(balanced(doc[i:])) {
			s.add("Interaction", l.Path)
		}
	}
	return s.keys
}

// lpRecordPrefix is the path of a conversation record in the search
// response; record fields are written without it.
const lpRecordPrefix = "conversationHistoryRecords[]."

// livepersonFields reads the LivePerson document: each engagement
// attribute table ("name | description | type | notes" rows under the
// attribute's name; section = the name without its parenthesis), and every
// key of the JSON example (section "JSON example"), as a path from the
// conversation record (lpRecordPrefix left out; the response's _metadata
// keeps its own path).
func livepersonFields(doc string) []fieldKey {
	var s fieldSet
	lines := nonBlank(doc)
	section := ""
	for i, line := range lines {
		if strings.HasPrefix(line, "Name | Description |") {
			section = strings.TrimSpace(strings.Split(lines[i-1], "(")[0])
			continue
		}
		if strings.HasPrefix(line, "---|") {
			continue
		}
		if section == "" || !strings.Contains(line, "|") {
			section = ""
			continue
		}
		s.add(section, strings.Split(line, "|")[0])
	}
	if i := strings.Index(doc, "JSON example"); i >= 0 {
		for _, l := range jsonLeaves(balanced(doc[i:])) {
			s.add("JSON example", strings.TrimPrefix(l.Path, lpRecordPrefix))
		}
	}
	return s.keys
}

// buzzeasyMultiWord are the field names with a space; every other name of a
// "Field Description" table is the first word of its line.
var buzzeasyMultiWord = []string{"routing mode"}

// buzzeasyFields reads every "Field Description" table of the Buzzeasy
// document: the section is the table's heading (the last short line before
// the table that is neither a sentence nor an "Applies to:" note, without
// its parenthesis), and each following line up to a blank one is a field,
// named by its first word.
func buzzeasyFields(doc string) []fieldKey {
	var s fieldSet
	heading, section := "", ""
	for _, raw := range strings.Split(doc, "\n") {
		line := strings.TrimSpace(raw)
		switch {
		case line == "Field Description":
			section = heading
			continue
		case line == "":
			section = ""
			continue
		case section != "":
			name := strings.Fields(line)[0]
			for _, m := range buzzeasyMultiWord {
				if strings.HasPrefix(line, m+" ") || line == m {
					name = m
				}
			}
			s.add(section, name)
			continue
		}
		if len(line) <= 60 && !strings.ContainsAny(line, ".:•") && line[0] >= 'A' && line[0] <= 'Z' {
			heading = strings.TrimSpace(strings.Split(line, "(")[0])
		}
	}
	return s.keys
}

func nonBlank(doc string) []string {
	var out []string
	for _, l := range strings.Split(doc, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func isOneOf(s string, list []string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

// balanced returns the first {...} of s, braces inside strings ignored; up
// to the end of s when it never closes.
func balanced(s string) string {
	start := strings.IndexByte(s, '{')
	if start < 0 {
		return ""
	}
	depth, inStr, esc := 0, false, false
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr && esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return s[start : i+1]
			}
		}
	}
	return s[start:]
}
