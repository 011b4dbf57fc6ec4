package edm_test

import (
	"encoding/xml"
	"fmt"
	"strings"
)

// The structs below read CSDL XML back: the rendered $metadata and the OASIS
// vocabularies (which are CSDL XML documents too). The semantic and
// vocabulary tests work on what this parser sees, not on the Go model, so
// they check the document a client receives. encoding/xml matches the tags
// below by local name, ignoring the edmx/edm namespaces.

type xEdmx struct {
	XMLName    xml.Name     `xml:"Edmx"`
	Version    string       `xml:"Version,attr"`
	References []xReference `xml:"Reference"`
	Schemas    []xSchema    `xml:"DataServices>Schema"`
}

type xReference struct {
	URI      string     `xml:"Uri,attr"`
	Includes []xInclude `xml:"Include"`
}

type xInclude struct {
	Namespace string `xml:"Namespace,attr"`
	Alias     string `xml:"Alias,attr"`
}

type xSchema struct {
	Namespace       string            `xml:"Namespace,attr"`
	Alias           string            `xml:"Alias,attr"`
	EntityTypes     []xEntityType     `xml:"EntityType"`
	ComplexTypes    []xComplexType    `xml:"ComplexType"`
	EnumTypes       []xEnumType       `xml:"EnumType"`
	TypeDefinitions []xTypeDefinition `xml:"TypeDefinition"`
	Terms           []xTerm           `xml:"Term"`
	Containers      []xContainer      `xml:"EntityContainer"`
}

type xEntityType struct {
	Name        string         `xml:"Name,attr"`
	Key         []xPropertyRef `xml:"Key>PropertyRef"`
	Properties  []xProperty    `xml:"Property"`
	Navigations []xNavigation  `xml:"NavigationProperty"`
	Annotations []xAnnotation  `xml:"Annotation"`
}

type xPropertyRef struct {
	Name string `xml:"Name,attr"`
}

// xProperty keeps facets as pointers: a facet that is present with a wrong
// value and one that is absent are different findings.
type xProperty struct {
	Name        string        `xml:"Name,attr"`
	Type        string        `xml:"Type,attr"`
	Nullable    *string       `xml:"Nullable,attr"`
	MaxLength   *string       `xml:"MaxLength,attr"`
	Precision   *string       `xml:"Precision,attr"`
	Scale       *string       `xml:"Scale,attr"`
	Annotations []xAnnotation `xml:"Annotation"`
}

type xNavigation struct {
	Name        string                   `xml:"Name,attr"`
	Type        string                   `xml:"Type,attr"`
	Nullable    *string                  `xml:"Nullable,attr"`
	Partner     string                   `xml:"Partner,attr"`
	Constraints []xReferentialConstraint `xml:"ReferentialConstraint"`
	Annotations []xAnnotation            `xml:"Annotation"`
}

type xReferentialConstraint struct {
	Property           string `xml:"Property,attr"`
	ReferencedProperty string `xml:"ReferencedProperty,attr"`
}

type xComplexType struct {
	Name       string      `xml:"Name,attr"`
	BaseType   string      `xml:"BaseType,attr"`
	Properties []xProperty `xml:"Property"`
}

type xEnumType struct {
	Name    string `xml:"Name,attr"`
	Members []struct {
		Name string `xml:"Name,attr"`
	} `xml:"Member"`
}

type xTypeDefinition struct {
	Name           string `xml:"Name,attr"`
	UnderlyingType string `xml:"UnderlyingType,attr"`
}

type xTerm struct {
	Name      string `xml:"Name,attr"`
	Type      string `xml:"Type,attr"`
	AppliesTo string `xml:"AppliesTo,attr"`
}

type xContainer struct {
	Name        string        `xml:"Name,attr"`
	EntitySets  []xEntitySet  `xml:"EntitySet"`
	Annotations []xAnnotation `xml:"Annotation"`
}

type xEntitySet struct {
	Name        string        `xml:"Name,attr"`
	EntityType  string        `xml:"EntityType,attr"`
	Bindings    []xNavBinding `xml:"NavigationPropertyBinding"`
	Annotations []xAnnotation `xml:"Annotation"`
}

type xNavBinding struct {
	Path   string `xml:"Path,attr"`
	Target string `xml:"Target,attr"`
}

// xAnnotation and xNode keep every attribute and child, so that an
// expression the writer should not produce is seen rather than dropped.
type xAnnotation struct {
	Term      string     `xml:"Term,attr"`
	Qualifier string     `xml:"Qualifier,attr"`
	Attrs     []xml.Attr `xml:",any,attr"`
	Children  []xNode    `xml:",any"`
}

type xNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []xNode    `xml:",any"`
}

