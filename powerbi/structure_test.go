package powerbi

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/powerbi/tmdl"
)

// The checks below read the generated TMDL back with the tmdl reader and
// test the model as Power BI would see it, independently of how the
// generator built it: relationships between existing columns of equal
// types, never two active filter paths between two tables, measures that
// reference what exists, partitions that load every column.

// parsedModel is a semantic model read back from its TMDL files.
type parsedModel struct {
	tables      map[string]*tmdl.Object
	order       []string // from model.tmdl's refs
	rels        []*tmdl.Object
	expressions map[string]*tmdl.Object
}

// readModel parses every .tmdl file of a project, checking that each
// reads back to the same bytes after Format (the files are canonical).
func readModel(files []File) (*parsedModel, error) {
	pm := &parsedModel{tables: map[string]*tmdl.Object{}, expressions: map[string]*tmdl.Object{}}
	var errs []string
	for _, f := range files {
		if !strings.HasSuffix(f.Path, ".tmdl") {
			continue
		}
		objs, err := tmdl.Parse(f.Path, f.Data)
		if err != nil {
			return nil, err
		}
		if got := tmdl.Format(objs); string(got) != string(f.Data) {
			errs = append(errs, f.Path+": not in canonical form (Format(Parse(file)) differs)")
		}
		base := f.Path[strings.LastIndex(f.Path, "/")+1:]
		switch {
		case strings.Contains(f.Path, "/tables/"):
			if len(objs) != 1 || objs[0].Type != "table" || objs[0].Name+".tmdl" != base {
				errs = append(errs, f.Path+": a table file must declare exactly its one table")
				continue
			}
			pm.tables[objs[0].Name] = objs[0]
		case base == "model.tmdl":
			for _, o := range objs {
				if o.Ref && o.Type == "table" {
					pm.order = append(pm.order, o.Name)
				}
			}
		case base == "relationships.tmdl":
			pm.rels = objs
		case base == "expressions.tmdl":
			for _, o := range objs {
				pm.expressions[o.Name] = o
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return pm, nil
}

func (pm *parsedModel) column(table, col string) *tmdl.Object {
	t := pm.tables[table]
	if t == nil {
		return nil
	}
	for _, c := range t.Objects("column") {
		if c.Name == col {
			return c
		}
	}
	return nil
}

func (pm *parsedModel) measureNames() map[string]bool {
	out := map[string]bool{}
	for _, t := range pm.tables {
		for _, m := range t.Objects("measure") {
			out[m.Name] = true
		}
	}
	return out
}

// check returns every structural problem of the model.
func (pm *parsedModel) check(m *edm.Model) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	refs := map[string]int{}
	for _, n := range pm.order {
		refs[n]++
	}
	for n := range pm.tables {
		if refs[n] != 1 {
			fail("table %s is referenced %d times in model.tmdl", n, refs[n])
		}
	}
	if len(pm.order) != len(pm.tables) {
		fail("model.tmdl refers to %d tables, %d are declared", len(pm.order), len(pm.tables))
	}
	if pm.expressions["FeedUrl"] == nil {
		fail("no FeedUrl parameter")
	}

	// Columns, partitions, refresh policies.
	for name, t := range pm.tables {
		if t.Description == "" {
			fail("table %s has no description", name)
		}
		parts := t.Objects("partition")
		if len(parts) != 1 {
			fail("table %s has %d partitions, want 1", name, len(parts))
			continue
		}
		source, _ := parts[0].Value("source")
		for _, c := range t.Objects("column") {
			dt, _ := c.Value("dataType")
			switch dt {
			case "string", "int64", "double", "decimal", "boolean", "dateTime":
			default:
				fail("%s[%s]: dataType %q", name, c.Name, dt)
			}
			if c.Description == "" {
				fail("%s[%s] has no description", name, c.Name)
			}
			src, _ := c.Value("sourceColumn")
			if parts[0].Default == "calculated" {
				if src != "["+c.Name+"]" || !strings.Contains(source, `"`+c.Name+`"`) && c.Name != "Date" {
					fail("%s[%s]: calculated column source %s not produced by the table's DAX", name, c.Name, src)
				}
				continue
			}
			if src != c.Name || !strings.Contains(source, `"`+c.Name+`"`) {
				fail("%s[%s]: sourceColumn %q is not produced by the partition query", name, c.Name, src)
			}
		}
		if parts[0].Default == "m" {
			set := strings.TrimSuffix(strings.TrimPrefix(between(source, "Source{[Name = ", ","), `"`), `"`)
			if setByName(m, set) == nil {
				fail("table %s reads entity set %q, which the model does not have", name, set)
			}
			if strings.Count(source, "OData.Feed(FeedUrl") != 1 || strings.Contains(source, "FeedUrl &") {
				fail("table %s: the query must read one OData.Feed(FeedUrl) source and navigate from it", name)
			}
			if id := pm.column(name, "id"); id == nil || id.Prop("isHidden") == nil {
				fail("table %s: the key column id must be there and hidden", name)
			}
			for _, p := range []string{"RangeStart", "RangeEnd"} {
				if strings.Contains(source, p) && pm.expressions[p] == nil {
					fail("table %s uses %s, which is not declared", name, p)
				}
			}
		}
		for _, rp := range t.Objects("refreshPolicy") {
			if s, _ := rp.Value("sourceExpression"); s != source {
				fail("table %s: the refresh policy's sourceExpression differs from the partition's source", name)
			}
			_, polls := rp.Value("pollingExpression")
			if has := pm.column(name, "modifiedAtUTC") != nil; polls != has {
				fail("table %s: pollingExpression %v, but modifiedAtUTC column %v", name, polls, has)
			}
		}
	}

	// Relationships.
	type edge struct{ from, to string }
	var active []edge
	for _, r := range pm.rels {
		fv, _ := r.Value("fromColumn")
		tv, _ := r.Value("toColumn")
		ft, fc, err1 := tmdl.SplitRef(fv)
		tt, tc, err2 := tmdl.SplitRef(tv)
		if err1 != nil || err2 != nil {
			fail("relationship %s: %v %v", r.Name, err1, err2)
			continue
		}
		from, to := pm.column(ft, fc), pm.column(tt, tc)
		if from == nil || to == nil {
			fail("relationship %s: %s or %s does not exist", r.Name, fv, tv)
			continue
		}
		if ft == tt {
			fail("relationship %s relates %s to itself", r.Name, ft)
		}
		fdt, _ := from.Value("dataType")
		tdt, _ := to.Value("dataType")
		if fdt != tdt {
			fail("relationship %s: %s is %s but %s is %s", r.Name, fv, fdt, tv, tdt)
		}
		if tc != "id" && to.Prop("isKey") == nil {
			fail("relationship %s: %s is not its table's key, so it cannot be the one side", r.Name, tv)
		}
		if v, _ := r.Value("crossFilteringBehavior"); v == "bothDirections" {
			fail("relationship %s filters both ways", r.Name)
		}
		if v, ok := r.Value("isActive"); !ok || v != "false" {
			active = append(active, edge{from: tt, to: ft}) // filters flow from the one side to the many side
		}
	}
	// Paths counted over a topological order: a cycle or a pair of tables
	// with two paths is an ambiguity Power BI refuses.
	next := map[string][]string{}
	indeg := map[string]int{}
	for _, e := range active {
		next[e.from] = append(next[e.from], e.to)
		indeg[e.to]++
	}
	var topo, queue []string
	for n := range pm.tables {
		if indeg[n] == 0 {
			queue = append(queue, n)
		}
	}
	sort.Strings(queue)
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		topo = append(topo, n)
		for _, m := range next[n] {
			if indeg[m]--; indeg[m] == 0 {
				queue = append(queue, m)
			}
		}
	}
	if len(topo) != len(pm.tables) {
		fail("the active relationships form a cycle")
	} else {
		for _, start := range topo {
			paths := map[string]int{start: 1}
			for _, n := range topo {
				for _, m := range next[n] {
					paths[m] += paths[n]
				}
			}
			for n, c := range paths {
				if n != start && c > 1 {
					fail("%d active paths from %s to %s", c, start, n)
				}
			}
		}
	}

	// Measures.
	measures := pm.measureNames()
	for name, t := range pm.tables {
		for _, ms := range t.Objects("measure") {
			if ms.Description == "" {
				fail("measure %s has no description", ms.Name)
			}
			if _, ok := ms.Value("formatString"); !ok {
				fail("measure %s has no formatString", ms.Name)
			}
			refs, err := daxRefs(ms.Default)
			if err != nil {
				fail("measure %s in %s: %v", ms.Name, name, err)
			}
			for _, r := range refs {
				switch {
				case r.table == "" && !measures[r.name]:
					fail("measure %s refers to [%s], which is no measure", ms.Name, r.name)
				case r.table != "" && pm.tables[r.table] == nil:
					fail("measure %s refers to table %s, which does not exist", ms.Name, r.table)
				case r.table != "" && pm.column(r.table, r.name) == nil:
					fail("measure %s refers to %s[%s], which does not exist", ms.Name, r.table, r.name)
				}
			}
		}
	}
	sort.Strings(errs)
	return errs
}

// between returns the text of s after start and before the next end.
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}

