package query

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
)

// Bind resolves a parsed resource path and query against the model. now is
// the request's instant, the value of now() everywhere in the request.
func Bind(m *edm.Model, path *ResourcePath, q *Query, now time.Time) (*Plan, error) {
	b := &binder{model: m, q: q, now: now, option: "resource path", input: path.Text}
	plan, err := b.bindPath2(path)
	if err != nil {
		return nil, err
	}
	plan.PathText = path.Text
	plan.Var = b.newVar("$it", plan.Source.Set)
	plan.Set = plan.Source.Set
	b.it, b.ctx = plan.Var, plan.Var
	if err := b.checkApplicable(plan); err != nil {
		return nil, err
	}
	if q.Apply != nil {
		if err := b.bindApply(plan); err != nil {
			return nil, err
		}
		return plan, nil
	}
	if err := b.bindShape(&plan.Shape, &q.Options, plan.Target == TargetCollection || plan.Target == TargetCount || plan.Target == TargetRefs, 0); err != nil {
		return nil, err
	}
	switch plan.Target {
	case TargetProperty, TargetValue:
		plan.Select = Selection{Props: []*edm.Property{plan.Property}}
	case TargetRef, TargetRefs:
		plan.Select = Selection{Props: []*edm.Property{plan.Set.Type.Key}}
	}
	return plan, nil
}

func notFound(format string, args ...any) error {
	return &ccfeed.Error{Code: ccfeed.ENOTFOUND, Target: "resource path", Message: fmt.Sprintf(format, args...)}
}

// bindPath2 walks the resource path:
//
//	path = set [ key ] *( "/" ( nav [ key ] / property [ "/$value" ] / key ) ) [ "/$count" / "/$ref" ]
func (b *binder) bindPath2(path *ResourcePath) (*Plan, error) {
	segs := path.Segs
	if len(segs) == 0 || segs[0].Text == "" {
		return nil, notFound("no entity set in the path")
	}
	first := segs[0]
	set := b.model.Set(first.Name)
	if set == nil {
		switch strings.ToLower(first.Text) {
		case "$batch", "$all", "$entity":
			return nil, &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Target: "resource path", Message: first.Text + " is not supported by this feed"}
		}
		if strings.HasPrefix(strings.ToLower(first.Text), "$crossjoin") {
			return nil, &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Target: "resource path", Message: "$crossjoin is not supported by this feed"}
		}
		msg := fmt.Sprintf("no entity set named '%s'", first.Text)
		if n := edm.Nearest(first.Name, b.model.SetNames()); n != "" && first.Name != "" {
			msg += fmt.Sprintf("; did you mean '%s'?", n)
		}
		return nil, notFound("%s", msg)
	}
	plan := &Plan{Target: TargetCollection, Source: &Source{Set: set}}
	if first.Parens {
		key, err := b.bindKey(set, first)
		if err != nil {
			return nil, err
		}
		plan.Source.Key, plan.Target = key, TargetEntity
	}
	for i := 1; i < len(segs); i++ {
		s := segs[i]
		last := i == len(segs)-1
		src := plan.Source
		switch {
		case s.Text == "$count":
			if plan.Target != TargetCollection {
				return nil, b.errorf(s.P, "/$count must follow a collection")
			}
			plan.Target = TargetCount
		case s.Text == "$value":
			if plan.Target != TargetProperty {
				return nil, b.errorf(s.P, "/$value must follow a property: this feed has no media entities")
			}
			plan.Target = TargetValue
		case s.Text == "$ref":
			switch plan.Target {
			case TargetCollection:
				plan.Target = TargetRefs
			case TargetEntity:
				plan.Target = TargetRef
			default:
				return nil, b.errorf(s.P, "/$ref must follow an entity or a collection of entities")
			}
		case strings.HasPrefix(s.Text, "$"):
			return nil, &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Target: "resource path", Message: s.Text + " is not supported by this feed"}
		case s.Text == "":
			return nil, b.errorf(s.P, "empty segment in the path (two slashes in a row)")
		case plan.Target == TargetCollection:
			if s.Name != "" && strings.Contains(s.Name, ".") && !s.Parens {
				if s.Name == edm.Namespace+"."+src.Set.Type.Name {
					continue
				}
				return nil, notFound("%s is not a type derived from %s.%s: this model has no derived types", s.Name, edm.Namespace, src.Set.Type.Name)
			}
			if !edm.Features.KeyAsSegment {
				return nil, b.errorf(s.P, "expected a key in parentheses")
			}
			// Key-as-segment (4.01): Conversations/acme:demo:42.
			src.Key = &Const{T: prim(edm.String), V: s.Text}
			plan.Target = TargetEntity
		case plan.Target == TargetEntity:
			if prop := src.Set.Type.Property(s.Name); prop != nil && !s.Parens {
				plan.Target, plan.Property = TargetProperty, prop
				continue
			}
			nav := src.Set.Type.Navigation(s.Name)
			if nav == nil {
				msg := fmt.Sprintf("%s has no property or navigation named '%s'", src.Set.Type.Name, s.Text)
				if n := edm.Nearest(s.Name, src.Set.Type.MemberNames()); n != "" {
					msg += fmt.Sprintf("; did you mean '%s'?", n)
				}
				return nil, notFound("%s", msg)
			}
			plan.Source = &Source{Set: nav.Target, Via: nav, Parent: src}
			plan.Target = TargetEntity
			if nav.Collection {
				plan.Target = TargetCollection
				if s.Parens {
					key, err := b.bindKey(nav.Target, s)
					if err != nil {
						return nil, err
					}
					plan.Source.Key, plan.Target = key, TargetEntity
				}
			} else if s.Parens {
				return nil, b.errorf(s.P, "%s leads to one entity and takes no key", nav.Name)
			}
		default:
			return nil, b.errorf(s.P, "unexpected segment '%s' after a property", s.Text)
		}
		if (plan.Target == TargetCount || plan.Target == TargetValue || plan.Target == TargetRefs || plan.Target == TargetRef) && !last {
			return nil, b.errorf(segs[i+1].P, "nothing may follow %s", s.Text)
		}
	}
	return plan, nil
}