func (n xNode) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func parseEdmx(data []byte) (*xEdmx, error) {
	var doc xEdmx
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	return &doc, nil
}

// aliases maps every alias a document may use (its includes and its own
// schemas) to the namespace it stands for; a namespace also maps to itself.
func (d *xEdmx) aliases() map[string]string {
	m := map[string]string{}
	for _, r := range d.References {
		for _, in := range r.Includes {
			m[in.Namespace] = in.Namespace
			if in.Alias != "" {
				m[in.Alias] = in.Namespace
			}
		}
	}
	for _, s := range d.Schemas {
		m[s.Namespace] = s.Namespace
		if s.Alias != "" {
			m[s.Alias] = s.Namespace
		}
	}
	return m
}

// qualify turns "Alias.Name" or "Namespace.Name" into namespace and name.
// Namespaces contain dots, so the split is at the last one.
func qualify(aliases map[string]string, qname string) (ns, name string, ok bool) {
	i := strings.LastIndexByte(qname, '.')
	if i < 0 {
		return "", qname, false
	}
	ns, ok = aliases[qname[:i]]
	return ns, qname[i+1:], ok
}

// collectionOf splits "Collection(T)" into T and true.
func collectionOf(typ string) (string, bool) {
	if strings.HasPrefix(typ, "Collection(") && strings.HasSuffix(typ, ")") {
		return typ[len("Collection(") : len(typ)-1], true
	}
	return typ, false
}

// expr is one annotation value expression in a form both the XML and the
// JSON readers can produce.
type expr struct {
	Kind   string // Bool, String, Int, Float, Decimal, EnumMember, Record, Collection, PropertyPath, ...
	Text   string // the constant, for constant and path expressions
	Type   string // Record: the Type attribute, if any
	Fields []field
	Items  []expr
}

type field struct {
	Property string
	Value    expr
}

// constantExprs are the expressions CSDL XML allows both as an attribute of
// Annotation/PropertyValue and as an element.
var constantExprs = map[string]bool{
	"Binary": true, "Bool": true, "Date": true, "DateTimeOffset": true, "Decimal": true,
	"Duration": true, "EnumMember": true, "Float": true, "Guid": true, "Int": true,
	"String": true, "TimeOfDay": true, "AnnotationPath": true, "ModelElementPath": true,
	"NavigationPropertyPath": true, "Path": true, "PropertyPath": true, "UrlRef": true,
}

// annotationExpr returns the single value expression of an Annotation or
// PropertyValue (given as its attributes, minus the ones naming it, and its
// children); present is false for an annotation without a value.
func annotationExpr(attrs []xml.Attr, children []xNode, skip string) (e expr, present bool, err error) {
	var found []expr
	for _, a := range attrs {
		if a.Name.Local == skip || a.Name.Local == "Qualifier" || a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			continue
		}
		if !constantExprs[a.Name.Local] {
			return expr{}, false, fmt.Errorf("unexpected attribute %s", a.Name.Local)
		}
		found = append(found, expr{Kind: a.Name.Local, Text: a.Value})
	}
	for _, c := range children {
		if c.XMLName.Local == "Annotation" {
			continue
		}
		x, err := nodeExpr(c)
		if err != nil {
			return expr{}, false, err
		}
		found = append(found, x)
	}
	switch len(found) {
	case 0:
		return expr{}, false, nil
	case 1:
		return found[0], true, nil
	}
	return expr{}, false, fmt.Errorf("%d value expressions where one is allowed", len(found))
}

func nodeExpr(n xNode) (expr, error) {
	switch k := n.XMLName.Local; {
	case constantExprs[k]:
		return expr{Kind: k, Text: n.Text}, nil
	case k == "Collection":
		x := expr{Kind: k}
		for _, c := range n.Children {
			item, err := nodeExpr(c)
			if err != nil {
				return expr{}, err
			}
			x.Items = append(x.Items, item)
		}
		return x, nil
	case k == "Record":
		typ, _ := n.attr("Type")
		x := expr{Kind: k, Type: typ}
		for _, c := range n.Children {
			switch c.XMLName.Local {
			case "Annotation":
				continue
			case "PropertyValue":
			default:
				return expr{}, fmt.Errorf("unexpected <%s> in Record", c.XMLName.Local)
			}
			prop, _ := c.attr("Property")
			v, ok, err := annotationExpr(c.Attrs, c.Children, "Property")
			if err != nil {
				return expr{}, fmt.Errorf("PropertyValue %s: %v", prop, err)
			}
			if !ok {
				return expr{}, fmt.Errorf("PropertyValue %s has no value", prop)
			}
			x.Fields = append(x.Fields, field{prop, v})
		}
		return x, nil
	}
	return expr{}, fmt.Errorf("unexpected expression <%s>", n.XMLName.Local)
}
