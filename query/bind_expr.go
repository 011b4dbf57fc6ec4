package query

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
)

// binder resolves names against the model and types every expression.
type binder struct {
	model *edm.Model
	q     *Query
	// option and input locate errors: the option being bound and its text.
	option string
	input  string
	// ctx is the variable unqualified names refer to; it is $it at the top
	// level and the expanded entity inside $expand options.
	ctx *Var
	// it is $it: the entity being filtered at the top of the request.
	it      *Var
	lambdas []*Var
	// computed holds $compute aliases visible to the current shape.
	computed map[string]*Computed
	nextID   int
	now      time.Time
	aliases  []string // aliases being expanded, to catch @a=@b&@b=@a
	// dyn is set while $apply works on aggregated rows: names then refer
	// to their properties.
	dyn   []*DynProp
	depth int
}

func (b *binder) newVar(name string, set *edm.EntitySet) *Var {
	b.nextID++
	return &Var{Name: name, Set: set, ID: b.nextID}
}

func (b *binder) errorf(pos int, format string, args ...any) error {
	return &SyntaxError{Option: b.option, Input: b.input, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (b *binder) notImplemented(pos int, format string, args ...any) error {
	return &SyntaxError{Option: b.option, Input: b.input, Pos: pos, Msg: fmt.Sprintf(format, args...), NotImplemented: true}
}

// bindBool binds a condition: $filter, lambda bodies, case conditions.
func (b *binder) bindBool(x Expr) (Bound, error) {
	v, err := b.bind(x)
	if err != nil {
		return nil, err
	}
	if t := v.Type(); t.Kind != edm.Boolean {
		return nil, b.errorf(x.Pos(), "expected a condition (true or false), found a value of type %s", t)
	}
	return v, nil
}

// bindValue binds an expression that must be a primitive value.
func (b *binder) bindValue(x Expr) (Bound, error) {
	v, err := b.bind(x)
	if err != nil {
		return nil, err
	}
	if t := v.Type(); t.Entity != nil {
		return nil, b.errorf(x.Pos(), "expected a value, found the navigation %s; name one of its properties, for example %s/id", x, x)
	}
	return v, nil
}

func (b *binder) bind(x Expr) (Bound, error) {
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > MaxExprDepth*2 {
		return nil, b.errorf(x.Pos(), "expression nested deeper than %d levels", MaxExprDepth)
	}
	switch x := x.(type) {
	case *Literal:
		return b.bindLiteral(x)
	case *AliasExpr:
		return b.bindAlias(x)
	case *PathExpr:
		return b.bindPath(x)
	case *CallExpr:
		return b.bindCall(x)
	case *CaseExpr:
		return b.bindCase(x)
	case *UnaryExpr:
		return b.bindUnary(x)
	case *BinaryExpr:
		return b.bindBinary(x)
	case *ListExpr:
		return nil, b.errorf(x.P, "a list of values is only allowed after 'in'")
	case *ObjectExpr:
		return nil, b.notImplemented(x.P, "JSON object literals are not supported: this feed has no complex types")
	}
	return nil, b.errorf(x.Pos(), "unexpected expression")
}

func (b *binder) bindLiteral(l *Literal) (Bound, error) {
	switch l.Kind {
	case LitNull:
		return &Const{T: prim(edm.Untyped)}, nil
	case LitBool:
		return &Const{T: prim(edm.Boolean), V: l.Bool}, nil
	case LitInt:
		if l.Int >= math.MinInt32 && l.Int <= math.MaxInt32 {
			return &Const{T: prim(edm.Int32), V: l.Int}, nil
		}
		return &Const{T: prim(edm.Int64), V: l.Int}, nil
	case LitDecimal:
		return &Const{T: prim(edm.Decimal), V: l.Float}, nil
	case LitDouble:
		return &Const{T: prim(edm.Double), V: l.Float}, nil
	case LitString:
		return &Const{T: prim(edm.String), V: l.Str}, nil
	case LitGuid:
		return &Const{T: prim(edm.Guid), V: l.Str}, nil
	case LitDate:
		return &Const{T: prim(edm.Date), V: l.Time}, nil
	case LitDateTimeOffset:
		return &Const{T: prim(edm.DateTimeOffset), V: l.Time}, nil
	case LitTimeOfDay:
		return &Const{T: prim(edm.TimeOfDay), V: l.Nanos}, nil
	case LitDuration:
		return &Const{T: prim(edm.Duration), V: l.Nanos}, nil
	case LitBinary:
		return &Const{T: prim(edm.Binary), V: l.Bytes}, nil
	case LitEnum:
		return nil, b.errorf(l.P, "%s is not an enumeration type of this model (it has none)", l.TypeName)
	case LitGeo:
		return nil, b.notImplemented(l.P, "geographic values are not supported: this feed has no geo properties")
	}
	return nil, b.errorf(l.P, "unexpected literal %s", l.Raw)
}

// bindAlias binds the value of @name where it is used, so the same alias
// can serve in different contexts.
func (b *binder) bindAlias(a *AliasExpr) (Bound, error) {
	val, ok := b.q.Aliases[a.Name]
	if !ok {
		return nil, b.errorf(a.P, "parameter alias @%s is used but not given: add &@%s=<value> to the URL", a.Name, a.Name)
	}
	for _, n := range b.aliases {
		if n == a.Name {
			return nil, b.errorf(a.P, "parameter alias @%s refers to itself", a.Name)
		}
	}
	saveOpt, saveIn := b.option, b.input
	b.option, b.input = "@"+a.Name, b.q.Texts["@"+a.Name]
	b.aliases = append(b.aliases, a.Name)
	defer func() {
		b.option, b.input = saveOpt, saveIn
		b.aliases = b.aliases[:len(b.aliases)-1]
	}()
	return b.bind(val)
}

func (b *binder) lambdaVar(name string) *Var {
	for i := len(b.lambdas) - 1; i >= 0; i-- {
		if b.lambdas[i].Name == name {
			return b.lambdas[i]
		}
	}
	return nil
}

// bindPath resolves a member path:
//
//	[ "$it" / "$this" / lambdaVar "/" ] *( singleNav "/" ) ( property / singleNav
//	    / collectionNav "/" ( any(...) / all(...) / "$count" ) )
func (b *binder) bindPath(p *PathExpr) (Bound, error) {
	if b.dyn != nil {
		return b.bindDynPath(p)
	}
	segs := p.Segs
	v, i := b.ctx, 0
	switch first := segs[0]; {
	case first.Name == "$it":
		if b.it == nil {
			return nil, b.notImplemented(first.P, "$it inside $expand options (the parent entity) is not supported")
		}
		v, i = b.it, 1
	case first.Name == "$this":
		v, i = b.ctx, 1
		if len(b.lambdas) > 0 {
			v = b.lambdas[len(b.lambdas)-1]
		}
	case first.Name == "$root":
		return nil, b.notImplemented(first.P, "$root paths are not supported")
	case strings.HasPrefix(first.Name, "$"):
		return nil, b.errorf(first.P, "unexpected %s at the start of a path", first.Name)
	default:
		if lv := b.lambdaVar(first.Name); lv != nil && !first.Parens {
			v, i = lv, 1
		} else if c, ok := b.computed[first.Name]; ok && len(segs) == 1 {
			return &ComputedRef{Name: c.Name, X: c.X}, nil
		}
	}
	if i == len(segs) {
		return nil, b.errorf(p.P, "expected a property after %s, for example %s/id", segs[0].Name, segs[0].Name)
	}
	var navs []*edm.NavProperty
	set := v.Set
	for ; i < len(segs); i++ {
		s := segs[i]
		last := i == len(segs)-1
		switch {
		case s.Lambda != nil:
			return nil, b.errorf(s.P, "%s() must follow a collection navigation such as Messages/%s(...)", s.Name, s.Name)
		case s.Name == "$count":
			return nil, b.errorf(s.P, "$count must follow a collection navigation such as Messages/$count")
		case strings.Contains(s.Name, "."):
			if s.Name == edm.Namespace+"."+set.Type.Name {
				continue // a cast to the type the path already has
			}
			return nil, b.errorf(s.P, "%s is not a type derived from %s.%s: this model has no derived types", s.Name, edm.Namespace, set.Type.Name)
		case s.Parens:
			return nil, b.notImplemented(s.P, "%s(...) in an expression: keys and functions inside paths are not supported", s.Name)
		}
		if prop := set.Type.Property(s.Name); prop != nil {
			if !last {
				return nil, b.errorf(segs[i+1].P, "%s is a property of type %s and has no members", s.Name, prop.Type)
			}
			return &PropRef{Var: v, Navs: navs, Prop: prop}, nil
		}
		nav := set.Type.Navigation(s.Name)
		if nav == nil {
			return nil, b.unknownMember(s.P, s.Name, set)
		}
		if nav.Collection {
			if last {
				return nil, b.errorf(s.P, "%s is a collection; use %s/any(x:...), %s/all(x:...) or %s/$count", s.Name, s.Name, s.Name, s.Name)
			}
			next := segs[i+1]
			if i+1 != len(segs)-1 {
				return nil, b.errorf(segs[i+2].P, "unexpected segment after %s", next.Name)
			}
			switch {
			case next.Lambda != nil:
				return b.bindLambda(v, navs, nav, next.Lambda)
			case next.Name == "$count" && !next.Parens:
				return &CountOf{From: v, Navs: navs, Nav: nav}, nil
			case next.Name == "$count":
				return nil, b.notImplemented(next.P, "options on $count inside an expression are not supported")
			}
			return nil, b.errorf(next.P, "expected any(), all() or $count after the collection %s, found %s", s.Name, next.Name)
		}
		navs = append(navs, nav)
		set = nav.Target
		if last {
			return &NavRef{Var: v, Navs: navs}, nil
		}
	}
	return nil, b.errorf(p.P, "incomplete path %s", p)
}

// unknownMember builds the "no such property" error with the nearest name.
func (b *binder) unknownMember(pos int, name string, set *edm.EntitySet) error {
	msg := fmt.Sprintf("%s has no property or navigation named '%s'", set.Type.Name, name)
	if n := edm.Nearest(name, set.Type.MemberNames()); n != "" {
		msg += fmt.Sprintf("; did you mean '%s'?", n)
	}
	return b.errorf(pos, "%s", msg)
}

func (b *binder) bindLambda(from *Var, navs []*edm.NavProperty, nav *edm.NavProperty, lam *LambdaExpr) (Bound, error) {
	out := &Lambda{All: lam.Op == "all", From: from, Navs: navs, Nav: nav}
	if lam.Body == nil {
		return out, nil
	}
	if _, clash := b.computed[lam.Var]; clash {
		return nil, b.errorf(lam.P, "lambda variable %s has the name of a computed property", lam.Var)
	}
	out.Var = b.newVar(lam.Var, nav.Target)
	b.lambdas = append(b.lambdas, out.Var)
	defer func() { b.lambdas = b.lambdas[:len(b.lambdas)-1] }()
	body, err := b.bindBool(lam.Body)
	if err != nil {
		return nil, err
	}
	out.Body = body
	return out, nil
}

func (b *binder) bindUnary(u *UnaryExpr) (Bound, error) {
	if u.Op == "not" {
		x, err := b.bindBool(u.X)
		if err != nil {
			return nil, err
		}
		return &UnOp{Op: "not", X: x, T: prim(edm.Boolean)}, nil
	}
	x, err := b.bindValue(u.X)
	if err != nil {
		return nil, err
	}
	t := x.Type()
	if !t.Kind.IsNumeric() && t.Kind != edm.Duration && t.Kind != edm.Untyped {
		return nil, b.errorf(u.P, "cannot negate a value of type %s", t)
	}
	return &UnOp{Op: "-", X: x, T: t}, nil
}

func (b *binder) bindBinary(x *BinaryExpr) (Bound, error) {
	switch x.Op {
	case "and", "or":
		l, err := b.bindBool(x.X)
		if err != nil {
			return nil, err
		}
		r, err := b.bindBool(x.Y)
		if err != nil {
			return nil, err
		}
		return &BinOp{Op: x.Op, X: l, Y: r, T: prim(edm.Boolean)}, nil
	case "in":
		return b.bindIn(x)
	case "has":
		return nil, b.errorf(x.P, "'has' tests enumeration flags, and this model has no enumeration types")
	}
	l, err := b.bind(x.X)
	if err != nil {
		return nil, err
	}
	r, err := b.bind(x.Y)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case "eq", "ne", "gt", "ge", "lt", "le":
		return b.bindComparison(x, l, r)
	}
	return b.bindArithmetic(x, l, r)
}

// bindComparison types a comparison. Two conveniences, both documented in
// README: a date literal against a date-time compares the date part (in the
// property's own time zone), and a duration literal against a seconds
// property compares seconds.
func (b *binder) bindComparison(x *BinaryExpr, l, r Bound) (Bound, error) {
	lt, rt := l.Type(), r.Type()
	if lt.Entity != nil || rt.Entity != nil {
		if (x.Op == "eq" || x.Op == "ne") && (IsNullConst(l) || IsNullConst(r)) && !lt.Collection && !rt.Collection {
			return &BinOp{Op: x.Op, X: l, Y: r, T: prim(edm.Boolean)}, nil
		}
		return nil, b.errorf(x.P, "a navigation can only be compared with null (eq null, ne null)")
	}
	l, r = b.coerce(l, r)
	r, l = b.coerce(r, l)
	lt, rt = l.Type(), r.Type()
	if !comparable(lt.Kind, rt.Kind) {
		return nil, b.errorf(x.P, "cannot compare %s with %s%s", describeBound(l), describeBound(r), compareHint(lt.Kind, rt.Kind))
	}
	return &BinOp{Op: x.Op, X: l, Y: r, T: prim(edm.Boolean)}, nil
}

// coerce adapts constant c to the type of other where OData's 4.01 rules or
// this feed's documented conveniences allow it.
func (b *binder) coerce(other, c Bound) (Bound, Bound) {
	ot := other.Type().Kind
	k, ok := c.(*Const)
	if !ok {
		// date(x) for a date literal compared with a date-time.
		return other, c
	}
	switch {
	case ot == edm.DateTimeOffset && k.T.Kind == edm.Date:
		fn := functions["date"]
		return &Call{Fn: fn, Sig: fn.Sigs[0], Args: []Bound{other}}, c
	case ot.IsNumeric() && k.T.Kind == edm.Duration:
		return other, &Const{T: prim(edm.Double), V: float64(k.V.(int64)) / 1e9}
	case ot == edm.String && k.T.Kind == edm.Guid:
		return other, &Const{T: prim(edm.String), V: k.V}
	case ot == edm.Duration && k.T.Kind == edm.String:
		if n, ok := parseDuration(k.V.(string)); ok {
			return other, &Const{T: prim(edm.Duration), V: n}
		}
	}
	return other, c
}

func comparable(a, b edm.Kind) bool {
	switch {
	case a == edm.Untyped || b == edm.Untyped:
		return true
	case a.IsNumeric() && b.IsNumeric():
		return true
	case a == b:
		return true
	case (a == edm.String && b == edm.Guid) || (a == edm.Guid && b == edm.String):
		return true
	}
	return false
}

func compareHint(a, b edm.Kind) string {
	switch {
	case a == edm.String && b.IsNumeric(), b == edm.String && a.IsNumeric():
		return " (put text in single quotes, and numbers without quotes)"
	case (a == edm.DateTimeOffset && b == edm.String) || (b == edm.DateTimeOffset && a == edm.String):
		return " (write date-times without quotes, for example 2024-03-01T00:00:00Z)"
	}
	return ""
}

func describeBound(x Bound) string {
	switch x := x.(type) {
	case *PropRef:
		return fmt.Sprintf("%s property '%s'", x.Prop.Type, x.Prop.Name)
	case *Const:
		if x.V == nil {
			return "null"
		}
		return fmt.Sprintf("%s value", x.T)
	}
	return fmt.Sprintf("%s expression", x.Type())
}

func (b *binder) bindArithmetic(x *BinaryExpr, l, r Bound) (Bound, error) {
	lt, rt := l.Type().Kind, r.Type().Kind
	if l.Type().Entity != nil || r.Type().Entity != nil {
		return nil, b.errorf(x.P, "'%s' needs values, not navigations", x.Op)
	}
	result := edm.Invalid
	switch {
	case lt == edm.Untyped && rt == edm.Untyped:
		result = edm.Untyped
	case lt == edm.Untyped:
		result = rt
	case rt == edm.Untyped:
		result = lt
	case lt.IsNumeric() && rt.IsNumeric():
		result = edm.Promote(lt, rt)
		if x.Op == "divby" && result.IsIntegral() {
			result = edm.Decimal
		}
	case x.Op == "add" && lt == edm.DateTimeOffset && rt == edm.Duration,
		x.Op == "add" && lt == edm.Duration && rt == edm.DateTimeOffset,
		x.Op == "sub" && lt == edm.DateTimeOffset && rt == edm.Duration:
		result = edm.DateTimeOffset
	case x.Op == "sub" && lt == edm.DateTimeOffset && rt == edm.DateTimeOffset,
		(x.Op == "add" || x.Op == "sub") && lt == edm.Duration && rt == edm.Duration:
		result = edm.Duration
	case (x.Op == "mul" || x.Op == "div") && lt == edm.Duration && rt.IsNumeric():
		result = edm.Duration
	}
	if result == edm.Invalid {
		return nil, b.errorf(x.P, "cannot apply '%s' to %s and %s", x.Op, describeBound(l), describeBound(r))
	}
	return &BinOp{Op: x.Op, X: l, Y: r, T: prim(result)}, nil
}

func (b *binder) bindIn(x *BinaryExpr) (Bound, error) {
	l, err := b.bindValue(x.X)
	if err != nil {
		return nil, err
	}
	var items []Expr
	switch y := x.Y.(type) {
	case *ListExpr:
		items = y.Items
	case *AliasExpr:
		val, ok := b.q.Aliases[y.Name]
		if !ok {
			return nil, b.errorf(y.P, "parameter alias @%s is used but not given", y.Name)
		}
		list, ok := val.(*ListExpr)
		if !ok {
			return nil, b.errorf(y.P, "@%s must be a list such as ('a','b') or [\"a\",\"b\"] to be used after 'in'", y.Name)
		}
		items = list.Items
	default:
		return nil, b.errorf(x.Y.Pos(), "expected a list such as ('a','b') after 'in'; this model has no collection properties")
	}
	if len(items) > MaxInListLength {
		return nil, b.errorf(x.Y.Pos(), "'in' list has %d items; at most %d are allowed", len(items), MaxInListLength)
	}
	out := &InList{X: l}
	for _, it := range items {
		v, err := b.bindValue(it)
		if err != nil {
			return nil, err
		}
		l2, v2 := b.coerce(l, v)
		if l2 != l {
			return nil, b.errorf(it.Pos(), "compare dates with a date-time property using date(%s) in (...)", x.X)
		}
		if !comparable(l.Type().Kind, v2.Type().Kind) {
			return nil, b.errorf(it.Pos(), "cannot compare %s with %s%s", describeBound(l), describeBound(v2), compareHint(l.Type().Kind, v2.Type().Kind))
		}
		out.Items = append(out.Items, v2)
	}
	return out, nil
}

func (b *binder) bindCall(c *CallExpr) (Bound, error) {
	name := strings.ToLower(c.Name)
	switch name {
	case "cast":
		return b.bindCast(c)
	case "isof":
		return b.bindIsOf(c)
	case "now":
		if len(c.Args) != 0 {
			return nil, b.errorf(c.P, "now() takes no arguments")
		}
		// One instant per request, so every page of a nextLink chain and
		// every use in one query agree.
		return &Const{T: prim(edm.DateTimeOffset), V: b.now}, nil
	case "maxdatetime", "mindatetime":
		if len(c.Args) != 0 {
			return nil, b.errorf(c.P, "%s() takes no arguments", name)
		}
		t := time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC)
		if name == "mindatetime" {
			t = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return &Const{T: prim(edm.DateTimeOffset), V: t}, nil
	}
	fn := functions[name]
	if fn == nil {
		if strings.Contains(c.Name, ".") {
			return nil, b.notImplemented(c.P, "function %s is not supported: this feed defines no functions", c.Name)
		}
		msg := fmt.Sprintf("unknown function %s()", c.Name)
		if n := edm.Nearest(c.Name, FunctionNames()); n != "" {
			msg += fmt.Sprintf("; did you mean %s()?", n)
		}
		return nil, b.errorf(c.P, "%s", msg)
	}
	args := make([]Bound, len(c.Args))
	for i, a := range c.Args {
		v, err := b.bindValue(a)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	for _, s := range fn.Sigs {
		if len(s.Params) != len(args) {
			continue
		}
		ok := true
		for i, p := range s.Params {
			if !p.accepts(args[i].Type().Kind) {
				ok = false
				break
			}
		}
		if ok {
			return &Call{Fn: fn, Sig: s, Args: args}, nil
		}
	}
	return nil, b.errorf(c.P, "%s() does not accept (%s); it takes %s", fn.Name, typeList(args), signatureList(fn))
}

func typeList(args []Bound) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.Type().String()
	}
	return strings.Join(parts, ", ")
}

