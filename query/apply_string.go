package query

import (
	"strconv"
	"strings"
)

// String renderings of the $apply tree. Each parses back to the same tree:
// expressions print through their own String (binary operators in
// parentheses), keywords in the grammar's lower case, "asc" and optional
// spaces dropped. groupby prints its plain paths before its rollups, an
// order the tree does not keep. ApplyOther and rolluprecursive print the
// source text they were parsed from.

// PipelineString renders a pipeline as it is written in $apply: the
// transformations joined by "/".
func PipelineString(ts []Transform) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return strings.Join(parts, "/")
}

func (g *GroupPath) String() string { return strings.Join(g.Segs, "/") }

func groupPathsString(gs []*GroupPath) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = g.String()
	}
	return strings.Join(parts, ",")
}

func (f *AggregateFrom) String() string {
	s := " from " + groupPathsString(f.Props)
	if f.Method != "" {
		s += " with " + f.Method
	}
	return s
}

func (it *AggregateItem) String() string {
	var b strings.Builder
	switch {
	case it.Count:
		if it.CountPath != nil {
			b.WriteString(it.CountPath.String() + "/")
		}
		b.WriteString("$count")
	case it.Custom != "":
		if it.CustomPath != nil {
			b.WriteString(it.CustomPath.String() + "/")
		}
		b.WriteString(it.Custom)
	default:
		b.WriteString(it.Expr.String() + " with " + it.Method)
	}
	for _, f := range it.From {
		b.WriteString(f.String())
	}
	if it.Alias != "" {
		b.WriteString(" as " + it.Alias)
	}
	return b.String()
}

func (t *ApplyAggregate) String() string {
	parts := make([]string, len(t.Items))
	for i, it := range t.Items {
		parts[i] = it.String()
	}
	return "aggregate(" + strings.Join(parts, ",") + ")"
}

func (r *RollupItem) String() string {
	switch {
	case r.Recursive:
		return "rolluprecursive(" + r.Text + ")"
	case r.Named != "":
		return "rollup(" + r.Named + ")"
	}
	return "rollup(" + groupPathsString(r.Props) + ")"
}

func (t *ApplyGroupBy) String() string {
	parts := make([]string, 0, len(t.Props)+len(t.Rollup))
	for _, g := range t.Props {
		parts = append(parts, g.String())
	}
	for _, r := range t.Rollup {
		parts = append(parts, r.String())
	}
	s := "groupby((" + strings.Join(parts, ",") + ")"
	if len(t.Then) > 0 {
		s += "," + PipelineString(t.Then)
	}
	return s + ")"
}

func (t *ApplyFilter) String() string { return "filter(" + t.Expr.String() + ")" }

func (t *ApplyOrderBy) String() string {
	parts := make([]string, len(t.Items))
	for i, it := range t.Items {
		parts[i] = it.Expr.String()
		if it.Desc {
			parts[i] += " desc"
		}
	}
	return "orderby(" + strings.Join(parts, ",") + ")"
}

func (t *ApplyTop) String() string  { return "top(" + strconv.FormatInt(t.N, 10) + ")" }
func (t *ApplySkip) String() string { return "skip(" + strconv.FormatInt(t.N, 10) + ")" }

func (t *ApplyCompute) String() string {
	parts := make([]string, len(t.Items))
	for i, it := range t.Items {
		parts[i] = it.Expr.String() + " as " + it.Alias
	}
	return "compute(" + strings.Join(parts, ",") + ")"
}

func (t *ApplySearch) String() string   { return "search(" + t.Expr.String() + ")" }
func (t *ApplyIdentity) String() string { return "identity" }

func (t *ApplyConcat) String() string {
	parts := make([]string, len(t.Seqs))
	for i, seq := range t.Seqs {
		parts[i] = PipelineString(seq)
	}
	return "concat(" + strings.Join(parts, ",") + ")"
}

func (t *ApplyTopN) String() string {
	return t.Name + "(" + t.N.String() + "," + t.Value.String() + ")"
}

func (t *ApplyOther) String() string { return t.Text }

func (x *AggregateExpr) String() string {
	of := "$these"
	if x.Of != nil {
		of = x.Of.String()
	}
	return of + "/aggregate(" + x.Item.String() + ")"
}
