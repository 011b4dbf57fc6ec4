package powerbi

import (
	"encoding/json"

	"github.com/ccfeed/ccfeed/powerbi/tmdl"
)

// compatibilityLevel of the model. 1567 is a Power BI level that covers
// everything written here (TMDL, refresh policies, calculated tables).
const compatibilityLevel = "1567"

// files writes the semantic model folder: definition.pbism, .platform and
// the TMDL definition.
func (sm *semanticModel) files(opt Options) []File {
	dir := opt.Name + ".SemanticModel"
	def := joinPath(dir, "definition")
	files := []File{
		{joinPath(dir, "definition.pbism"), jsonFile(map[string]any{
			"$schema":  "https://developer.microsoft.com/json-schemas/fabric/item/semanticModel/definitionProperties/1.0.0/schema.json",
			"version":  "4.0",
			"settings": map[string]any{},
		})},
		platformFile("SemanticModel", opt.Name, "Contact-center data from the ccfeed OData feed."),
		tmdlFile(joinPath(def, "database.tmdl"), &tmdl.Object{Type: "database",
			Properties: []*tmdl.Property{{Name: "compatibilityLevel", Kind: tmdl.Value, Text: compatibilityLevel}}}),
	}
	model := &tmdl.Object{Type: "model", Name: "Model", Properties: []*tmdl.Property{
		{Name: "culture", Kind: tmdl.Value, Text: "en-US"},
		{Name: "defaultPowerBIDataSourceVersion", Kind: tmdl.Value, Text: "powerBI_V3"},
		{Name: "sourceQueryCulture", Kind: tmdl.Value, Text: "en-US"},
	}}
	modelFile := []*tmdl.Object{model}
	for _, t := range sm.tables {
		modelFile = append(modelFile, &tmdl.Object{Type: "table", Name: t.name, Ref: true})
		files = append(files, tmdlFile(joinPath(def, "tables", t.name+".tmdl"), sm.tableObject(t, opt)))
	}
	files = append(files, tmdlFile(joinPath(def, "model.tmdl"), modelFile...))
	files = append(files, tmdlFile(joinPath(def, "expressions.tmdl"), sm.parameters(opt)...))
	var rels []*tmdl.Object
	for _, r := range sm.rels {
		o := &tmdl.Object{Type: "relationship", Name: stableID("relationship", r.String()),
			Properties: []*tmdl.Property{
				{Name: "fromColumn", Kind: tmdl.Value, Text: tmdl.QuoteName(r.from) + "." + tmdl.QuoteName(r.fromCol)},
				{Name: "toColumn", Kind: tmdl.Value, Text: tmdl.QuoteName(r.to) + "." + tmdl.QuoteName(r.toCol)},
			}}
		if !r.active {
			o.Properties = append(o.Properties, &tmdl.Property{Name: "isActive", Kind: tmdl.Value, Text: "false"})
		}
		rels = append(rels, o)
	}
	if len(rels) > 0 {
		files = append(files, tmdlFile(joinPath(def, "relationships.tmdl"), rels...))
	}
	return files
}

// parameters are the shared expressions: the feed URL, and the range of
// incremental refresh when a table has a policy.
func (sm *semanticModel) parameters(opt Options) []*tmdl.Object {
	out := []*tmdl.Object{{Type: "expression", Name: "FeedUrl",
		Description: "Service root of the ccfeed OData feed. Every table reads it through OData.Feed; change it here to move the model to another feed.",
		Default:     mString(opt.FeedURL) + ` meta [IsParameterQuery = true, Type = "Text", IsParameterQueryRequired = true]`}}
	if sm.incremental {
		out = append(out,
			&tmdl.Object{Type: "expression", Name: "RangeStart",
				Description: "Start of the rows incremental refresh loads (inclusive, UTC). Power BI sets it per partition; in Desktop it limits what is loaded.",
				Default:     `#datetime(2000, 1, 1, 0, 0, 0) meta [IsParameterQuery = true, Type = "DateTime", IsParameterQueryRequired = true]`},
			&tmdl.Object{Type: "expression", Name: "RangeEnd",
				Description: "End of the rows incremental refresh loads (exclusive, UTC).",
				Default:     `#datetime(2100, 1, 1, 0, 0, 0) meta [IsParameterQuery = true, Type = "DateTime", IsParameterQueryRequired = true]`})
	}
	return out
}

// tableObject writes one table: measures, columns, the partition and, with
// incremental refresh, its policy.
func (sm *semanticModel) tableObject(t *table, opt Options) *tmdl.Object {
	o := &tmdl.Object{Type: "table", Name: t.name, Description: t.desc}
	if t.set == nil {
		o.Properties = append(o.Properties, &tmdl.Property{Name: "dataCategory", Kind: tmdl.Value, Text: "Time"})
	}
	for _, ms := range sm.measures {
		if ms.table != t.name {
			continue
		}
		o.Children = append(o.Children, &tmdl.Object{Type: "measure", Name: ms.name, Default: ms.dax, Description: ms.desc,
			Properties: []*tmdl.Property{{Name: "formatString", Kind: tmdl.Value, Text: ms.format}}})
	}
	for _, c := range t.columns {
		col := &tmdl.Object{Type: "column", Name: c.name, Description: c.desc,
			Properties: []*tmdl.Property{{Name: "dataType", Kind: tmdl.Value, Text: c.dataType}}}
		if c.hidden {
			col.Properties = append(col.Properties, &tmdl.Property{Name: "isHidden", Kind: tmdl.Flag})
		}
		if c.key {
			col.Properties = append(col.Properties, &tmdl.Property{Name: "isKey", Kind: tmdl.Flag})
		}
		if c.format != "" {
			col.Properties = append(col.Properties, &tmdl.Property{Name: "formatString", Kind: tmdl.Value, Text: c.format})
		}
		col.Properties = append(col.Properties, &tmdl.Property{Name: "summarizeBy", Kind: tmdl.Value, Text: c.summarize})
		source := c.name
		if c.calculated {
			col.Properties = append(col.Properties, &tmdl.Property{Name: "isNameInferred", Kind: tmdl.Flag})
			source = "[" + c.name + "]"
		}
		col.Properties = append(col.Properties, &tmdl.Property{Name: "sourceColumn", Kind: tmdl.Value, Text: source})
		o.Children = append(o.Children, col)
	}
	if t.set == nil {
		o.Children = append(o.Children, datePartition(sm.tables))
		return o
	}
	incremental := sm.incremental && t.fact && t.mainUTC != nil
	source := partitionQuery(t, opt, incremental)
	o.Children = append(o.Children, &tmdl.Object{Type: "partition", Name: t.name, Default: "m",
		Properties: []*tmdl.Property{
			{Name: "mode", Kind: tmdl.Value, Text: "import"},
			{Name: "source", Kind: tmdl.Expression, Text: source},
		}})
	if incremental {
		o.Children = append(o.Children, refreshPolicy(t, opt, source))
	}
	return o
}

// platformFile is the .platform file of an item folder (Fabric Git
// integration), with a logical id derived from the item.
func platformFile(kind, name, desc string) File {
	return File{joinPath(name+"."+kind, ".platform"), jsonFile(map[string]any{
		"$schema":  "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/platformProperties/2.0.0/schema.json",
		"metadata": map[string]any{"type": kind, "displayName": name, "description": desc},
		"config":   map[string]any{"version": "2.0", "logicalId": stableID("item", kind, name)},
	})}
}

// jsonFile renders v as indented JSON with a final newline. Maps render
// with sorted keys, so the bytes are stable.
func jsonFile(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // only fixed shapes are marshalled
	}
	return append(b, '\n')
}