func signatureList(fn *Function) string {
	var alts []string
	for _, s := range fn.Sigs {
		ps := make([]string, len(s.Params))
		for i, p := range s.Params {
			ps[i] = p.String()
		}
		alts = append(alts, "("+strings.Join(ps, ", ")+")")
	}
	return strings.Join(alts, " or ")
}

// typeArg resolves the type-name argument of cast and isof.
func (b *binder) typeArg(x Expr) (Type, string, error) {
	p, ok := x.(*PathExpr)
	if !ok || len(p.Segs) != 1 || p.Segs[0].Parens {
		return Type{}, "", b.errorf(x.Pos(), "expected a type name such as Edm.String")
	}
	name := p.Segs[0].Name
	if k, ok := edm.KindByName(name); ok {
		return prim(k), name, nil
	}
	if t := b.model.Type(name); t != nil && strings.Contains(name, ".") {
		return Type{Entity: b.model.SetOfType(t)}, name, nil
	}
	return Type{}, name, b.errorf(x.Pos(), "unknown type %s", name)
}

func (b *binder) bindCast(c *CallExpr) (Bound, error) {
	if len(c.Args) != 2 {
		if len(c.Args) == 1 {
			return nil, b.errorf(c.P, "cast(type) casts the current entity, and this model has no derived types; use cast(property, Edm.Type)")
		}
		return nil, b.errorf(c.P, "cast takes a value and a type: cast(x, Edm.String)")
	}
	x, err := b.bindValue(c.Args[0])
	if err != nil {
		return nil, err
	}
	t, name, err := b.typeArg(c.Args[1])
	if err != nil {
		return nil, err
	}
	if t.Entity != nil {
		return nil, b.errorf(c.Args[1].Pos(), "cannot cast a value to the entity type %s", name)
	}
	from := x.Type().Kind
	ok := from == t.Kind || from == edm.Untyped || t.Kind == edm.String ||
		(from.IsNumeric() && t.Kind.IsNumeric()) ||
		(from == edm.DateTimeOffset && t.Kind == edm.Date) ||
		(from == edm.String && (t.Kind.IsNumeric() || t.Kind == edm.Boolean || t.Kind == edm.DateTimeOffset))
	if !ok {
		return nil, b.errorf(c.P, "cannot cast %s to %s", from, t.Kind)
	}
	return &Cast{X: x, T: t}, nil
}

