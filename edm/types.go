// Package edm is the merged data model: one declaration of every entity set,
// property and navigation, from which the SQLite schema, the CSDL documents,
// the query binder and the JSON writer are all derived.
package edm

// Kind is an EDM primitive type.
type Kind int

// The primitive types the model and the query language use. Durations are not
// among the model's property types: Power BI has no duration type, so the
// model publishes them as seconds in Edm.Double. Edm.Duration exists here only
// for literals and totalseconds().
const (
	Invalid Kind = iota
	String
	Boolean
	Byte
	SByte
	Int16
	Int32
	Int64
	Single
	Double
	Decimal
	DateTimeOffset
	Date
	TimeOfDay
	Duration
	Guid
	Binary
	// Untyped is the type of the null literal before it is compared with
	// something that gives it a type.
	Untyped
)

var kindNames = [...]string{
	Invalid:        "Edm.Invalid",
	String:         "Edm.String",
	Boolean:        "Edm.Boolean",
	Byte:           "Edm.Byte",
	SByte:          "Edm.SByte",
	Int16:          "Edm.Int16",
	Int32:          "Edm.Int32",
	Int64:          "Edm.Int64",
	Single:         "Edm.Single",
	Double:         "Edm.Double",
	Decimal:        "Edm.Decimal",
	DateTimeOffset: "Edm.DateTimeOffset",
	Date:           "Edm.Date",
	TimeOfDay:      "Edm.TimeOfDay",
	Duration:       "Edm.Duration",
	Guid:           "Edm.Guid",
	Binary:         "Edm.Binary",
	Untyped:        "null",
}

// String returns the qualified EDM name, for example "Edm.Int32".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Edm.Invalid"
}

// KindByName resolves a qualified name such as "Edm.String".
func KindByName(name string) (Kind, bool) {
	for k, n := range kindNames {
		if n == name && Kind(k) != Invalid && Kind(k) != Untyped {
			return Kind(k), true
		}
	}
	return Invalid, false
}

// IsNumeric reports whether k is one of the numeric types.
func (k Kind) IsNumeric() bool {
	switch k {
	case Byte, SByte, Int16, Int32, Int64, Single, Double, Decimal:
		return true
	}
	return false
}

// IsIntegral reports whether k is an integer type.
func (k Kind) IsIntegral() bool {
	switch k {
	case Byte, SByte, Int16, Int32, Int64:
		return true
	}
	return false
}

// numericRank orders numeric types for promotion (OData Part 2, 5.1.1.1).
func (k Kind) numericRank() int {
	switch k {
	case Byte, SByte:
		return 1
	case Int16:
		return 2
	case Int32:
		return 3
	case Int64:
		return 4
	case Decimal:
		return 5
	case Single:
		return 6
	case Double:
		return 7
	}
	return 0
}

// Promote returns the type two numeric operands are promoted to, or Invalid
// when either is not numeric.
func Promote(a, b Kind) Kind {
	if !a.IsNumeric() || !b.IsNumeric() {
		return Invalid
	}
	if a.numericRank() >= b.numericRank() {
		if a == Byte || a == SByte {
			return Int16
		}
		return a
	}
	return Promote(b, a)
}

// JSONNative reports whether values of k are written as JSON numbers or
// booleans that a client can type without an annotation (JSON Format 4.5.3).
func (k Kind) JSONNative() bool {
	switch k {
	case String, Boolean, Int32, Int16, Byte, SByte, Double:
		return true
	}
	return false
}
