package edm_test

import (
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
)

// defaultModel returns edm.Default(), turning its panic (a declaration error
// in sets_*.go or navigation.go) into a test failure that shows the message.
func defaultModel(t *testing.T) (m *edm.Model) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("edm.Default panics: %v", r)
		}
	}()
	return edm.Default()
}

func TestDefaultBuilds(t *testing.T) {
	m := defaultModel(t)
	if len(m.Sets) == 0 || len(m.Types) != len(m.Sets) {
		t.Fatalf("model has %d sets and %d types; every set has its own type", len(m.Sets), len(m.Types))
	}
	if edm.Default() != m {
		t.Error("edm.Default returns a new model on each call; it is meant to be built once")
	}
	if m.Namespace != edm.Namespace {
		t.Errorf("model namespace %q, want edm.Namespace %q", m.Namespace, edm.Namespace)
	}
}

// TestModelKeys: the store, the URL parser (key-as-segment) and the JSON
// writer all assume the key is the single, non-nullable string column "id".
func TestModelKeys(t *testing.T) {
	m := defaultModel(t)
	for _, s := range m.Sets {
		t.Run(s.Name, func(t *testing.T) {
			k := s.Type.Key
			switch {
			case k == nil:
				t.Fatalf("type %s has no key", s.Type.Name)
			case k.Name != "id":
				t.Errorf("key of %s is %q, want \"id\"", s.Type.Name, k.Name)
			case k.Nullable:
				t.Errorf("key of %s is nullable", s.Type.Name)
			case k.Type != edm.String:
				t.Errorf("key of %s is %s, want Edm.String", s.Type.Name, k.Type)
			case s.Type.Property("id") != k:
				t.Errorf("key of %s is not its property id", s.Type.Name)
			}
		})
	}
}

// TestModelSlices: a slice filters the shared table on a column, so the
// column must be one of that table's columns (the store writes the filter
// from it) and the slice must name at least one value.
func TestModelSlices(t *testing.T) {
	m := defaultModel(t)
	n := 0
	for _, s := range m.Sets {
		if s.Slice == nil {
			continue
		}
		n++
		t.Run(s.Name, func(t *testing.T) {
			c := s.Slice.Column
			if c == nil {
				t.Fatal("slice without a column")
			}
			if got := s.Type.Table.Column(c.Name); got != c {
				t.Errorf("slice column %s is not a column of table %s", c.Name, s.Type.Table.Name)
			}
			if c.Table() != s.Type.Table {
				t.Errorf("slice column %s belongs to table %v, not %s", c.Name, c.Table(), s.Type.Table.Name)
			}
			if len(s.Slice.Values) == 0 {
				t.Error("slice without values selects nothing")
			}
		})
	}
	if n == 0 {
		t.Fatal("no set has a slice; Calls, Chats and Emails are slices of Conversations")
	}
}

// TestModelTimestampTwins: a tenant-local timestamp is compared and sorted
// through its UTC twin, so the link must exist both ways, inside one table,
// between two DateTimeOffset columns named by the rule in model.go
// (startedAtUTC and startedAt).
func TestModelTimestampTwins(t *testing.T) {
	m := defaultModel(t)
	n := 0
	for _, tbl := range m.Tables {
		for _, p := range tbl.Columns {
			if p.UTC == nil {
				if p.Local != nil && p.Local.UTC != p {
					t.Errorf("%s.%s: its Local %s does not point back to it", tbl.Name, p.Name, p.Local.Name)
				}
				continue
			}
			n++
			u := p.UTC
			switch {
			case p.Type != edm.DateTimeOffset:
				t.Errorf("%s.%s: local timestamp of type %s", tbl.Name, p.Name, p.Type)
			case u.Type != edm.DateTimeOffset:
				t.Errorf("%s.%s: UTC twin %s is %s, want Edm.DateTimeOffset", tbl.Name, p.Name, u.Name, u.Type)
			case tbl.Column(u.Name) != u:
				t.Errorf("%s.%s: UTC twin %s is not a column of the same table", tbl.Name, p.Name, u.Name)
			case u.Local != p:
				t.Errorf("%s.%s: UTC twin %s does not point back (Local = %v)", tbl.Name, p.Name, u.Name, u.Local)
			case u.Name != p.Name+"UTC":
				t.Errorf("%s.%s: UTC twin is %s, want %sUTC", tbl.Name, p.Name, u.Name, p.Name)
			}
		}
	}
	if n == 0 {
		t.Fatal("no local timestamps in the model; the check is not looking at anything")
	}
}

