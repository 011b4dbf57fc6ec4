package tmdl

import (
	"fmt"
	"strings"
)

// Parse reads one TMDL file. file names it in errors. The result is the
// file's top-level objects in order.
func Parse(file string, src []byte) ([]*Object, error) {
	text := strings.TrimPrefix(string(src), "\uFEFF")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	p := &parser{file: file, lines: lines}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.roots, nil
}

type parser struct {
	file  string
	lines []string
	i     int // index of the line being read
	roots []*Object
	// stack[k] is the open object declared at level k.
	stack []*Object
	// desc holds the "///" lines waiting for their declaration.
	desc      []string
	descLevel int
	descPos   Pos
}

func (p *parser) errAt(line, col int, format string, args ...any) error {
	return &Error{File: p.file, Pos: Pos{line, col}, Msg: fmt.Sprintf(format, args...)}
}

// indent counts a line's leading tabs and refuses spaces used as
// indentation.
func (p *parser) indent(line string, n int) (int, error) {
	tabs := 0
	for tabs < len(line) && line[tabs] == '\t' {
		tabs++
	}
	if tabs < len(line) && line[tabs] == ' ' {
		return 0, p.errAt(n, tabs+1, "indentation must be made of tabs, found a space")
	}
	return tabs, nil
}

// file = { blank | description | declaration | property } ;
func (p *parser) parse() error {
	for p.i = 0; p.i < len(p.lines); p.i++ {
		line, n := p.lines[p.i], p.i+1
		if strings.TrimSpace(line) == "" {
			if len(p.desc) > 0 {
				return p.errAt(n, 1, "blank line between a description (///) and its object: the description must come right before the declaration")
			}
			continue
		}
		level, err := p.indent(line, n)
		if err != nil {
			return err
		}
		if level > len(p.stack) {
			return p.errAt(n, 1, "unexpected indentation: %d tabs where at most %d fit here", level, len(p.stack))
		}
		content := line[level:]
		col := level + 1
		if strings.HasPrefix(content, "///") {
			if len(p.desc) > 0 && level != p.descLevel {
				return p.errAt(n, col, "description lines at different indentation")
			}
			if len(p.desc) == 0 {
				p.descLevel, p.descPos = level, Pos{n, col}
			}
			p.desc = append(p.desc, strings.TrimPrefix(strings.TrimPrefix(content, "///"), " "))
			continue
		}
		if len(p.desc) > 0 && level != p.descLevel {
			return p.errAt(n, col, "the description on line %d is indented differently from the line after it", p.descPos.Line)
		}
		p.stack = p.stack[:level]
		if err := p.line(content, level, n, col); err != nil {
			return err
		}
	}
	if len(p.desc) > 0 {
		return p.errAt(p.descPos.Line, p.descPos.Col, "description (///) at the end of the file, with no object after it")
	}
	return nil
}

// line reads one declaration or property:
//
//	declaration = type [ name ] [ "=" expression ] | "ref" type name ;
//	property    = word ":" value | word "=" expression | word ;
func (p *parser) line(content string, level, n, col int) error {
	word := leadingWord(content)
	if word == "" {
		return p.errAt(n, col, "expected an object declaration or a property, found %s", quoteRune(content))
	}
	rest := content[len(word):]
	after := strings.TrimLeft(rest, " ")
	restCol := col + len(content) - len(after)
	if word == "ref" && after != "" && !strings.HasPrefix(after, ":") && !strings.HasPrefix(after, "=") {
		return p.ref(after, level, n, restCol)
	}
	switch {
	case strings.HasPrefix(after, ":"):
		value := strings.TrimSpace(after[1:])
		if value == "" {
			return p.errAt(n, restCol, "property %s has no value after ':'", word)
		}
		return p.property(&Property{Name: word, Kind: Value, Text: value, Pos: Pos{n, col}}, level)
	case strings.HasPrefix(after, "="):
		expr, err := p.expression(after[1:], level, n, restCol)
		if err != nil {
			return err
		}
		return p.property(&Property{Name: word, Kind: Expression, Text: expr, Pos: Pos{n, col}}, level)
	}
	rule, isType := objectTypes[word]
	if after == "" {
		if isType && rule == nameRequired {
			return p.errAt(n, col+len(content), "%s needs a name", word)
		}
		if isType {
			return p.declare(&Object{Type: word, Pos: Pos{n, col}}, level)
		}
		return p.property(&Property{Name: word, Kind: Flag, Pos: Pos{n, col}}, level)
	}
	if !isType {
		if rest == "" || rest[0] != ' ' {
			return p.errAt(n, col+len(word), "unexpected %s after %s", quoteRune(rest), word)
		}
		return p.errAt(n, col, "unknown object type %s (a property needs ':' or '=')", word)
	}
	if rest[0] != ' ' {
		return p.errAt(n, col+len(word), "unexpected %s after %s", quoteRune(rest), word)
	}
	if rule == nameNone {
		return p.errAt(n, restCol, "%s takes no name", word)
	}
	name, tail, err := readName(after)
	if err != nil {
		return p.errAt(n, restCol, "%s", err)
	}
	obj := &Object{Type: word, Name: name, Pos: Pos{n, col}}
	tailTrim := strings.TrimLeft(tail, " ")
	tailCol := restCol + len(after) - len(tailTrim)
	switch {
	case tailTrim == "":
	case strings.HasPrefix(tailTrim, "="):
		obj.Default, err = p.expression(tailTrim[1:], level, n, tailCol)
		if err != nil {
			return err
		}
	case tail == tailTrim:
		return p.errAt(n, tailCol, "a name with %s in it must be in single quotes", quoteRune(tail))
	default:
		return p.errAt(n, tailCol, "unexpected %s after the name of %s %s", quoteRune(tailTrim), word, name)
	}
	return p.declare(obj, level)
}

