package edm

// Annotation is one vocabulary annotation. Term is alias-qualified
// ("Capabilities.TopSupported"); the aliases are those of References.
type Annotation struct {
	Term  string
	Value Value
}

// Value is an annotation value: one of Bool, Str, Int, Enum, Path, Record or
// Collection.
type Value interface{ annotationValue() }

// Bool is a constant Edm.Boolean.
type Bool bool

// Str is a constant Edm.String.
type Str string

// Int is a constant integer.
type Int int64

// Enum is an enumeration member, qualified: "Capabilities.ConformanceLevelType/Advanced".
type Enum string

// Path is a NavigationPropertyPath or PropertyPath value.
type Path struct {
	Kind string // "NavigationPropertyPath" or "PropertyPath"
	Path string
}

// PropertyValue is one field of a Record.
type PropertyValue struct {
	Property string
	Value    Value
}

// Record is a structured value of a vocabulary complex type. Type may be
// empty when the term's declared type applies.
type Record struct {
	Type   string
	Fields []PropertyValue
}

// Collection is an ordered list of values.
type Collection []Value

func (Bool) annotationValue()       {}
func (Str) annotationValue()        {}
func (Int) annotationValue()        {}
func (Enum) annotationValue()       {}
func (Path) annotationValue()       {}
func (Record) annotationValue()     {}
func (Collection) annotationValue() {}

// Reference is a vocabulary the metadata document includes.
type Reference struct {
	URI       string
	Namespace string
	Alias     string
}

// References lists the vocabularies the annotations use, under the canonical
// OASIS URIs (clients do not fetch them to read the feed).
var References = []Reference{
	{"https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml", "Org.OData.Core.V1", "Core"},
	{"https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Capabilities.V1.xml", "Org.OData.Capabilities.V1", "Capabilities"},
	{"https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Aggregation.V1.xml", "Org.OData.Aggregation.V1", "Aggregation"},
}

func description(s string) Annotation { return Annotation{"Core.Description", Str(s)} }

func rec(fields ...PropertyValue) Record { return Record{Fields: fields} }

func pv(name string, v Value) PropertyValue { return PropertyValue{name, v} }
