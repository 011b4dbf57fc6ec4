package edm

// Features is what the query layer implements. The Capabilities annotations
// in $metadata are generated from it, and the binder refuses (501) what it
// marks unsupported, so the two cannot drift apart.
var Features = struct {
	Expand          bool
	MaxExpandLevels int
	Apply           bool
	Compute         bool
	Search          bool
	KeyAsSegment    bool
	// ApplyTransformations lists the $apply transformations the binder
	// executes; the others answer 501.
	ApplyTransformations []string
	// FilterFunctions lists the canonical functions $filter and $orderby
	// accept; the query package's function registry must hold exactly these.
	FilterFunctions []string
}{
	Expand:          true,
	MaxExpandLevels: 4, // query.MaxExpandDepth; a test checks they agree
	Apply:           true,
	Compute:         true,
	Search:          true,
	KeyAsSegment:    true,
	ApplyTransformations: []string{
		"aggregate", "groupby", "filter", "search", "compute", "identity",
		"orderby", "top", "skip", "topcount", "bottomcount",
	},
	FilterFunctions: []string{
		"cast", "ceiling", "concat", "contains", "date", "day", "endswith", "floor",
		"fractionalseconds", "hour", "indexof", "isof", "length", "matchesPattern", "maxdatetime",
		"mindatetime", "minute", "month", "now", "round", "second", "startswith", "substring",
		"time", "tolower", "totaloffsetminutes", "totalseconds", "toupper", "trim", "year",
	},
}

// ConformanceLevel is the OData conformance level the service claims.
func ConformanceLevel() string {
	if Features.Expand && Features.Apply && Features.Search && Features.Compute && len(Features.FilterFunctions) > 0 {
		return "Advanced"
	}
	if Features.Expand {
		return "Intermediate"
	}
	return "Minimal"
}

// ContainerAnnotations are the annotations of the entity container.
func (m *Model) ContainerAnnotations() []Annotation {
	funcs := Collection{}
	for _, f := range Features.FilterFunctions {
		funcs = append(funcs, Str(f))
	}
	out := []Annotation{
		description("Contact-center data from several platforms, merged into one read-only model."),
		{"Capabilities.ConformanceLevel", Enum("Capabilities.ConformanceLevelType/" + ConformanceLevel())},
		{"Capabilities.SupportedFormats", Collection{
			Str("application/json;odata.metadata=minimal;IEEE754Compatible=false;odata.streaming=true"),
			Str("application/json;odata.metadata=minimal;IEEE754Compatible=true"),
			Str("application/json;odata.metadata=full"),
			Str("application/json;odata.metadata=none"),
		}},
		{"Capabilities.SupportedMetadataFormats", Collection{Str("application/xml"), Str("application/json")}},
		{"Capabilities.AsynchronousRequestsSupported", Bool(false)},
		{"Capabilities.BatchSupported", Bool(false)},
		{"Capabilities.CrossJoinSupported", Bool(false)},
		{"Capabilities.KeyAsSegmentSupported", Bool(Features.KeyAsSegment)},
		{"Capabilities.QuerySegmentSupported", Bool(false)},
	}
	if len(funcs) > 0 {
		out = append(out, Annotation{"Capabilities.FilterFunctions", funcs})
	}
	return out
}

// SetAnnotations are the annotations of entity set s: a read-only set whose
// query options work as Features says.
func (m *Model) SetAnnotations(s *EntitySet) []Annotation {
	expand := rec(pv("Expandable", Bool(Features.Expand)))
	if Features.Expand {
		expand.Fields = append(expand.Fields, pv("MaxLevels", Int(Features.MaxExpandLevels)))
	}
	search := Features.Search && s.Searchable()
	out := []Annotation{
		description(s.Description),
		{"Capabilities.InsertRestrictions", rec(pv("Insertable", Bool(false)))},
		{"Capabilities.UpdateRestrictions", rec(pv("Updatable", Bool(false)))},
		{"Capabilities.DeleteRestrictions", rec(pv("Deletable", Bool(false)))},
		{"Capabilities.CountRestrictions", rec(pv("Countable", Bool(true)))},
		{"Capabilities.TopSupported", Bool(true)},
		{"Capabilities.SkipSupported", Bool(true)},
		{"Capabilities.IndexableByKey", Bool(true)},
		{"Capabilities.ComputeSupported", Bool(Features.Compute)},
		{"Capabilities.FilterRestrictions", rec(pv("Filterable", Bool(true)))},
		{"Capabilities.SortRestrictions", rec(pv("Sortable", Bool(true)))},
		{"Capabilities.ExpandRestrictions", expand},
		{"Capabilities.SearchRestrictions", rec(pv("Searchable", Bool(search)))},
	}
	if Features.Apply {
		trans := Collection{}
		for _, t := range Features.ApplyTransformations {
			if t == "search" && !search {
				continue
			}
			trans = append(trans, Str(t))
		}
		out = append(out, Annotation{"Aggregation.ApplySupported", rec(
			pv("Transformations", trans),
			pv("Rollup", Enum("Aggregation.RollupType/None")),
			pv("From", Bool(false)),
		)})
	}
	return out
}
