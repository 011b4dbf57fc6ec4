package powerbi

import (
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
)

// semanticModel is the model before it is written as TMDL: tables derived
// from the chosen entity sets, the date table, relationships and measures.
type semanticModel struct {
	tables   []*table
	rels     []*relationship
	measures []*measure
	// incremental is set when some table has a refresh policy, which needs
	// the RangeStart and RangeEnd parameters.
	incremental bool
}

// table is one table of the model.
type table struct {
	name    string
	desc    string
	set     *edm.EntitySet // nil for the date table
	fact    bool
	columns []*column
	// mainUTC is the set's main timestamp (its first UTC time, the one
	// the store indexes and incremental refresh filters on); dayColumn is
	// the column added from it that the date table relates to.
	mainUTC   *edm.Property
	dayColumn *column
	// dayFrom is the property the day is taken from: the tenant-local twin
	// of mainUTC when there is one, so days are the tenant's days.
	dayFrom *edm.Property
	// modified is the set's modifiedAtUTC, when the model has it.
	modified *edm.Property
}

// column is one column of a table.
type column struct {
	name     string
	dataType string // TMDL dataType: string, int64, double, boolean, dateTime
	format   string
	hidden   bool
	desc     string
	// summarize is the default aggregation of the column in visuals.
	summarize string
	// calculated marks a column of a calculated table, whose source is
	// "[name]".
	calculated bool
	key        bool
}

func (t *table) column(name string) *column {
	for _, c := range t.columns {
		if c.name == name {
			return c
		}
	}
	return nil
}

// modifiedProperty is the name of the per-row "last changed" timestamp that
// "detect data changes" polls. It is looked up in the model rather than
// assumed: without it the refresh policy leaves change detection out.
const modifiedProperty = "modifiedAtUTC"

// dataTypes maps EDM kinds to TMDL data types. Every integer kind is int64
// in the Power BI model; timestamps arrive as datetimezone from OData.Feed
// and are turned into plain date-times in the partition query (the model
// has no zone-aware type).
var dataTypes = map[edm.Kind]string{
	edm.String: "string", edm.Guid: "string",
	edm.Boolean: "boolean",
	edm.Byte:    "int64", edm.SByte: "int64", edm.Int16: "int64", edm.Int32: "int64", edm.Int64: "int64",
	edm.Single: "double", edm.Double: "double",
	edm.Decimal:        "decimal",
	edm.DateTimeOffset: "dateTime", edm.Date: "dateTime",
}

func buildModel(m *edm.Model, opt Options) (*semanticModel, error) {
	sm := &semanticModel{}
	fks := foreignKeys(m)
	seen := map[string]bool{}
	for _, name := range opt.Sets {
		s := setByName(m, name)
		switch {
		case s == nil:
			return nil, fmt.Errorf("no entity set %s in the model (sets: %s)", name, strings.Join(m.SetNames(), ", "))
		case s.AdminOnly:
			return nil, fmt.Errorf("%s needs an admin token: leave it out of a shared project", name)
		case seen[name]:
			return nil, fmt.Errorf("entity set %s named twice", name)
		case name == dateTable:
			return nil, fmt.Errorf("entity set %s would clash with the date table", name)
		}
		seen[name] = true
		t, err := newTable(s, fks[name])
		if err != nil {
			return nil, err
		}
		sm.tables = append(sm.tables, t)
	}
	if dt := newDateTable(sm.tables); dt != nil {
		sm.tables = append(sm.tables, dt)
	}
	sm.rels = relationships(m, sm.tables)
	if err := activate(sm.tables, sm.rels); err != nil {
		return nil, err
	}
	ms, err := measures(m, sm.tables)
	if err != nil {
		return nil, err
	}
	sm.measures = ms
	if opt.Incremental {
		for _, t := range sm.tables {
			if t.fact && t.mainUTC != nil {
				sm.incremental = true
			}
		}
	}
	return sm, nil
}

// foreignKeys lists, per set, the properties that navigation walks as
// foreign keys: the source of a single-valued navigation and the target of
// a collection. They are hidden in the model (BI users filter on the
// related table's names instead) but stay loaded for the relationships.
func foreignKeys(m *edm.Model) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	add := func(set, prop string) {
		if out[set] == nil {
			out[set] = map[string]bool{}
		}
		out[set][prop] = true
	}
	for _, s := range m.Sets {
		for _, n := range s.Type.Navigations {
			if n.Collection {
				add(n.Target.Name, n.TargetProp.Name)
			} else {
				add(s.Name, n.SourceProp.Name)
			}
		}
	}
	return out
}

func newTable(s *edm.EntitySet, fks map[string]bool) (*table, error) {
	t := &table{name: s.Name, desc: s.Description, set: s, fact: !s.Lookup}
	for _, p := range s.Type.Properties {
		dt, ok := dataTypes[p.Type]
		if !ok {
			return nil, fmt.Errorf("%s.%s: no Power BI data type for %s", s.Name, p.Name, p.Type)
		}
		c := &column{name: p.Name, dataType: dt, desc: p.Description, summarize: "none",
			hidden: p == s.Type.Key || p.Name == "id" || fks[p.Name]}
		switch {
		case dt == "dateTime":
			c.format = "General Date"
		case dt == "int64" || dt == "double" || dt == "decimal":
			c.summarize = "sum"
		}
		t.columns = append(t.columns, c)
		if p.Name == modifiedProperty && p.Type == edm.DateTimeOffset {
			t.modified = p
		}
	}
	if !t.fact {
		return t, nil
	}
	for _, p := range s.Type.Properties {
		// The same rule as the store's index: the first UTC time that is
		// neither a deletion mark nor the change timestamp.
		if p.Type == edm.DateTimeOffset && p.UTC == nil && p.Name != "deletedAtUTC" && p.Name != modifiedProperty {
			t.mainUTC = p
			break
		}
	}
	if t.mainUTC == nil {
		return t, nil
	}
	t.dayFrom = t.mainUTC
	if t.mainUTC.Local != nil && propByName(s.Type, t.mainUTC.Local.Name) != nil {
		t.dayFrom = t.mainUTC.Local
	}
	day := strings.TrimSuffix(t.mainUTC.Name, "UTC") + "Date"
	if t.column(day) != nil {
		return nil, fmt.Errorf("%s: the day column %s clashes with a property of the same name", s.Name, day)
	}
	t.dayColumn = &column{name: day, dataType: "dateTime", format: "yyyy-mm-dd", summarize: "none", hidden: true,
		desc: "Day of " + t.dayFrom.Name + " (" + zoneWord(t.dayFrom) + "), for the relationship with the date table."}
	t.columns = append(t.columns, t.dayColumn)
	return t, nil
}

func zoneWord(p *edm.Property) string {
	if p.UTC != nil {
		return "the tenant's day"
	}
	return "the UTC day"
}
