package query

import (
	"fmt"
	"strings"
)

// This file decides, for every ABNF start rule and for individual cases,
// which parser entry point implements it and why a case is skipped.

type skipKind int

const (
	notSkipped skipKind = iota
	// skipNotURL: not URL syntax this package parses (headers, payload
	// bodies, context URLs, scheme and host). Not run.
	skipNotURL
	// skipUnsupported: valid OData the read-only feed does not offer. Run:
	// a positive case must parse (the binder refuses it later) or be 501.
	skipUnsupported
	// skip501: an unsupported feature the parser recognises: a positive
	// case must answer 501.
	skip501
	// skipNotYet: syntax still to come. Run with the oracle of
	// skipUnsupported. (No case uses it since $apply landed.)
	skipNotYet
	// skipModel: the case is negative only because of the fake model in
	// the file's Constraints. Run for "no panic, typed error" only.
	skipModel
	// skipDesign: a documented, deliberate difference. Run for "no panic,
	// typed error" only.
	skipDesign
)

type verdict struct {
	entryName string
	run       func(string) error
	skip      skipKind
	reason    string
}

// Reasons, shared so the table groups them.
const (
	whyHeader      = "HTTP header or preference value, not part of the URL"
	whyContext     = "context URL fragment: written by the server, never parsed"
	whyHost        = "scheme, host and service root are net/http's and the router's, not this package's"
	whyPayload     = "payload (request body) form; a read-only feed parses only URL literals"
	whyPayloadCase = "payload booleans are lower case; URL literals ignore case"
	whyApply       = "custom aggregates come from the fake model (Budget, Forecast): model-free, 'Amount as Total' is a well-formed custom aggregate, which the binder refuses"
	whyApplyColl   = "collection- versus single-valued properties come from the fake model; the parser cannot tell Sales from Customer"
	whyApplyPrim   = "primitive versus navigation properties come from the fake model: model-free, Product/Price/Quantity is a well-formed path"
	whyTemporal    = "temporal extension ($at/$from/$to) is not supported"
	whyFunctions   = "functions, actions and function imports: the model has none"
	whyBatch       = "$batch: read-only feed"
	whyCrossjoin   = "$crossjoin is not supported"
	whyAll         = "$all is not supported"
	whyEntity      = "$entity and $id are not supported"
	whyIndex       = "$index is not supported (no ordered collections)"
	whySchemaVer   = "$schemaversion is not supported"
	whyDelta       = "$deltatoken: no change tracking"
	whyQuerySeg    = "/$query (query options in the body) is not supported"
	whyFilterSeg   = "/$filter and /$each path segments are not supported"
	whyAnnotation  = "annotations in queries are not supported"
	whySingleton   = "singletons are not part of the model"
	whyGeo         = "geo literals: the model has no geo properties"
	whyNestedAlias = "parameter aliases defined inside $select/$expand options are not supported"
	whyModel       = "needs model binding"
	whyCustom      = "custom option names come from the fake model; this feed ignores unknown custom options by design"
	whyDuplicate   = "repeated system query option: URL Conventions 5 says an option MUST NOT be given twice; EINVALID by design"
	whyYear        = "years outside 0000-9999 are not supported"
	whyMetadata    = "$metadata has its own route; context fragments (#...) are never sent"
	whyComplex     = "complex and stream properties: the model has none"
)

// classify decides how one case runs. model holds the file's Constraints.
func classify(file string, c abnfCase, model map[string][]string) verdict {
	rule := strings.ToLower(c.Rule)
	v := entryFor(rule)
	skip := func(k skipKind, why string) verdict { v.skip, v.reason = k, why; return v }
	if why, ok := ruleSkips[rule]; ok {
		v.run, v.entryName = nil, "-"
		return skip(skipNotURL, why)
	}
	switch file {
	case "odata-aggregation-testcases.yaml":
		if strings.HasPrefix(c.Input, "$metadata#") {
			v.run = nil
			return skip(skipNotURL, whyContext)
		}
		if s, ok := aggregationModelSkips[c.Input]; ok {
			return skip(s.kind, s.why)
		}
		// A negative case is wrong syntax whatever the feature: it runs
		// and must be rejected, even where a positive case with the same
		// feature (an annotation) would be skipped below.
		if c.FailAt != nil {
			return v
		}
		// Positive cases fall through to the rules of the core file:
		// $crossjoin, annotations and the fake model's functions are
		// skipped for the same reasons there.
	case "odata-temporal-testcases.yaml":
		return skip(skip501, whyTemporal)
	}
	if s, ok := caseSkips[rule+" "+c.Input]; ok {
		return skip(s.kind, s.why)
	}
	for _, f := range featureSkips {
		if strings.Contains(c.Input, f.needle) {
			if f.kind == skipNotURL {
				v.run = nil
			}
			return skip(f.kind, f.why)
		}
	}
	// Operations and singletons exist only in the fake model: a case
	// naming one tests a feature this model does not have.
	for _, f := range modelFeatures {
		for _, name := range model[f.rule] {
			if containsWord(c.Input, name) {
				return skip(skipUnsupported, f.why)
			}
		}
	}
	return v
}

