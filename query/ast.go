package query

import (
	"strings"
	"time"
)

// Node is any syntax tree node. Pos is a byte offset in the option text the
// node was parsed from. String renders the node so that parsing the result
// gives the same tree (binary operators are parenthesized, see
// BinaryExpr.String).
type Node interface {
	Pos() int
	String() string
}

// Expr is an expression node. The set is closed: only this package's types
// implement it.
type Expr interface {
	Node
	exprNode()
}

// LitKind classifies literals.
type LitKind int

// Literal kinds.
const (
	LitNull LitKind = iota
	LitBool
	LitInt
	LitDecimal
	LitDouble
	LitString
	LitDate
	LitDateTimeOffset
	LitTimeOfDay
	LitDuration
	LitGuid
	LitBinary
	LitEnum
	LitGeo
)

// Literal is a constant. Raw is the source text; the typed fields hold the
// parsed value for the kind.
type Literal struct {
	P     int
	Kind  LitKind
	Raw   string
	Bool  bool
	Int   int64
	Float float64   // LitDecimal, LitDouble (also INF, -INF, NaN)
	Str   string    // LitString value; LitGuid lower-case; LitEnum member
	Time  time.Time // LitDate (UTC midnight), LitDateTimeOffset (with its offset)
	// FracDigits is the number of fractional-second digits written.
	FracDigits int
	Nanos      int64  // LitTimeOfDay since midnight, LitDuration
	Bytes      []byte // LitBinary
	TypeName   string // LitEnum type, LitGeo "geography"/"geometry"
}

// PathExpr is a member path: Queue/name, Messages/any(m:...), $it/id, Ns.Type/prop.
type PathExpr struct {
	P    int
	Segs []*Segment
}

// Segment is one step of a Path.
type Segment struct {
	P    int
	Name string
	// Parens reports that the name was followed by a parenthesized list:
	// a key predicate or function parameters.
	Parens    bool
	Args      []Expr
	NamedArgs []NamedArg
	Lambda    *LambdaExpr
}

// NamedArg is name=value inside parentheses.
type NamedArg struct {
	P     int
	Name  string
	Value Expr
}

// LambdaExpr is any(v:expr) or all(v:expr); Var is empty for any().
type LambdaExpr struct {
	P    int
	Op   string // "any" or "all"
	Var  string
	Body Expr
}

// CallExpr is a function call with positional arguments: contains(a,'x').
type CallExpr struct {
	P    int
	Name string
	Args []Expr
}

// CaseExpr is the 4.01 case(cond:value,...) function.
type CaseExpr struct {
	P     int
	Pairs []CasePair
}

// CasePair is one cond:value pair of a Case.
type CasePair struct{ Cond, Value Expr }

// UnaryExpr is "not x" or "-x".
type UnaryExpr struct {
	P  int
	Op string
	X  Expr
}

// BinaryExpr is "x op y"; P is the operator's position.
type BinaryExpr struct {
	P  int
	Op string
	X  Expr
	Y  Expr
}

// ListExpr is a parenthesized or bracketed list: the right side of "in".
type ListExpr struct {
	P       int
	Items   []Expr
	Bracket bool
}

// ObjectExpr is a JSON object literal, kept as text.
type ObjectExpr struct {
	P   int
	Raw string
}

// Alias references a parameter alias: @name.
type AliasExpr struct {
	P    int
	Name string
}

func (*Literal) exprNode()    {}
func (*PathExpr) exprNode()   {}
func (*CallExpr) exprNode()   {}
func (*CaseExpr) exprNode()   {}
func (*UnaryExpr) exprNode()  {}
func (*BinaryExpr) exprNode() {}
func (*ListExpr) exprNode()   {}
func (*ObjectExpr) exprNode() {}
func (*AliasExpr) exprNode()  {}

func (n *Literal) Pos() int    { return n.P }
func (n *PathExpr) Pos() int   { return n.P }
func (n *Segment) Pos() int    { return n.P }
func (n *CallExpr) Pos() int   { return n.P }
func (n *CaseExpr) Pos() int   { return n.P }
func (n *UnaryExpr) Pos() int  { return n.P }
func (n *BinaryExpr) Pos() int { return n.P }
func (n *ListExpr) Pos() int   { return n.P }
func (n *ObjectExpr) Pos() int { return n.P }
func (n *AliasExpr) Pos() int  { return n.P }

func (n *Literal) String() string { return n.Raw }

func (n *PathExpr) String() string {
	parts := make([]string, len(n.Segs))
	for i, s := range n.Segs {
		parts[i] = s.String()
	}
	return strings.Join(parts, "/")
}

