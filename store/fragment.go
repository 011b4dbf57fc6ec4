// Package store is the only package that speaks SQL. It derives the SQLite
// schema from the model, translates bound query plans into SQL with
// positional arguments, streams rows, and writes rows for the loaders.
package store

import (
	"strings"
)

// Fragment is SQL text with its arguments kept beside it: user values only
// ever travel as "?" arguments, never inside the text.
type Fragment struct {
	SQL  string
	Args []any
}

// F builds a fragment.
func F(sql string, args ...any) Fragment { return Fragment{SQL: sql, Args: args} }

// Join joins fragments with sep.
func Join(sep string, parts ...Fragment) Fragment {
	var b strings.Builder
	var args []any
	for i, p := range parts {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p.SQL)
		args = append(args, p.Args...)
	}
	return Fragment{SQL: b.String(), Args: args}
}

// Wrap returns prefix + f + suffix.
func (f Fragment) Wrap(prefix, suffix string) Fragment {
	return Fragment{SQL: prefix + f.SQL + suffix, Args: f.Args}
}

// Empty reports whether f holds no SQL.
func (f Fragment) Empty() bool { return f.SQL == "" }

// sqlBuilder accumulates a statement.
type sqlBuilder struct {
	b    strings.Builder
	args []any
}

func (s *sqlBuilder) write(parts ...string) *sqlBuilder {
	for _, p := range parts {
		s.b.WriteString(p)
	}
	return s
}

func (s *sqlBuilder) add(f Fragment) *sqlBuilder {
	s.b.WriteString(f.SQL)
	s.args = append(s.args, f.Args...)
	return s
}

func (s *sqlBuilder) fragment() Fragment { return Fragment{SQL: s.b.String(), Args: s.args} }