// modelFeatures are the Constraints rules whose names stand for features
// the feed's model lacks.
var modelFeatures = []struct{ rule, why string }{
	{"action", whyFunctions}, {"actionImport", whyFunctions},
	{"entityFunction", whyFunctions}, {"entityColFunction", whyFunctions},
	{"complexFunction", whyFunctions}, {"complexColFunction", whyFunctions},
	{"primitiveFunction", whyFunctions}, {"primitiveColFunction", whyFunctions},
	{"entityFunctionImport", whyFunctions}, {"entityColFunctionImport", whyFunctions},
	{"complexFunctionImport", whyFunctions}, {"complexColFunctionImport", whyFunctions},
	{"primitiveFunctionImport", whyFunctions}, {"primitiveColFunctionImport", whyFunctions},
	{"singletonEntity", whySingleton},
}

// containsWord reports whether name occurs in s as a whole identifier.
func containsWord(s, name string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], name)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(name)
		if (j == 0 || !isIdentChar(rune(s[j-1]))) && (end == len(s) || !isIdentChar(rune(s[end]))) {
			return true
		}
		i = j + 1
	}
}

// ruleSkips are start rules outside the URL grammar this package parses.
var ruleSkips = map[string]string{
	"header": whyHeader, "prefer": whyHeader, "preference": whyHeader, "request-id": whyHeader,
	"includeannotationspreference": whyHeader, "maxpagesizepreference": whyHeader,
	"context": whyContext, "odatauri": whyHost,
	"functionparameter": whyFunctions,
	// Payload forms whose URL twin is tested under its *Literal rule.
	"enumvalue": whyPayload, "primitivevalue": whyPayload,
}

// featureSkips recognise unsupported features inside otherwise implemented
// rules. The first match wins.
var featureSkips = []struct {
	needle string
	kind   skipKind
	why    string
}{
	{"$metadata", skipNotURL, whyMetadata},
	{"$batch", skip501, whyBatch},
	{"$crossjoin", skip501, whyCrossjoin},
	{"$all", skip501, whyAll},
	{"$entity", skip501, whyEntity},
	{"$id=", skip501, whyEntity},
	{"$index", skip501, whyIndex},
	{"index=", skip501, whyIndex},
	{"schemaversion", skip501, whySchemaVer},
	{"$deltatoken", skip501, whyDelta},
	{"/$query", skip501, whyQuerySeg},
	{"/$filter(", skip501, whyFilterSeg},
	{"/$each", skip501, whyFilterSeg},
	{"/@", skip501, whyAnnotation},
	{"=@Core.", skip501, whyAnnotation},
	{"=@Namespace.", skip501, whyAnnotation},
	{"=@Measures.", skip501, whyAnnotation},
	{"=@Messages", skipUnsupported, whyAnnotation},
	{"geography'", skipUnsupported, whyGeo},
	{"geometry'", skipUnsupported, whyGeo},
}

type caseSkip struct {
	kind skipKind
	why  string
}

// caseSkips lists individual cases by "rule input". Each was checked by
// hand: see the comment beside it.
var caseSkips = map[string]caseSkip{
	// Valid dates the store cannot order as ISO text: answered 501.
	"date -10000-04-01":                       {skip501, whyYear},
	"datetimeoffsetvalue -10000-04-01T00:00Z": {skip501, whyYear},

	// Negative only because the fake model says Address is complex,
	// Thumbnail a stream, BestSellingProduct a type (a second cast is then
	// not allowed): model-free, each is a well-formed path.
	"odatarelativeuri Categories(1)/Address/$value":                                  {skipModel, whyModel},
	"odatarelativeuri Categories(1)/Thumbnail/$value":                                {skipModel, whyModel},
	"odatarelativeuri Products(1)/Model.BestSellingProduct/Model.BestSellingProduct": {skipModel, whyModel},

	// Negative only because "more" and "this" are not in the fake model's
	// customName list; any other name is a valid custom option.
	"queryoptions $search=more&more": {skipModel, whyCustom},
	"skiptoken $skiptoken=Not&this":  {skipModel, whyCustom},

	// Payload booleans are lower case; in URLs they ignore case.
	"booleanvalue tRUe": {skipDesign, whyPayloadCase},

	"queryoptions $format=json&$Format=atom&$format=xml&$format=text/html": {skipDesign, whyDuplicate},
	"queryoptions $format=JSON&$format=Atom&$format=XML&$format=text/html": {skipDesign, whyDuplicate},

	// Aliases defined inside nested options: answered 501.
	"odatarelativeuri Customers?$select=Addresses(@a=$this;$filter=endswith(@a/Street,'gasse'))":                                                        {skip501, whyNestedAlias},
	"expand $expand=Items($select=Quantity;$expand=Product($select=Name,Price);@c=15)":                                                                  {skip501, whyNestedAlias},
	"queryoptions $select=Addresses($filter=startswith(City,'H');$top=5;$skip=0;$count=true;$orderby=$it;$search=blue;@c=15)&$expand=Addresses/Country": {skip501, whyNestedAlias},
	"odatarelativeuri Categories?$expand=Products(@foo=$this;$filter=@foo/Price gt 3)":                                                                  {skip501, whyNestedAlias},
	"odatarelativeuri Employees?$expand=Manager(@m=$this;$expand=DirectReports($filter=@m/FirstName eq FirstName))":                                     {skip501, whyNestedAlias},

	// Navigation inside complex properties, and stream expansion: 501.
	"expand $expand=Address/*,Address/Address/*,Addresses/*,Address/Model.AddressWithLocation/*,Model.VipCustomer/Address/*": {skip501, whyComplex},
	"expand $expand=Address/*/$ref,Address/*($levels=max)":                                                                   {skip501, whyComplex},
	"expand $expand=$value,Thumbnail":                                                                                        {skip501, whyComplex},
}

