package query

import (
	"sort"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
)

// param is the class of types a function parameter accepts.
type param int

const (
	pString param = iota
	pInteger
	pNumeric
	pDTO
	pDate
	pTOD
	pDuration
)

func (c param) accepts(k edm.Kind) bool {
	if k == edm.Untyped {
		return true
	}
	switch c {
	case pString:
		return k == edm.String || k == edm.Guid
	case pInteger:
		return k.IsIntegral()
	case pNumeric:
		return k.IsNumeric()
	case pDTO:
		return k == edm.DateTimeOffset
	case pDate:
		return k == edm.Date
	case pTOD:
		return k == edm.TimeOfDay
	case pDuration:
		return k == edm.Duration
	}
	return false
}

func (c param) String() string {
	return [...]string{"Edm.String", "an integer", "a number", "Edm.DateTimeOffset", "Edm.Date",
		"Edm.TimeOfDay", "Edm.Duration"}[c]
}

// Signature is one overload. ID names it for the SQL dialect, which holds the
// translation of every ID (store/functions_sqlite.go).
type Signature struct {
	ID     string
	Params []param
	// Result is the result type; Invalid means "the type of the first
	// argument" (round, floor and ceiling keep their argument's type).
	Result edm.Kind
}

func (s *Signature) result(args []Bound) Type {
	if s.Result == edm.Invalid && len(args) > 0 {
		k := args[0].Type().Kind
		if k.IsIntegral() || k == edm.Untyped {
			k = edm.Double
		}
		return prim(k)
	}
	return prim(s.Result)
}

// Function is a canonical function with its overloads.
type Function struct {
	Name string
	Sigs []*Signature
}

var functions = map[string]*Function{}

func def(name string, sigs ...*Signature) {
	functions[strings.ToLower(name)] = &Function{Name: name, Sigs: sigs}
}

func sig(id string, result edm.Kind, params ...param) *Signature {
	return &Signature{ID: id, Params: params, Result: result}
}

func init() {
	// String functions are case-sensitive, as OData defines them.
	def("contains", sig("contains", edm.Boolean, pString, pString))
	def("startswith", sig("startswith", edm.Boolean, pString, pString))
	def("endswith", sig("endswith", edm.Boolean, pString, pString))
	def("length", sig("length", edm.Int32, pString))
	def("indexof", sig("indexof", edm.Int32, pString, pString))
	def("substring", sig("substring2", edm.String, pString, pInteger), sig("substring3", edm.String, pString, pInteger, pInteger))
	def("tolower", sig("tolower", edm.String, pString))
	def("toupper", sig("toupper", edm.String, pString))
	def("trim", sig("trim", edm.String, pString))
	def("concat", sig("concat", edm.String, pString, pString))
	def("matchesPattern", sig("matchesPattern", edm.Boolean, pString, pString))

	def("year", sig("year(dto)", edm.Int32, pDTO), sig("year(date)", edm.Int32, pDate))
	def("month", sig("month(dto)", edm.Int32, pDTO), sig("month(date)", edm.Int32, pDate))
	def("day", sig("day(dto)", edm.Int32, pDTO), sig("day(date)", edm.Int32, pDate))
	def("hour", sig("hour(dto)", edm.Int32, pDTO), sig("hour(tod)", edm.Int32, pTOD))
	def("minute", sig("minute(dto)", edm.Int32, pDTO), sig("minute(tod)", edm.Int32, pTOD))
	def("second", sig("second(dto)", edm.Int32, pDTO), sig("second(tod)", edm.Int32, pTOD))
	def("fractionalseconds", sig("fractionalseconds(dto)", edm.Decimal, pDTO), sig("fractionalseconds(tod)", edm.Decimal, pTOD))
	def("date", sig("date", edm.Date, pDTO))
	def("time", sig("time", edm.TimeOfDay, pDTO))
	def("totaloffsetminutes", sig("totaloffsetminutes", edm.Int32, pDTO))
	def("now", sig("now", edm.DateTimeOffset))
	def("maxdatetime", sig("maxdatetime", edm.DateTimeOffset))
	def("mindatetime", sig("mindatetime", edm.DateTimeOffset))
	def("totalseconds", sig("totalseconds", edm.Decimal, pDuration))

	def("round", sig("round", edm.Invalid, pNumeric))
	def("floor", sig("floor", edm.Invalid, pNumeric))
	def("ceiling", sig("ceiling", edm.Invalid, pNumeric))
}

// FunctionNames lists the canonical function names the registry holds,
// plus the type functions cast and isof, sorted.
func FunctionNames() []string {
	out := []string{"cast", "isof"}
	for _, f := range functions {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

// SignatureIDs lists every overload ID, for checking the dialect covers them.
func SignatureIDs() []string {
	var out []string
	for _, f := range functions {
		for _, s := range f.Sigs {
			out = append(out, s.ID)
		}
	}
	sort.Strings(out)
	return out
}