// bindIsOf decides isof statically: the model has no derived types, so the
// type of every expression is known when binding.
func (b *binder) bindIsOf(c *CallExpr) (Bound, error) {
	var subject Type
	var targetArg Expr
	switch len(c.Args) {
	case 1:
		subject, targetArg = Type{Entity: b.ctx.Set}, c.Args[0]
	case 2:
		x, err := b.bind(c.Args[0])
		if err != nil {
			return nil, err
		}
		subject, targetArg = x.Type(), c.Args[1]
	default:
		return nil, b.errorf(c.P, "isof takes a type, or a value and a type: isof(x, Edm.String)")
	}
	t, _, err := b.typeArg(targetArg)
	if err != nil {
		return nil, err
	}
	same := subject.Kind == t.Kind && subject.Entity == t.Entity
	return &Const{T: prim(edm.Boolean), V: same}, nil
}

func (b *binder) bindCase(c *CaseExpr) (Bound, error) {
	out := &CaseOf{}
	result := edm.Untyped
	for _, pair := range c.Pairs {
		cond, err := b.bindBool(pair.Cond)
		if err != nil {
			return nil, err
		}
		val, err := b.bindValue(pair.Value)
		if err != nil {
			return nil, err
		}
		k := val.Type().Kind
		switch {
		case k == edm.Untyped:
		case result == edm.Untyped:
			result = k
		case result.IsNumeric() && k.IsNumeric():
			result = edm.Promote(result, k)
		case result != k:
			return nil, b.errorf(pair.Value.Pos(), "case() results must share one type: found %s after %s", k, result)
		}
		out.Conds = append(out.Conds, cond)
		out.Values = append(out.Values, val)
	}
	out.T = prim(result)
	return out, nil
}
