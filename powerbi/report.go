package powerbi

import (
	"fmt"
	"strings"
)

// The report is in PBIR, the folder format of Power BI reports, one JSON
// file per part, each naming its schema. The versions are those of the
// June 2025 schema release (report 2.1.0, page 2.0.0, visualContainer
// 2.1.0), which current Power BI Desktop reads; tests validate every part
// against Microsoft's published schemas.
const (
	schemaBase          = "https://developer.microsoft.com/json-schemas/fabric/item/report/"
	schemaPBIR          = schemaBase + "definitionProperties/2.0.0/schema.json"
	schemaVersion       = schemaBase + "definition/versionMetadata/1.0.0/schema.json"
	schemaReport        = schemaBase + "definition/report/2.1.0/schema.json"
	schemaPages         = schemaBase + "definition/pagesMetadata/1.0.0/schema.json"
	schemaPage          = schemaBase + "definition/page/2.0.0/schema.json"
	schemaVisual        = schemaBase + "definition/visualContainer/2.1.0/schema.json"
	overviewPage        = "overview"
	pageWidth, pageHigh = 1280, 720
)

type visualFile struct {
	Schema   string         `json:"$schema"`
	Name     string         `json:"name"`
	Position visualPosition `json:"position"`
	Visual   visualConfig   `json:"visual"`
}

type visualPosition struct {
	X        int `json:"x"`
	Y        int `json:"y"`
	Z        int `json:"z"`
	Height   int `json:"height"`
	Width    int `json:"width"`
	TabOrder int `json:"tabOrder"`
}

type visualConfig struct {
	VisualType string      `json:"visualType"`
	Query      visualQuery `json:"query"`
}

type visualQuery struct {
	QueryState     map[string]projectionState `json:"queryState"`
	SortDefinition *sortDefinition            `json:"sortDefinition,omitempty"`
}

type projectionState struct {
	Projections []projection `json:"projections"`
}

type projection struct {
	Field          field  `json:"field"`
	QueryRef       string `json:"queryRef"`
	NativeQueryRef string `json:"nativeQueryRef"`
}

type sortDefinition struct {
	Sort          []sortField `json:"sort"`
	IsDefaultSort bool        `json:"isDefaultSort"`
}

type sortField struct {
	Field     field  `json:"field"`
	Direction string `json:"direction"`
}

// field is a semantic-query reference to a measure or a column.
type field struct {
	Measure *fieldRef `json:"Measure,omitempty"`
	Column  *fieldRef `json:"Column,omitempty"`
}

type fieldRef struct {
	Expression sourceRef `json:"Expression"`
	Property   string    `json:"Property"`
}

type sourceRef struct {
	SourceRef entity `json:"SourceRef"`
}

type entity struct {
	Entity string `json:"Entity"`
}

func measureField(table, name string) field {
	return field{Measure: &fieldRef{Expression: sourceRef{entity{table}}, Property: name}}
}

func columnField(table, name string) field {
	return field{Column: &fieldRef{Expression: sourceRef{entity{table}}, Property: name}}
}

func project(f field, table, name string) projection {
	return projection{Field: f, QueryRef: table + "." + name, NativeQueryRef: name}
}

// buildReport writes a report with one page: a card per headline measure
// and, where the tables are there, conversations per month and handled
// conversations per agent.
func buildReport(sm *semanticModel, opt Options) ([]File, error) {
	dir := opt.Name + ".Report"
	def := joinPath(dir, "definition")
	page := joinPath(def, "pages", overviewPage)
	files := []File{
		{joinPath(dir, "definition.pbir"), jsonFile(map[string]any{
			"$schema":          schemaPBIR,
			"version":          "4.0",
			"datasetReference": map[string]any{"byPath": map[string]any{"path": "../" + opt.Name + ".SemanticModel"}},
		})},
		platformFile("Report", opt.Name, "Overview of the contact center, over the ccfeed semantic model."),
		{joinPath(def, "version.json"), jsonFile(map[string]any{"$schema": schemaVersion, "version": "2.0.0"})},
		// The base theme is left to Power BI Desktop: naming one would
		// require shipping Microsoft's theme file with the project.
		{joinPath(def, "report.json"), jsonFile(map[string]any{"$schema": schemaReport, "themeCollection": map[string]any{}})},
		{joinPath(def, "pages", "pages.json"), jsonFile(map[string]any{
			"$schema": schemaPages, "pageOrder": []string{overviewPage}, "activePageName": overviewPage})},
		{joinPath(page, "page.json"), jsonFile(map[string]any{
			"$schema": schemaPage, "name": overviewPage, "displayName": "Overview",
			"displayOption": "FitToPage", "width": pageWidth, "height": pageHigh})},
	}
	have := map[string]*measure{}
	for _, ms := range sm.measures {
		have[ms.name] = ms
	}
	tables := map[string]bool{}
	for _, t := range sm.tables {
		tables[t.name] = true
	}
	var visuals []visualFile
	cards := []string{"Conversations", "Abandon Rate", "Average Handle Time (s)", "Average Speed of Answer (s)", "Average CSAT", "Messages per Conversation"}
	x := 10
	for _, name := range cards {
		ms := have[name]
		if ms == nil {
			continue
		}
		visuals = append(visuals, visualFile{Name: "card-" + slug(name),
			Position: visualPosition{X: x, Y: 10, Height: 110, Width: 200},
			Visual: visualConfig{VisualType: "card", Query: visualQuery{QueryState: map[string]projectionState{
				"Values": {Projections: []projection{project(measureField(ms.table, ms.name), ms.table, ms.name)}},
			}}}})
		x += 210
	}
	chart := func(name, kind, catTable, catCol string, ms *measure, x int) visualFile {
		cat := columnField(catTable, catCol)
		return visualFile{Name: name,
			Position: visualPosition{X: x, Y: 140, Height: 360, Width: 620},
			Visual: visualConfig{VisualType: kind, Query: visualQuery{
				QueryState: map[string]projectionState{
					"Category": {Projections: []projection{project(cat, catTable, catCol)}},
					"Y":        {Projections: []projection{project(measureField(ms.table, ms.name), ms.table, ms.name)}},
				},
				SortDefinition: &sortDefinition{Sort: []sortField{{Field: cat, Direction: "Ascending"}}},
			}}}
	}
	if ms := have["Conversations"]; ms != nil && tables[dateTable] {
		visuals = append(visuals, chart("conversations-by-month", "clusteredColumnChart", dateTable, "Month", ms, 10))
	}
	if ms := have["Handled Conversations"]; ms != nil && tables["Agents"] {
		visuals = append(visuals, chart("handled-by-agent", "clusteredBarChart", "Agents", "name", ms, 650))
	}
	for i := range visuals {
		v := &visuals[i]
		v.Schema = schemaVisual
		v.Position.Z, v.Position.TabOrder = i*1000, i*1000
		if len(v.Name) > 50 {
			return nil, fmt.Errorf("visual name %s is longer than the 50 characters PBIR allows", v.Name)
		}
		files = append(files, File{joinPath(page, "visuals", v.Name, "visual.json"), jsonFile(v)})
	}
	return files, nil
}

// slug makes a measure name usable as a visual's name and folder.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