// bindKey binds a key predicate: ('k'), (id='k') or (@alias).
func (b *binder) bindKey(set *edm.EntitySet, s *PathSegment) (*Const, error) {
	var x Expr
	switch {
	case len(s.Keys) == 1 && len(s.NamedKeys) == 0:
		x = s.Keys[0]
	case len(s.Keys) == 0 && len(s.NamedKeys) == 1:
		if s.NamedKeys[0].Name != set.Type.Key.Name {
			return nil, b.errorf(s.NamedKeys[0].P, "the key of %s is '%s', not '%s'", set.Name, set.Type.Key.Name, s.NamedKeys[0].Name)
		}
		x = s.NamedKeys[0].Value
	case len(s.Keys)+len(s.NamedKeys) == 0:
		return nil, b.errorf(s.P, "empty key: write %s('key')", set.Name)
	default:
		return nil, b.errorf(s.P, "%s has a single key property '%s'", set.Name, set.Type.Key.Name)
	}
	v, err := b.bind(x)
	if err != nil {
		return nil, err
	}
	c, ok := v.(*Const)
	if !ok || (c.T.Kind != edm.String && c.T.Kind != edm.Guid) {
		return nil, b.errorf(x.Pos(), "the key of %s is a string: write it in quotes, for example %s('%s')", set.Name, set.Name, strings.Trim(x.String(), "'"))
	}
	return &Const{T: prim(edm.String), V: c.V}, nil
}

// checkApplicable refuses options that make no sense for the target.
func (b *binder) checkApplicable(p *Plan) error {
	collectionOnly := []string{"$filter", "$orderby", "$top", "$skip", "$count", "$search"}
	var allowed map[string]bool
	switch p.Target {
	case TargetCollection:
		return nil
	case TargetEntity:
		allowed = map[string]bool{"$select": true, "$expand": true, "$compute": true, "$format": true}
	case TargetCount:
		allowed = map[string]bool{"$filter": true, "$search": true, "$compute": true}
	case TargetRefs:
		allowed = map[string]bool{"$filter": true, "$orderby": true, "$top": true, "$skip": true, "$count": true, "$search": true}
	default:
		allowed = map[string]bool{"$format": true}
	}
	for _, name := range b.q.Given {
		if !allowed[name] {
			why := "does not apply here"
			switch {
			case p.Target == TargetCount:
				why = "does not apply to /$count, which counts the whole collection; narrow it with $filter or $search"
			case slices.Contains(collectionOnly, name):
				why = "applies to collections, and this request addresses a single value"
			}
			return &ccfeed.Error{Code: ccfeed.EINVALID, Target: name, Message: name + " " + why}
		}
	}
	return nil
}