// TestModelIndexes checks that the lookup maps agree with the slices they
// index, so the binder (which uses the maps) and the writers (which range
// over the slices) see the same model.
func TestModelIndexes(t *testing.T) {
	m := defaultModel(t)
	for _, s := range m.Sets {
		if m.Set(s.Name) != s {
			t.Errorf("Set(%q) does not return the set", s.Name)
		}
		if m.SetOfType(s.Type) != s {
			t.Errorf("SetOfType(%s) is not %s", s.Type.Name, s.Name)
		}
	}
	for _, typ := range m.Types {
		if m.Type(typ.Name) != typ || m.Type(m.Namespace+"."+typ.Name) != typ {
			t.Errorf("Type(%q) or Type(%q) does not return the type", typ.Name, m.Namespace+"."+typ.Name)
		}
		seen := map[string]bool{}
		for _, name := range typ.MemberNames() {
			if seen[name] {
				t.Errorf("%s: member %s declared twice", typ.Name, name)
			}
			seen[name] = true
		}
		for _, p := range typ.Properties {
			if typ.Property(p.Name) != p || p.Table() != typ.Table || typ.Table.Column(p.Name) != p {
				t.Errorf("%s.%s: Property lookup, Table() and the table's Column disagree", typ.Name, p.Name)
			}
		}
		for _, n := range typ.Navigations {
			if typ.Navigation(n.Name) != n || n.Owner() != typ {
				t.Errorf("%s.%s: Navigation lookup or Owner() disagree", typ.Name, n.Name)
			}
			if n.SourceProp == nil || n.TargetProp == nil || n.Target == nil {
				t.Errorf("%s.%s: navigation without source, target or target set", typ.Name, n.Name)
				continue
			}
			if typ.Property(n.SourceProp.Name) != n.SourceProp {
				t.Errorf("%s.%s: source column %s is not a property of %s", typ.Name, n.Name, n.SourceProp.Name, typ.Name)
			}
			if n.Target.Type.Property(n.TargetProp.Name) != n.TargetProp {
				t.Errorf("%s.%s: target column %s is not a property of %s", typ.Name, n.Name, n.TargetProp.Name, n.Target.Type.Name)
			}
		}
	}
	if m.Set("NoSuchSet") != nil || m.Type("NoSuchType") != nil {
		t.Error("lookups of unknown names must return nil")
	}
}

func TestNearest(t *testing.T) {
	members := []string{"id", "tenantId", "name", "firstName", "lastName", "emailAddress", "Workitems"}
	tests := []struct {
		name       string
		in         string
		candidates []string
		want       string
	}{
		// Two letters swapped is the commonest typo; the comment on Nearest
		// promises exactly this suggestion.
		{"swapped letters", "nmae", members, "name"},
		{"one letter missing", "lastNam", members, "lastName"},
		{"one letter extra", "firstNamee", members, "firstName"},
		{"case differs", "FIRSTNAME", members, "firstName"},
		{"exact", "tenantId", members, "tenantId"},
		{"navigation", "workitem", members, "Workitems"},
		{"too short to guess", "x", members, ""},
		{"far from everything", "durationInSeconds", members, ""},
		{"no candidates", "name", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := edm.Nearest(tt.in, tt.candidates); got != tt.want {
				t.Errorf("Nearest(%q, %q) = %q, want %q", tt.in, strings.Join(tt.candidates, ","), got, tt.want)
			}
		})
	}
}
