package tmdl

import (
	"errors"
	"strings"
	"unicode"
)

// The object types the reader knows, and whether a declaration must name
// the object. A line starting with another word is a property, so an
// unknown type is reported rather than taken for something else.
var objectTypes = map[string]nameRule{
	"database":             nameOptional,
	"model":                nameOptional,
	"table":                nameRequired,
	"column":               nameRequired,
	"measure":              nameRequired,
	"partition":            nameRequired,
	"relationship":         nameRequired,
	"hierarchy":            nameRequired,
	"level":                nameRequired,
	"expression":           nameRequired,
	"annotation":           nameRequired,
	"extendedProperty":     nameRequired,
	"culture":              nameRequired,
	"cultureInfo":          nameRequired,
	"perspective":          nameRequired,
	"perspectiveTable":     nameRequired,
	"perspectiveColumn":    nameRequired,
	"perspectiveMeasure":   nameRequired,
	"perspectiveHierarchy": nameRequired,
	"role":                 nameRequired,
	"tablePermission":      nameRequired,
	"columnPermission":     nameRequired,
	"member":               nameRequired,
	"dataSource":           nameRequired,
	"calculationItem":      nameRequired,
	"queryGroup":           nameRequired,
	"function":             nameRequired,
	"refreshPolicy":        nameNone,
	"calculationGroup":     nameNone,
	"kpi":                  nameNone,
	"dataAccessOptions":    nameNone,
	"alternateOf":          nameNone,
}

type nameRule int

const (
	nameRequired nameRule = iota
	nameOptional
	nameNone
)

// bareNameChar reports whether r may appear in a name written without
// quotes: letters, digits, '_' and '-' (relationship names are GUIDs).
func bareNameChar(r rune) bool {
	return r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// QuoteName writes a name as a declaration or reference needs it: bare when
// it is made of letters, digits, '_' and '-', else in single quotes with
// inner quotes doubled.
func QuoteName(name string) string {
	bare := name != ""
	for _, r := range name {
		if !bareNameChar(r) {
			bare = false
			break
		}
	}
	if bare {
		return name
	}
	return "'" + strings.ReplaceAll(name, "'", "''") + "'"
}

// readName reads a name at the start of s: quoted or bare. It returns the
// name, the rest of s, and an error naming what is wrong.
func readName(s string) (name, rest string, err error) {
	if s == "" {
		return "", "", errors.New("expected a name")
	}
	if s[0] == '\'' {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] != '\'' {
				b.WriteByte(s[i])
				continue
			}
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			if b.Len() == 0 {
				return "", "", errors.New("empty name ''")
			}
			return b.String(), s[i+1:], nil
		}
		return "", "", errors.New("unterminated quoted name: a ' is missing")
	}
	end := 0
	for i, r := range s {
		if !bareNameChar(r) {
			break
		}
		end = i + len(string(r))
	}
	if end == 0 {
		return "", "", errors.New("expected a name, found " + quoteRune(s))
	}
	return s[:end], s[end:], nil
}

// SplitRef splits a column reference such as Sales.'Product Key' (a
// relationship's fromColumn) into table and column names.
func SplitRef(s string) (table, column string, err error) {
	table, rest, err := readName(s)
	if err != nil {
		return "", "", err
	}
	if !strings.HasPrefix(rest, ".") {
		return "", "", errors.New("expected Table.Column in " + s)
	}
	column, rest, err = readName(rest[1:])
	if err != nil {
		return "", "", err
	}
	if rest != "" {
		return "", "", errors.New("unexpected " + quoteRune(rest) + " after the column in " + s)
	}
	return table, column, nil
}

// quoteRune shows the first character of s for a message.
func quoteRune(s string) string {
	for _, r := range s {
		return "'" + string(r) + "'"
	}
	return "end of line"
}
