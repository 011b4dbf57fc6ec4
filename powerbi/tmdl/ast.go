// Package tmdl reads and writes TMDL (Tabular Model Definition Language),
// the text format of a Power BI semantic model's definition/ folder, as its
// reference on learn.microsoft.com describes it:
//
//   - Indentation is made of tabs, one per level of nesting. An object's
//     properties and child objects sit one level deeper than its
//     declaration.
//   - An object declaration is its type and its name: "table Sales",
//     "column 'Product Key'". A name that is not a plain word is enclosed
//     in single quotes, a quote inside it doubled. A few types take no name
//     ("refreshPolicy"); "database" and "model" may go without.
//   - A declaration may carry the object's default property after "=":
//     a measure's or calculated column's DAX, a partition's source kind,
//     a named expression's M, an annotation's value.
//   - A property is "name: value", "name = expression", or a lone name for a
//     boolean that is true ("isHidden").
//   - An expression that does not fit on its line starts on the next one,
//     indented two levels deeper than the line that opened it (one deeper
//     than that object's properties), and ends at the first line indented
//     less; or it is enclosed between lines of three backticks.
//   - Lines of "///" just before a declaration are the object's
//     description.
//   - "ref table Sales" refers to an object declared in another file (the
//     order of tables in model.tmdl).
//
// Parse and Format are inverses on the documents Format writes: the
// generator's output is checked by reading it back.
package tmdl

import "fmt"

// Pos is a position in a file, 1-based.
type Pos struct{ Line, Col int }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Object is one object declaration with its body.
type Object struct {
	// Type is the declaration's keyword: "table", "column", "measure", ...
	Type string
	// Name is the unquoted name; empty for an unnamed object.
	Name string
	// Ref marks a reference ("ref table Sales"), which has no body.
	Ref bool
	// Default is the default property given after "=" on the declaration
	// (a measure's expression), or empty.
	Default string
	// Description comes from the "///" lines before the declaration, one
	// line per line, joined with "\n".
	Description string
	Properties  []*Property
	Children    []*Object
	Pos         Pos
}

// PropKind tells the three forms of a property apart.
type PropKind int

// The forms of a property.
const (
	// Value is "name: value".
	Value PropKind = iota
	// Flag is a lone name: a boolean property that is true.
	Flag
	// Expression is "name = expression", on one line or a block.
	Expression
)

// Property is one property of an object.
type Property struct {
	Name string
	Kind PropKind
	// Text is the value after ":" (as written, quotes included) or the
	// expression after "="; empty for a Flag.
	Text string
	Pos  Pos
}

// Prop returns the property with this name, or nil.
func (o *Object) Prop(name string) *Property {
	for _, p := range o.Properties {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Value returns the text of the named property and whether it is set; a
// Flag's text is "true".
func (o *Object) Value(name string) (string, bool) {
	p := o.Prop(name)
	if p == nil {
		return "", false
	}
	if p.Kind == Flag {
		return "true", true
	}
	return p.Text, true
}

// Objects returns the children of the given type, in order.
func (o *Object) Objects(typ string) []*Object {
	var out []*Object
	for _, c := range o.Children {
		if c.Type == typ {
			out = append(out, c)
		}
	}
	return out
}

// Error is a syntax error with its place.
type Error struct {
	File string
	Pos  Pos
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%s: %s", e.File, e.Pos, e.Msg) }
