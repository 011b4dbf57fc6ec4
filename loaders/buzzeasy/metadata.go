package buzzeasy

import (
	"encoding/xml"
	"fmt"
)

// csdl is the part of a $metadata document (CSDL XML) a pull needs: which
// entity sets the feed has and the property names of their types, so the
// window filter uses the feed's own spelling of the time column (Buzzeasy
// writes startTimeUtc where a ccfeed feed writes startTimeUTC, and OData
// names are case-sensitive).
type csdl struct {
	DataServices struct {
		Schemas []struct {
			Namespace   string `xml:"Namespace,attr"`
			Alias       string `xml:"Alias,attr"`
			EntityTypes []struct {
				Name       string `xml:"Name,attr"`
				BaseType   string `xml:"BaseType,attr"`
				Properties []struct {
					Name string `xml:"Name,attr"`
				} `xml:"Property"`
			} `xml:"EntityType"`
			Containers []struct {
				Sets []struct {
					Name       string `xml:"Name,attr"`
					EntityType string `xml:"EntityType,attr"`
				} `xml:"EntitySet"`
			} `xml:"EntityContainer"`
		} `xml:"Schema"`
	} `xml:"DataServices"`
}

// feedSets parses a $metadata document into entity set name -> property
// names (inherited ones included), in document order.
func feedSets(doc []byte) (map[string][]string, []string, error) {
	var m csdl
	if err := xml.Unmarshal(doc, &m); err != nil {
		return nil, nil, fmt.Errorf("the $metadata document is not CSDL XML: %w", err)
	}
	type entityType struct {
		base  string
		props []string
	}
	types := map[string]*entityType{}
	for _, s := range m.DataServices.Schemas {
		for _, t := range s.EntityTypes {
			et := &entityType{base: t.BaseType}
			for _, p := range t.Properties {
				et.props = append(et.props, p.Name)
			}
			types[s.Namespace+"."+t.Name] = et
			if s.Alias != "" {
				types[s.Alias+"."+t.Name] = et
			}
		}
	}
	props := func(name string) []string {
		var out []string
		// Inheritance chains are short; the bound stops a cycle.
		for i := 0; i < 32 && name != ""; i++ {
			t := types[name]
			if t == nil {
				break
			}
			out = append(t.props[:len(t.props):len(t.props)], out...)
			name = t.base
		}
		return out
	}
	sets := map[string][]string{}
	var order []string
	for _, s := range m.DataServices.Schemas {
		for _, c := range s.Containers {
			for _, es := range c.Sets {
				sets[es.Name] = props(es.EntityType)
				order = append(order, es.Name)
			}
		}
	}
	if len(order) == 0 {
		return nil, nil, fmt.Errorf("the $metadata document declares no entity sets")
	}
	return sets, order, nil
}