// bindShape binds the options o into s for the set s.Set, whose variable is
// s.Var. collection says whether collection-only options are allowed.
func (b *binder) bindShape(s *Shape, o *Options, collection bool, depth int) error {
	if len(o.Apply) > 0 {
		// The top level's $apply is bound by bindApply; here it can only
		// be one nested in $expand.
		return &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Target: "$expand", Message: "$apply inside $expand is not supported; aggregate the related set with its own request"}
	}
	saveCtx, saveComputed := b.ctx, b.computed
	b.ctx = s.Var
	b.computed = map[string]*Computed{}
	defer func() { b.ctx, b.computed = saveCtx, saveComputed }()

	if len(o.Compute) > 0 {
		if !edm.Features.Compute {
			return &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Target: "$compute", Message: "$compute is not supported yet"}
		}
		b.use("$compute")
		for _, c := range o.Compute {
			if s.Set.Type.Property(c.Alias) != nil || s.Set.Type.Navigation(c.Alias) != nil || b.computed[c.Alias] != nil {
				return b.errorf(c.P, "computed name '%s' is already a property of %s or another computed name", c.Alias, s.Set.Type.Name)
			}
			x, err := b.bindValue(c.Expr)
			if err != nil {
				return err
			}
			cp := &Computed{Name: c.Alias, X: x}
			s.Compute = append(s.Compute, cp)
			b.computed[c.Alias] = cp
		}
	}
	if o.Filter != nil {
		b.use("$filter")
		x, err := b.bindBool(o.Filter)
		if err != nil {
			return err
		}
		s.Filter = x
	}
	if o.Search != nil {
		if !edm.Features.Search {
			return &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Target: "$search", Message: "$search is not supported yet"}
		}
		if !s.Set.Searchable() {
			return &ccfeed.Error{Code: ccfeed.EINVALID, Target: "$search",
				Message: fmt.Sprintf("$search is not available on %s; it searches %s", s.Set.Name, strings.Join(searchableSets(b.model), ", "))}
		}
		s.Search = &Search{Expr: o.Search}
	}
	if len(o.OrderBy) > 0 {
		b.use("$orderby")
		for _, item := range o.OrderBy {
			x, err := b.bindValue(item.Expr)
			if err != nil {
				return err
			}
			if k := x.Type().Kind; k == edm.Binary {
				return b.errorf(item.P, "cannot order by a %s value", k)
			}
			s.OrderBy = append(s.OrderBy, Order{X: x, Desc: item.Desc})
		}
	}
	if err := b.bindSelect(s, o.Select); err != nil {
		return err
	}
	if len(o.Expand) > 0 {
		if !edm.Features.Expand {
			return &ccfeed.Error{Code: ccfeed.ENOTIMPLEMENTED, Target: "$expand", Message: "$expand is not supported yet"}
		}
		b.use("$expand")
		if err := b.bindExpand(s, o.Expand, depth); err != nil {
			return err
		}
	}
	s.Top, s.Skip = o.Top, o.Skip
	s.Count = o.Count != nil && *o.Count
	if !collection && (o.Filter != nil || o.OrderBy != nil || o.Top != nil || o.Skip != nil || o.Count != nil || o.Search != nil) {
		return b.errorf(0, "$filter, $orderby, $top, $skip, $count and $search apply to collections only")
	}
	return nil
}

// use switches error locations to the named top-level option. Nested options
// keep the text of their enclosing $expand, whose positions they carry.
func (b *binder) use(option string) {
	if b.option == "$expand" && option != "$expand" {
		return
	}
	if text, ok := b.q.Texts[option]; ok {
		b.option, b.input = option, text
	}
}

func searchableSets(m *edm.Model) []string {
	var out []string
	for _, s := range m.Sets {
		if s.Searchable() {
			out = append(out, s.Name)
		}
	}
	return out
}