// aggregationModelSkips are the negative cases of the aggregation file
// that are wrong only given the fake model in its Constraints. Model-free,
// each is well-formed; the binder rejects the equivalent against the feed's
// own model. Each was checked by hand against odata-aggregation-abnf.txt.
var aggregationModelSkips = map[string]caseSkip{
	// Sales is collection-valued: no arithmetic across its members.
	"$apply=aggregate(Sales/Amount sub Sales/Cost with sum as TotalAmount)": {skipModel, whyApplyColl},
	// Amount is not among the custom aggregates Budget and Forecast.
	"$apply=aggregate(Amount as Total)":                               {skipModel, whyApply},
	"$apply=aggregate(Amount)":                                        {skipModel, whyApply},
	"$apply=aggregate(Amount from Time with average as DailyAverage)": {skipModel, whyApply},
	// Price is primitive, so it has no /Quantity.
	"$apply=groupby((Product/Price/Quantity))": {skipModel, whyApplyPrim},
	// ShipTo is single-valued; join needs a collection.
	"$apply=join(ShipTo as Detail,identity)": {skipModel, whyApplyColl},
	// Sales is collection-valued; grouping paths are single-valued.
	"$apply=groupby((Sales/Product/Name))": {skipModel, whyApplyColl},
}

// entryFor maps an ABNF start rule to the parser entry point that
// implements it.
func entryFor(rule string) verdict {
	switch rule {
	case "queryoptions", "systemqueryoption":
		return verdict{entryName: "ParseQuery", run: viaQuery}
	case "customqueryoption":
		return verdict{entryName: "ParseQuery (custom)", run: viaCustom}
	case "filter", "orderby", "select", "expand", "search", "compute", "skiptoken", "deltatoken":
		return verdict{entryName: "ParseQuery($" + rule + ")", run: viaOption("$" + rule)}
	case "resourcepath":
		return verdict{entryName: "ParsePath", run: viaPath}
	case "entitysetname":
		return verdict{entryName: "ParsePath (one name)", run: viaSetName}
	case "odatarelativeuri":
		return verdict{entryName: "ParsePath+ParseQuery", run: viaRelativeURI}
	case "commonexpr", "boolcommonexpr", "firstmemberexpr", "propertypathexpr", "isofexpr", "notexpr":
		return verdict{entryName: "ParseExpr", run: viaExpr}
	case "anyexpr":
		// anyExpr is a path segment: it is tested after a collection path.
		return verdict{entryName: "ParseExpr(Items/...)", run: func(s string) error { return viaExpr("Items/" + s) }}
	case "searchexpr":
		return verdict{entryName: "ParseSearch", run: viaSearch}
	case "odataidentifier":
		// A $compute alias is where the parser reads a bare odataIdentifier.
		return verdict{entryName: "ParseQuery($compute alias)", run: func(s string) error { return viaQuery("$compute=1 as " + s) }}
	case "durationvalue":
		// A payload duration is the body of duration'...' in a URL.
		return verdict{entryName: "ParseExpr(duration'')", run: viaValue("duration", func(s string) string { return "duration'" + s + "'" })}
	}
	if kinds, ok := literalRuleKinds(rule); ok {
		if strings.HasSuffix(rule, "value") {
			// Payload values are not percent-encoded: parse the text as it is.
			return verdict{entryName: "ParseExpr (raw literal)", run: viaValue(rule, nil)}
		}
		return verdict{entryName: "ParseExpr (literal)", run: viaLiteral(kinds)}
	}
	return verdict{entryName: "-"}
}