// daxRef is a reference in a DAX expression: Table[Name] or [Name].
type daxRef struct{ table, name string }

// daxRefs scans a DAX expression for column and measure references,
// skipping string literals.
func daxRefs(dax string) ([]daxRef, error) {
	var out []daxRef
	table := ""
	for i := 0; i < len(dax); i++ {
		c := dax[i]
		switch {
		case c == '"':
			j := i + 1
			for ; j < len(dax); j++ {
				if dax[j] == '"' {
					if j+1 < len(dax) && dax[j+1] == '"' {
						j++
						continue
					}
					break
				}
			}
			if j >= len(dax) {
				return nil, fmt.Errorf("unterminated string")
			}
			i, table = j, ""
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(dax); j++ {
				if dax[j] == '\'' {
					if j+1 < len(dax) && dax[j+1] == '\'' {
						b.WriteByte('\'')
						j++
						continue
					}
					break
				}
				b.WriteByte(dax[j])
			}
			if j >= len(dax) {
				return nil, fmt.Errorf("unterminated table name")
			}
			i, table = j, b.String()
			if i+1 >= len(dax) || dax[i+1] != '[' {
				out = append(out, daxRef{table: table, name: ""})
				table = ""
			}
		case c == '[':
			j := strings.IndexByte(dax[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unterminated [")
			}
			out = append(out, daxRef{table: table, name: dax[i+1 : i+j]})
			i, table = i+j, ""
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			j := i
			for j < len(dax) && (dax[j] == '_' || dax[j] >= 'A' && dax[j] <= 'Z' || dax[j] >= 'a' && dax[j] <= 'z' || dax[j] >= '0' && dax[j] <= '9') {
				j++
			}
			table = ""
			if j < len(dax) && dax[j] == '[' {
				table = dax[i:j]
			}
			i = j - 1
		default:
			table = ""
		}
	}
	// A bare 'Table' (COUNTROWS('Conversations')) is a table reference:
	// keep it as a check that the table exists, under a name no column has.
	for i := range out {
		if out[i].name == "" {
			out[i].name = "id"
		}
	}
	return out, nil
}

// TestModelStructure checks every golden project's semantic model.
func TestModelStructure(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.model()
			files, err := Project(m, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			pm, err := readModel(files)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range pm.check(m) {
				t.Error(e)
			}
			if len(pm.rels) == 0 {
				t.Error("no relationships: the check proves nothing")
			}
		})
	}
}