func (b *binder) bindSelect(s *Shape, items []*SelectItem) error {
	sel := &s.Select
	if len(items) == 0 {
		sel.Props = s.Set.Type.Properties
		return nil
	}
	b.use("$select")
	sel.Explicit = true
	seen := map[string]bool{}
	all := false
	for _, item := range items {
		path := item.Path
		if len(path) > 0 && path[0] == edm.Namespace+"."+s.Set.Type.Name {
			path = path[1:]
		}
		switch {
		case item.Star && len(path) == 0:
			all = true
			sel.Items = append(sel.Items, "*")
			continue
		case len(path) == 1 && strings.HasSuffix(path[0], ".*"):
			// All operations of a schema: this feed has none, so nothing
			// to add.
			continue
		case item.Star || len(path) == 0:
			return b.errorf(item.P, "'*' must stand alone in $select")
		case item.Options != nil:
			return b.errorf(item.P, "options in $select apply to collection properties, and %s has none", s.Set.Type.Name)
		}
		name := path[0]
		if len(path) > 1 {
			if s.Set.Type.Navigation(name) != nil {
				return b.errorf(item.P, "to choose properties of %s use $expand=%s($select=%s)", name, name, strings.Join(path[1:], "/"))
			}
			return b.errorf(item.P, "%s has no members to select", name)
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		if p := s.Set.Type.Property(name); p != nil {
			sel.Props = append(sel.Props, p)
			sel.Items = append(sel.Items, name)
			continue
		}
		if n := s.Set.Type.Navigation(name); n != nil {
			sel.Navs = append(sel.Navs, n)
			sel.Items = append(sel.Items, name)
			continue
		}
		if c := b.computed[name]; c != nil {
			sel.Computed = append(sel.Computed, c)
			sel.Items = append(sel.Items, name)
			continue
		}
		return b.unknownMember(item.P, name, s.Set)
	}
	if all {
		sel.Props = s.Set.Type.Properties
	}
	return nil
}

func (b *binder) bindExpand(s *Shape, items []*ExpandItem, depth int) error {
	seen := map[string]bool{}
	for _, item := range items {
		var navs []*edm.NavProperty
		if item.Star {
			navs = s.Set.Type.Navigations
		} else {
			path := item.Path
			if len(path) > 0 && path[0] == edm.Namespace+"."+s.Set.Type.Name {
				path = path[1:]
			}
			if len(path) != 1 {
				return b.errorf(item.P, "expected one navigation property in $expand, found %s", strings.Join(item.Path, "/"))
			}
			nav := s.Set.Type.Navigation(path[0])
			if nav == nil {
				if s.Set.Type.Property(path[0]) != nil {
					return b.errorf(item.P, "%s is a property, not a navigation: list it in $select", path[0])
				}
				return b.unknownMember(item.P, path[0], s.Set)
			}
			navs = []*edm.NavProperty{nav}
		}
		for _, nav := range navs {
			if seen[nav.Name] {
				if item.Star {
					continue // an explicit item takes precedence over '*'
				}
				return b.errorf(item.P, "%s is expanded twice", nav.Name)
			}
			seen[nav.Name] = true
			e, err := b.bindExpandItem(nav, item, depth)
			if err != nil {
				return err
			}
			s.Expand = append(s.Expand, e)
		}
	}
	return nil
}

func (b *binder) bindExpandItem(nav *edm.NavProperty, item *ExpandItem, depth int) (*Expand, error) {
	o := item.Options
	if o == nil {
		o = &Options{}
	}
	levels := o.Levels
	if levels == -1 {
		levels = MaxExpandDepth - depth
	}
	return b.bindExpandLevels(nav, item, o, depth, max(levels, 1))
}

// bindExpandLevels binds one expansion of nav with options o, then, for
// $levels=n, the same expansion nested below itself n-1 more times (every
// navigation again for '*').
func (b *binder) bindExpandLevels(nav *edm.NavProperty, item *ExpandItem, o *Options, depth, levels int) (*Expand, error) {
	if depth+1 > MaxExpandDepth {
		return nil, b.errorf(item.P, "$expand is nested deeper than %d levels", MaxExpandDepth)
	}
	e := &Expand{Nav: nav, Ref: item.Ref, CountOnly: item.Count, Nested: item.Options != nil}
	e.Set = nav.Target
	e.Var = b.newVar("$this", nav.Target)
	saveIt := b.it
	b.it = nil // $it inside $expand options would need the parent row
	err := b.bindShape(&e.Shape, o, nav.Collection, depth+1)
	b.it = saveIt
	if err != nil {
		return nil, err
	}
	if e.Ref {
		// References carry the key only.
		e.Select = Selection{Props: []*edm.Property{nav.Target.Type.Key}}
	}
	if levels > 1 {
		var next []*edm.NavProperty
		if item.Star {
			next = nav.Target.Type.Navigations
		} else if n := nav.Target.Type.Navigation(nav.Name); n != nil {
			next = []*edm.NavProperty{n}
		}
		for _, n := range next {
			if e.hasExpand(n) {
				continue
			}
			inner, err := b.bindExpandLevels(n, item, o, depth+1, levels-1)
			if err != nil {
				return nil, err
			}
			e.Expand = append(e.Expand, inner)
			e.Nested = true
		}
	}
	return e, nil
}

func (e *Expand) hasExpand(n *edm.NavProperty) bool {
	for _, x := range e.Expand {
		if x.Nav == n {
			return true
		}
	}
	return false
}