// ref reads "ref type name", which refers to an object declared elsewhere
// and has no body.
func (p *parser) ref(s string, level, n, col int) error {
	typ := leadingWord(s)
	if _, ok := objectTypes[typ]; !ok || typ == "" {
		return p.errAt(n, col, "ref must be followed by an object type, found %s", quoteRune(s))
	}
	after := strings.TrimLeft(s[len(typ):], " ")
	nameCol := col + len(s) - len(after)
	if after == "" {
		return p.errAt(n, nameCol, "ref %s needs a name", typ)
	}
	name, tail, err := readName(after)
	if err != nil {
		return p.errAt(n, nameCol, "%s", err)
	}
	if t := strings.TrimLeft(tail, " "); t != "" {
		return p.errAt(n, nameCol+len(after)-len(t), "unexpected %s after ref %s %s", quoteRune(t), typ, name)
	}
	if len(p.desc) > 0 {
		return p.errAt(p.descPos.Line, p.descPos.Col, "a description (///) cannot precede a ref")
	}
	obj := &Object{Type: typ, Name: name, Ref: true, Pos: Pos{n, col - len("ref ")}}
	if err := p.attach(obj, level); err != nil {
		return err
	}
	// Not pushed: a ref has no body, so a deeper line after it is an
	// unexpected indentation.
	return nil
}

func (p *parser) declare(obj *Object, level int) error {
	if len(p.desc) > 0 {
		obj.Description = strings.Join(p.desc, "\n")
		p.desc = nil
	}
	if err := p.attach(obj, level); err != nil {
		return err
	}
	p.stack = append(p.stack, obj)
	return nil
}

func (p *parser) attach(obj *Object, level int) error {
	siblings := &p.roots
	if level > 0 {
		siblings = &p.stack[level-1].Children
	}
	for _, s := range *siblings {
		if obj.Name != "" && s.Type == obj.Type && s.Name == obj.Name && s.Ref == obj.Ref {
			return p.errAt(obj.Pos.Line, obj.Pos.Col, "%s %s is declared twice (first on line %d)", obj.Type, obj.Name, s.Pos.Line)
		}
	}
	*siblings = append(*siblings, obj)
	return nil
}

func (p *parser) property(prop *Property, level int) error {
	if len(p.desc) > 0 {
		return p.errAt(p.descPos.Line, p.descPos.Col, "a description (///) must come right before an object declaration, not before the property %s", prop.Name)
	}
	if level == 0 {
		return p.errAt(prop.Pos.Line, prop.Pos.Col, "property %s outside of any object", prop.Name)
	}
	owner := p.stack[level-1]
	if prev := owner.Prop(prop.Name); prev != nil {
		return p.errAt(prop.Pos.Line, prop.Pos.Col, "property %s is set twice (first on line %d)", prop.Name, prev.Pos.Line)
	}
	owner.Properties = append(owner.Properties, prop)
	// A property has no body: keep the next line from nesting under it.
	p.stack = p.stack[:level]
	return nil
}

// expression reads what follows "=": the rest of the line, or a block of
// lines indented two levels deeper than the declaring line, or a block
// between lines of ```.
func (p *parser) expression(s string, level, n, col int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "```"):
		if strings.TrimSpace(s[3:]) != "" {
			return "", p.errAt(n, col, "nothing may follow ``` on its line: the expression starts on the next one")
		}
		var body []string
		for p.i++; p.i < len(p.lines); p.i++ {
			l := p.lines[p.i]
			if strings.TrimSpace(l) == "```" {
				if strings.TrimSpace(strings.Join(body, "")) == "" {
					return "", p.errAt(n, col, "empty expression between ```")
				}
				return strings.Join(trimBlank(body), "\n"), nil
			}
			body = append(body, stripTabs(l, level+2))
		}
		return "", p.errAt(n, col, "unterminated ``` expression: no closing ``` line")
	case s != "":
		return s, nil
	}
	var body []string
	for p.i+1 < len(p.lines) {
		l := p.lines[p.i+1]
		if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, strings.Repeat("\t", level+2)) {
			break
		}
		body = append(body, stripTabs(l, level+2))
		p.i++
	}
	body = trimBlank(body)
	if len(body) == 0 {
		return "", p.errAt(n, col, "empty expression: write it after '=' or on the lines below, indented %d tabs", level+2)
	}
	return strings.Join(body, "\n"), nil
}

// stripTabs removes up to n leading tabs; a blank line becomes empty.
func stripTabs(l string, n int) string {
	if strings.TrimSpace(l) == "" {
		return ""
	}
	for i := 0; i < n && strings.HasPrefix(l, "\t"); i++ {
		l = l[1:]
	}
	return l
}

// trimBlank drops blank lines at both ends.
func trimBlank(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// leadingWord returns the identifier at the start of s: a letter or '_'
// followed by letters, digits and '_'.
func leadingWord(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z')
		if letter || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return s[:i]
	}
	return s
}