var numberKinds = []LitKind{LitInt, LitDecimal, LitDouble}

// literalRuleKinds returns the literal kinds a literal rule may produce.
// Untyped 'text' may also be a duration or enumeration literal: the prefix
// is optional in 4.01, and only the binder knows the type.
func literalRuleKinds(rule string) ([]LitKind, bool) {
	base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(rule, "valueinurl"), "literal"), "value")
	switch {
	case rule == "primitiveliteral":
		return nil, true // any kind
	case strings.HasPrefix(rule, "geography") || strings.HasPrefix(rule, "geometry"):
		return []LitKind{LitGeo}, true
	}
	switch base {
	case "binary":
		return []LitKind{LitBinary}, true
	case "boolean":
		return []LitKind{LitBool}, true
	case "date":
		return []LitKind{LitDate}, true
	case "datetimeoffset":
		return []LitKind{LitDateTimeOffset}, true
	case "decimal", "double", "single":
		return numberKinds, true
	case "byte", "sbyte", "int16", "int32", "int64":
		return []LitKind{LitInt}, true
	case "duration":
		return []LitKind{LitDuration, LitString}, true
	case "enum":
		return []LitKind{LitEnum, LitString}, true
	case "guid":
		return []LitKind{LitGuid}, true
	case "null":
		return []LitKind{LitNull}, true
	case "string", "stringinurl":
		return []LitKind{LitString}, true
	case "timeofday":
		return []LitKind{LitTimeOfDay}, true
	}
	return nil, false
}

func viaQuery(s string) error {
	_, err := ParseQuery(s)
	return checkErr(err)
}

func viaCustom(s string) error {
	q, err := ParseQuery(s)
	if err != nil {
		return checkErr(err)
	}
	if len(q.Custom) != 1 || len(q.Texts) != 0 {
		return fmt.Errorf("expected one custom option, got custom %q and options %v", q.Custom, q.Given)
	}
	return nil
}

// viaOption parses a query string that must hold exactly the option name.
func viaOption(name string) func(string) error {
	return func(s string) error {
		q, err := ParseQuery(s)
		if err != nil {
			return checkErr(err)
		}
		if _, ok := q.Texts[name]; !ok || len(q.Texts) != 1 {
			return fmt.Errorf("expected only %s, parsed %v", name, q.Texts)
		}
		return nil
	}
}

func viaPath(s string) error {
	_, err := ParsePath(s)
	return checkErr(err)
}

func viaSetName(s string) error {
	p, err := ParsePath(s)
	if err != nil {
		return checkErr(err)
	}
	if len(p.Segs) != 1 || p.Segs[0].Name == "" || p.Segs[0].Parens {
		return fmt.Errorf("expected one name, got %d segments", len(p.Segs))
	}
	return nil
}

// viaRelativeURI splits at the first '?' into resource path and query.
func viaRelativeURI(s string) error {
	path, query, _ := strings.Cut(s, "?")
	if _, err := ParsePath(path); err != nil {
		return checkErr(err)
	}
	_, err := ParseQuery(query)
	return checkErr(err)
}

// viaExpr parses URL text (percent-encoded) as one expression.
func viaExpr(s string) error {
	d, err := PercentDecode(s)
	if err != nil {
		return err
	}
	_, err = ParseExpr("$filter", d)
	return checkErr(err)
}

func viaSearch(s string) error {
	d, err := PercentDecode(s)
	if err != nil {
		return err
	}
	_, err = ParseSearch("$search", d, 0)
	return checkErr(err)
}

// viaLiteral parses URL text that must be exactly one literal of one of
// the kinds (any kind when kinds is nil).
func viaLiteral(kinds []LitKind) func(string) error {
	return func(s string) error {
		d, err := PercentDecode(s)
		if err != nil {
			return err
		}
		return oneLiteral(d, kinds)
	}
}

// viaValue parses payload text, not percent-decoded, optionally wrapped
// into its URL form.
func viaValue(rule string, wrap func(string) string) func(string) error {
	kinds, _ := literalRuleKinds(rule)
	return func(s string) error {
		if wrap != nil {
			s = wrap(s)
		}
		return oneLiteral(s, kinds)
	}
}

func oneLiteral(s string, kinds []LitKind) error {
	x, err := ParseExpr("$filter", s)
	if err != nil {
		return checkErr(err)
	}
	l, ok := x.(*Literal)
	if !ok {
		return fmt.Errorf("parsed as %T %s, not as one literal", x, x)
	}
	if kinds == nil {
		return nil
	}
	for _, k := range kinds {
		if l.Kind == k {
			return nil
		}
	}
	return fmt.Errorf("parsed as a literal of kind %d, not of the rule's type", l.Kind)
}
