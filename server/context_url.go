package server

import (
	"strings"

	"github.com/ccfeed/ccfeed/query"
)

// contextURL returns the @odata.context of a response, absolute, in the form
// OData 4.0 writes it (JSON Format 10): a projection lists the selected
// properties and expanded navigations as #Set(a,b,Nav), never with the 4.01
// "Nav()" that Power Query rejects; nested projections spell Nav(x,y).
func contextURL(root string, plan *query.Plan) string {
	base := root + "$metadata#"
	switch plan.Target {
	case query.TargetProperty:
		return base + plan.Property.Type.String()
	case query.TargetRefs:
		return base + "Collection($ref)"
	case query.TargetRef:
		return base + "$ref"
	}
	u := base + plan.Set.Name + selectList(&plan.Shape)
	if plan.Target == query.TargetEntity {
		u += "/$entity"
	}
	return u
}

// selectList is "(a,b,Nav(x))" for a shape with a projection or expansion,
// and "" otherwise.
func selectList(s *query.Shape) string {
	var items []string
	if s.Select.Explicit {
		items = append(items, s.Select.Items...)
	}
	for _, e := range s.Expand {
		name := e.Nav.Name
		if inner := selectList(&e.Shape); inner != "" && e.Nested && !e.Ref && !e.CountOnly {
			name += inner
		}
		if !contains(items, e.Nav.Name) {
			items = append(items, name)
		} else if name != e.Nav.Name {
			for i, it := range items {
				if it == e.Nav.Name {
					items[i] = name
				}
			}
		}
	}
	if len(items) == 0 {
		return ""
	}
	return "(" + strings.Join(items, ",") + ")"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
