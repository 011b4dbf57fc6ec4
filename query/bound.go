package query

import (
	"github.com/ccfeed/ccfeed/edm"
)

// Type is the type of a bound expression: a primitive kind, or an entity
// (single or collection) reached through navigation.
type Type struct {
	Kind       edm.Kind
	Entity     *edm.EntitySet
	Collection bool
}

func prim(k edm.Kind) Type { return Type{Kind: k} }

func (t Type) String() string {
	switch {
	case t.Entity != nil && t.Collection:
		return "Collection(" + edm.Namespace + "." + t.Entity.Type.Name + ")"
	case t.Entity != nil:
		return edm.Namespace + "." + t.Entity.Type.Name
	}
	return t.Kind.String()
}

// Var is a range variable: the entity that unqualified property names and
// lambda variables refer to. Every Var ranges over one entity set.
type Var struct {
	Name string // "$it", a lambda variable, or "$this" of an expansion
	Set  *edm.EntitySet
	// ID is unique within a plan; the translator derives SQL aliases from it.
	ID int
}

// Bound is a typed expression whose names are all resolved against the model.
// The SQL translator only ever receives Bound trees.
type Bound interface {
	Type() Type
	boundNode()
}

// PropRef reads Prop of the entity reached from Var through the single-valued
// navigations Navs (empty for a property of Var itself).
type PropRef struct {
	Var  *Var
	Navs []*edm.NavProperty
	Prop *edm.Property
}

// NavRef is a single-valued navigation used as a value (compared with null).
type NavRef struct {
	Var  *Var
	Navs []*edm.NavProperty // the last one is the navigation itself
}

// Const is a constant. V holds: nil, bool, int64, float64, string, time.Time
// (Edm.DateTimeOffset instants and Edm.Date at UTC midnight), or int64
// nanoseconds for Edm.TimeOfDay and Edm.Duration.
type Const struct {
	T Type
	V any
}

// Call applies a canonical function.
type Call struct {
	Fn   *Function
	Sig  *Signature
	Args []Bound
}

// BinOp is a comparison, logical or arithmetic operator.
type BinOp struct {
	Op string // eq ne gt ge lt le and or add sub mul div divby mod
	X  Bound
	Y  Bound
	T  Type
}

// UnOp is "not" or "-" (negate).
type UnOp struct {
	Op string
	X  Bound
	T  Type
}

// InList is "X in (a, b, ...)".
type InList struct {
	X     Bound
	Items []Bound
}

// Lambda is any/all over the collection navigation Nav reached from From
// through the single-valued Navs. Body is nil for any().
type Lambda struct {
	All  bool
	From *Var
	Navs []*edm.NavProperty
	Nav  *edm.NavProperty
	Var  *Var
	Body Bound
}

// CountOf is Nav/$count: the number of related entities.
type CountOf struct {
	From *Var
	Navs []*edm.NavProperty
	Nav  *edm.NavProperty
}

// CaseOf is case(c1:v1, ...): the value of the first true condition.
type CaseOf struct {
	Conds  []Bound
	Values []Bound
	T      Type
}

// Cast converts X to T (cast(x, Edm.T)).
type Cast struct {
	X Bound
	T Type
}

// ComputedRef refers to a $compute alias; X is its bound expression.
type ComputedRef struct {
	Name string
	X    Bound
}

func (n *PropRef) Type() Type     { return prim(n.Prop.Type) }
func (n *NavRef) Type() Type      { return Type{Entity: n.Navs[len(n.Navs)-1].Target} }
func (n *Const) Type() Type       { return n.T }
func (n *Call) Type() Type        { return n.Sig.result(n.Args) }
func (n *BinOp) Type() Type       { return n.T }
func (n *UnOp) Type() Type        { return n.T }
func (n *InList) Type() Type      { return prim(edm.Boolean) }
func (n *Lambda) Type() Type      { return prim(edm.Boolean) }
func (n *CountOf) Type() Type     { return prim(edm.Int64) }
func (n *CaseOf) Type() Type      { return n.T }
func (n *Cast) Type() Type        { return n.T }
func (n *ComputedRef) Type() Type { return n.X.Type() }

func (*PropRef) boundNode()     {}
func (*NavRef) boundNode()      {}
func (*Const) boundNode()       {}
func (*Call) boundNode()        {}
func (*BinOp) boundNode()       {}
func (*UnOp) boundNode()        {}
func (*InList) boundNode()      {}
func (*Lambda) boundNode()      {}
func (*CountOf) boundNode()     {}
func (*CaseOf) boundNode()      {}
func (*Cast) boundNode()        {}
func (*ComputedRef) boundNode() {}

// IsNullConst reports whether b is the null literal.
func IsNullConst(b Bound) bool {
	c, ok := b.(*Const)
	return ok && c.V == nil
}