func (n *Segment) String() string {
	var b strings.Builder
	b.WriteString(n.Name)
	if n.Lambda != nil {
		b.WriteByte('(')
		if n.Lambda.Var != "" {
			b.WriteString(n.Lambda.Var)
			b.WriteByte(':')
			b.WriteString(n.Lambda.Body.String())
		}
		b.WriteByte(')')
		return b.String()
	}
	if n.Parens {
		b.WriteByte('(')
		for i, a := range n.Args {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(a.String())
		}
		for i, a := range n.NamedArgs {
			if i > 0 || len(n.Args) > 0 {
				b.WriteByte(',')
			}
			b.WriteString(a.Name + "=" + a.Value.String())
		}
		b.WriteByte(')')
	}
	return b.String()
}

func (n *CallExpr) String() string {
	parts := make([]string, len(n.Args))
	for i, a := range n.Args {
		parts[i] = a.String()
	}
	return n.Name + "(" + strings.Join(parts, ",") + ")"
}

func (n *CaseExpr) String() string {
	parts := make([]string, len(n.Pairs))
	for i, p := range n.Pairs {
		parts[i] = p.Cond.String() + ":" + p.Value.String()
	}
	return "case(" + strings.Join(parts, ",") + ")"
}

func (n *UnaryExpr) String() string {
	if n.Op == "-" {
		// "-5", "-INF" and "--x" would lex as a negative literal or a
		// different nesting: a space keeps the operand apart.
		x := n.X.String()
		if x != "" && (isDigit(x[0]) || x[0] == '-' || x[0] == '+' || strings.HasPrefix(x, "INF") || strings.HasPrefix(x, "NaN")) {
			return "- " + x
		}
		return "-" + x
	}
	return n.Op + " " + n.X.String()
}

// String parenthesizes each operator, except that a left operand on the
// same precedence level continues the chain flat: left associativity reads
// (a or b or c) back as ((a or b) or c), and a long chain stays within
// MaxExprDepth when parsed again.
func (n *BinaryExpr) String() string {
	var b strings.Builder
	b.WriteByte('(')
	n.writeChain(&b)
	b.WriteByte(')')
	return b.String()
}

func (n *BinaryExpr) writeChain(b *strings.Builder) {
	if x, ok := n.X.(*BinaryExpr); ok && level(x.Op) == level(n.Op) {
		x.writeChain(b)
	} else {
		b.WriteString(n.operand(n.X))
	}
	b.WriteString(" " + n.Op + " ")
	b.WriteString(n.operand(n.Y))
}

// operand renders an operand of n. The operands of in and has are
// primaries: a negation keeps parentheses, or -a has b would read as
// -(a has b).
func (n *BinaryExpr) operand(x Expr) string {
	if _, ok := x.(*UnaryExpr); ok && level(n.Op) == 0 {
		return "(" + x.String() + ")"
	}
	return x.String()
}

// level is the precedence of a binary operator; in and has, at the
// primary level, are 0.
func level(op string) int { return binaryPrecedence[op] }

func (n *ListExpr) String() string {
	parts := make([]string, len(n.Items))
	for i, a := range n.Items {
		parts[i] = a.String()
	}
	if n.Bracket {
		return "[" + strings.Join(parts, ",") + "]"
	}
	return "(" + strings.Join(parts, ",") + ")"
}

func (n *ObjectExpr) String() string { return n.Raw }
func (n *AliasExpr) String() string  { return "@" + n.Name }

// Walk calls fn for n and every expression below it, depth first, until fn
// returns false for a node (its children are then skipped).
func Walk(n Expr, fn func(Expr) bool) {
	if n == nil || !fn(n) {
		return
	}
	switch n := n.(type) {
	case *PathExpr:
		for _, s := range n.Segs {
			for _, a := range s.Args {
				Walk(a, fn)
			}
			for _, a := range s.NamedArgs {
				Walk(a.Value, fn)
			}
			if s.Lambda != nil && s.Lambda.Body != nil {
				Walk(s.Lambda.Body, fn)
			}
		}
	case *CallExpr:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case *CaseExpr:
		for _, p := range n.Pairs {
			Walk(p.Cond, fn)
			Walk(p.Value, fn)
		}
	case *UnaryExpr:
		Walk(n.X, fn)
	case *BinaryExpr:
		Walk(n.X, fn)
		Walk(n.Y, fn)
	case *ListExpr:
		for _, a := range n.Items {
			Walk(a, fn)
		}
	case *AggregateExpr:
		if n.Of != nil {
			Walk(n.Of, fn)
		}
		if n.Item != nil && n.Item.Expr != nil {
			Walk(n.Item.Expr, fn)
		}
	}
}
