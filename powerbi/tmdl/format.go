package tmdl

import "strings"

// Format writes objects as one TMDL file: tabs for indentation, properties
// before child objects, a blank line before every object but a ref that
// follows a ref, and multi-line expressions as blocks two levels deeper
// than the line that opens them.
func Format(objs []*Object) []byte {
	var b strings.Builder
	writeObjects(&b, objs, 0, true)
	return []byte(b.String())
}

func writeObjects(b *strings.Builder, objs []*Object, level int, first bool) {
	var prev *Object
	for _, o := range objs {
		if !(first && prev == nil) && !(o.Ref && prev != nil && prev.Ref) {
			b.WriteByte('\n')
		}
		writeObject(b, o, level)
		prev = o
	}
}

func writeObject(b *strings.Builder, o *Object, level int) {
	tabs := strings.Repeat("\t", level)
	if o.Ref {
		b.WriteString(tabs + "ref " + o.Type + " " + QuoteName(o.Name) + "\n")
		return
	}
	if o.Description != "" {
		for _, l := range strings.Split(o.Description, "\n") {
			b.WriteString(tabs + "///")
			if l != "" {
				b.WriteString(" " + l)
			}
			b.WriteByte('\n')
		}
	}
	b.WriteString(tabs + o.Type)
	if o.Name != "" {
		b.WriteString(" " + QuoteName(o.Name))
	}
	if o.Default != "" {
		writeExpression(b, o.Default, level)
	} else {
		b.WriteByte('\n')
	}
	for _, p := range o.Properties {
		b.WriteString(tabs + "\t" + p.Name)
		switch p.Kind {
		case Value:
			b.WriteString(": " + p.Text + "\n")
		case Flag:
			b.WriteByte('\n')
		case Expression:
			writeExpression(b, p.Text, level+1)
		}
	}
	writeObjects(b, o.Children, level+1, false)
}

// writeExpression writes " = expr" on the current line, or " =" and a block
// indented two levels deeper than the line at level.
func writeExpression(b *strings.Builder, expr string, level int) {
	if !strings.Contains(expr, "\n") && !strings.HasPrefix(expr, "```") && strings.TrimSpace(expr) == expr {
		b.WriteString(" = " + expr + "\n")
		return
	}
	b.WriteString(" =\n")
	indent := strings.Repeat("\t", level+2)
	for _, l := range strings.Split(expr, "\n") {
		if strings.TrimSpace(l) != "" {
			b.WriteString(indent + l)
		}
		b.WriteByte('\n')
	}
}