// TestStructureCheckCatches breaks a generated model in each way the check
// looks for, and expects it to say so: a check that cannot fail proves
// nothing.
func TestStructureCheckCatches(t *testing.T) {
	m := edm.Default()
	files, err := Project(m, Options{FeedURL: "https://feed.example.com/odata/"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file, old, new, want string
	}{
		{"second active path", "relationships.tmdl",
			"\tfromColumn: Messages.conversationId\n\ttoColumn: Conversations.id\n\tisActive: false\n",
			"\tfromColumn: Messages.conversationId\n\ttoColumn: Conversations.id\n", "active paths from"},
		{"one side not a key", "relationships.tmdl", "toColumn: Agents.id", "toColumn: Agents.name", "is not its table's key"},
		{"type mismatch", "relationships.tmdl", "fromColumn: Conversations.startedAtDate\n\ttoColumn: Date.Date", "fromColumn: Conversations.startedAtDate\n\ttoColumn: Date.Year", "is dateTime but Date.Year is int64"},
		{"cycle", "relationships.tmdl", "fromColumn: Queues.channelId\n\ttoColumn: Channels.id\n\tisActive: false\n",
			"fromColumn: Queues.channelId\n\ttoColumn: Channels.id\n\nrelationship loop\n\tfromColumn: Channels.id\n\ttoColumn: Queues.id\n", "form a cycle"},
		{"missing column", "relationships.tmdl", "fromColumn: Conversations.agentId", "fromColumn: Conversations.agent", "does not exist"},
		{"measure on a missing column", "tables/Conversations.tmdl", "'Conversations'[csat]", "'Conversations'[satisfaction]", "Conversations[satisfaction], which does not exist"},
		{"measure on a missing measure", "tables/Conversations.tmdl", "DIVIDE([Abandoned Conversations]", "DIVIDE([Abandons]", "[Abandons], which is no measure"},
		{"column not loaded", "tables/Agents.tmdl", "\"emailAddress\",\n", "", "sourceColumn \"emailAddress\" is not produced"},
		{"URL built from text", "tables/Agents.tmdl", "OData.Feed(FeedUrl, null", "OData.Feed(FeedUrl & \"Agents\", null", "one OData.Feed(FeedUrl) source"},
		{"key shown", "tables/Queues.tmdl", "\tcolumn id\n\t\tdataType: string\n\t\tisHidden\n", "\tcolumn id\n\t\tdataType: string\n", "must be there and hidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broken := make([]File, len(files))
			copy(broken, files)
			hit := false
			for i, f := range broken {
				if strings.HasSuffix(f.Path, "/"+tc.file) && strings.Contains(string(f.Data), tc.old) {
					broken[i].Data = []byte(strings.Replace(string(f.Data), tc.old, tc.new, 1))
					hit = true
				}
			}
			if !hit {
				t.Fatalf("%s no longer contains %q; pick another spot to break", tc.file, tc.old)
			}
			pm, err := readModel(broken)
			if err != nil {
				t.Fatal(err)
			}
			errs := strings.Join(pm.check(m), "\n")
			if !strings.Contains(errs, tc.want) {
				t.Errorf("the check did not say %q; it said:\n%s", tc.want, errs)
			}
		})
	}
}

// TestDAXRefs pins the reference scanner the measure check relies on.
func TestDAXRefs(t *testing.T) {
	got, err := daxRefs(`CALCULATE([Conversations], 'Conv ''x'''[a b] = "[no]", T1[c], NOT ISBLANK(Sales[d]))`)
	if err != nil {
		t.Fatal(err)
	}
	want := []daxRef{{"", "Conversations"}, {"Conv 'x'", "a b"}, {"T1", "c"}, {"Sales", "d"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := daxRefs(`"open`); err == nil {
		t.Error("unterminated string accepted")
	}
}
