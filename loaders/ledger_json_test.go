package loaders_test

import (
	"strings"
)

// jsonLeaf is one scalar (or empty container) of a JSON text, at its path:
// keys joined by dots, a list's elements marked "[]" after the list's key
// (a list of scalars is one leaf at the list's own path). Value is the
// scalar's text, a string without its quotes.
type jsonLeaf struct {
	Path, Value string
}

// jsonLeaves lists the leaves of a JSON text, tolerantly: the vendors'
// published examples are not valid JSON (a missing comma, a trailing one),
// and what is wanted from them is their keys, so commas are not required
// and a structure left open at the end is closed. A top-level list is
// transparent: the leaves of its elements have the elements' paths.
func jsonLeaves(src string) []jsonLeaf {
	p := &jsonScan{s: src}
	var out []jsonLeaf
	p.skip()
	if p.peek() == '[' {
		p.i++
		for {
			p.skip()
			switch p.peek() {
			case ',':
				p.i++
				continue
			case ']', 0:
				return out
			}
			before := p.i
			p.value("", &out)
			if p.i == before {
				p.i++ // a stray character: never loop on it
			}
		}
	}
	p.value("", &out)
	return out
}

type jsonScan struct {
	s string
	i int
}

func (p *jsonScan) peek() byte {
	if p.i >= len(p.s) {
		return 0
	}
	return p.s[p.i]
}

func (p *jsonScan) skip() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// str reads a string token; p is at its opening quote.
func (p *jsonScan) str() string {
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '"':
			return b.String()
		case '\\':
			if p.i < len(p.s) {
				e := p.s[p.i]
				p.i++
				switch e {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(e) // \" \\ \/; \u is not needed here
				}
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// value reads one value at path, appending its leaves; it reports whether
// the value was a scalar.
func (p *jsonScan) value(path string, out *[]jsonLeaf) bool {
	p.skip()
	switch c := p.peek(); c {
	case 0:
		return false
	case '{':
		p.i++
		empty := true
		for {
			p.skip()
			switch p.peek() {
			case ',':
				p.i++
				continue
			case '}':
				p.i++
				if empty && path != "" {
					*out = append(*out, jsonLeaf{Path: path})
				}
				return false
			case 0:
				return false
			case '"':
			default:
				p.i++ // not a key: skip it
				continue
			}
			key := p.str()
			p.skip()
			if p.peek() == ':' {
				p.i++
			}
			empty = false
			p.value(join(path, key), out)
		}
	case '[':
		p.i++
		empty := true
		for {
			p.skip()
			switch p.peek() {
			case ',':
				p.i++
				continue
			case ']':
				p.i++
				if empty && path != "" {
					*out = append(*out, jsonLeaf{Path: path})
				}
				return false
			case 0:
				return false
			}
			empty = false
			var inner []jsonLeaf
			if p.value(path+"[]", &inner) {
				// A list of scalars: each element is a value of the list.
				inner[0].Path = path
			}
			*out = append(*out, inner...)
		}
	case '"':
		*out = append(*out, jsonLeaf{Path: path, Value: p.str()})
		return true
	default:
		start := p.i
		for p.i < len(p.s) && strings.IndexByte(",]}: \t\r\n", p.s[p.i]) < 0 {
			p.i++
		}
		if p.i == start {
			p.i++
			return false
		}
		*out = append(*out, jsonLeaf{Path: path, Value: p.s[start:p.i]})
		return true
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
