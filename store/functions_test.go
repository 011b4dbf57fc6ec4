package store_test

import (
	"testing"
)

// functionCases run each canonical function against the fixture tenant
// (Europe/Paris; see fixtures in results_test.go), whose expected rows are
// worked out by hand from the fixture values.
var functionCases = []resultCase{
	// length counts characters, not bytes: "Zoë" is 3 characters, 4 bytes.
	{name: "length_unicode", req: "Conversations?$filter=length(customerFirstName) eq 3", want: fx("fx-01", "fx-02", "fx-03", "fx-04")},
	{name: "indexof", req: "Conversations?$filter=indexof(customerLastName,'ez') eq 6", want: fx("fx-02")},
	{name: "indexof_zero", req: "Conversations?$filter=indexof(customerLastName,'ez') eq 0", want: fx("fx-05")},
	{name: "indexof_missing", req: "Conversations?$filter=indexof(customerLastName,'zz') eq -1", want: fx("fx-01", "fx-02", "fx-04", "fx-05")},
	{name: "substring_from", req: "Conversations?$filter=substring(customerLastName,1) eq 'artinez'", want: fx("fx-02")},
	{name: "substring_from_len", req: "Conversations?$filter=substring(customerLastName,1,2) eq 'op'", want: fx("fx-04")},
	{name: "trim_concat", req: "Conversations?$filter=trim(concat(' ',customerLastName)) eq 'Lopez'", want: fx("fx-04")},
	{name: "concat", req: "Conversations?$filter=concat(customerFirstName,customerLastName) eq 'ZoeLopez'", want: fx("fx-04")},
	{name: "matches_pattern_unicode", req: "Conversations?$filter=matchesPattern(customerFirstName,'^Z.ë$')", want: fx("fx-02")},
	// A missing name stays missing once folded: it is neither '' nor
	// matched by a pattern of the empty text.
	{name: "tolower_null_is_null", req: "Conversations?$filter=tolower(customerFirstName) eq null", want: fx("fx-05", "fx-06")},
	{name: "tolower_empty_is_not_null", req: "Conversations?$filter=tolower(customerLastName) eq ''", want: fx("fx-01")},
	{name: "toupper_empty_is_not_null", req: "Conversations?$filter=toupper(customerLastName) eq ''", want: fx("fx-01")},
	{name: "matches_pattern_empty_not_null", req: "Conversations?$filter=matchesPattern(customerLastName,'^$')", want: fx("fx-01")},
	// Folded comparisons with an ASCII literal compare without folding
	// (folded.go); with "zoë" they fold.
	{name: "startswith_tolower", req: "Conversations?$filter=startswith(tolower(customerFirstName),'zo')", want: fx("fx-01", "fx-02", "fx-03", "fx-04")},
	{name: "startswith_tolower_unicode", req: "Conversations?$filter=startswith(tolower(customerFirstName),'zoë')", want: fx("fx-01", "fx-02", "fx-03")},
	{name: "contains_toupper", req: "Conversations?$filter=contains(toupper(customerLastName),'EZ')", want: fx("fx-02", "fx-04", "fx-05")},
	{name: "endswith_tolower", req: "Conversations?$filter=endswith(tolower(customerFirstName),'oe')", want: fx("fx-04")},
	{name: "tolower_eq_ascii", req: "Conversations?$filter='zoe' eq tolower(customerFirstName)", want: fx("fx-04")},
	{name: "two_nulls_are_equal", req: "Conversations?$filter=customerFirstName eq customerLastName", want: fx("fx-06")},

	{name: "month_local", req: "Conversations?$filter=month(startedAt) eq 1", want: fx("fx-04", "fx-06")},
	{name: "month_utc", req: "Conversations?$filter=month(startedAtUTC) eq 12", want: fx("fx-04", "fx-06")},
	{name: "day_utc", req: "Conversations?$filter=day(startedAtUTC) eq 31", want: fx("fx-04", "fx-06")},
	{name: "day_local", req: "Conversations?$filter=day(startedAt) eq 1", want: fx("fx-01", "fx-02", "fx-03", "fx-04", "fx-06")},
	{name: "minute_local", req: "Conversations?$filter=minute(startedAt) eq 30", want: fx("fx-04")},
	{name: "minute_second_utc", req: "Conversations?$filter=minute(startedAtUTC) eq 59 and second(startedAtUTC) eq 59", want: fx("fx-06")},
	{name: "second_local", req: "Conversations?$filter=second(startedAt) eq 59", want: fx("fx-06")},
	{name: "fraction_utc", req: "Conversations?$filter=fractionalseconds(startedAtUTC) eq 0.001", want: fx("fx-03")},
	{name: "fraction_local", req: "Conversations?$filter=fractionalseconds(startedAt) eq 0.5", want: fx("fx-06")},
	{name: "time_utc", req: "Conversations?$filter=time(startedAtUTC) eq 10:00:00.001", want: fx("fx-03")},
	{name: "time_local", req: "Conversations?$filter=time(startedAt) eq 12:00:00.001", want: fx("fx-03")},
	{name: "time_range", req: "Conversations?$filter=time(startedAtUTC) ge 09:00:00 and time(startedAtUTC) lt 10:00:00.001", want: fx("fx-01", "fx-02")},
	{name: "offset_summer", req: "Conversations?$filter=totaloffsetminutes(startedAt) eq 120", want: fx("fx-01", "fx-02", "fx-03")},
	{name: "offset_winter", req: "Conversations?$filter=totaloffsetminutes(startedAt) eq 60", want: fx("fx-04", "fx-06")},
	{name: "offset_utc", req: "Conversations?$filter=totaloffsetminutes(startedAtUTC) eq 0", want: fx("fx-01", "fx-02", "fx-03", "fx-04", "fx-06")},
	{name: "date_local", req: "Conversations?$filter=date(startedAt) eq 2027-01-01", want: fx("fx-04")},
	{name: "now", req: "Conversations?$filter=startedAtUTC lt now()", want: fx("fx-01", "fx-02", "fx-03", "fx-06")},
	{name: "duration_add", req: "Conversations?$filter=startedAtUTC add duration'PT59M59.999S' eq 2026-09-01T09:59:59.999Z", want: fx("fx-01")},
	{name: "duration_sub", req: "Conversations?$filter=2026-09-01T10:00:01Z sub startedAtUTC eq duration'PT0.999S'", want: fx("fx-03")},

	{name: "round_half_up", req: "Conversations?$filter=round(csat) eq 4", want: fx("fx-01")},
	{name: "floor", req: "Conversations?$filter=floor(csat) eq 5", want: fx("fx-05")},
	{name: "ceiling", req: "Conversations?$filter=ceiling(csat) eq 2", want: fx("fx-03")},
	{name: "div_double", req: "Conversations?$filter=csat div 2 eq 1.75", want: fx("fx-01")},
	{name: "divby_int", req: "Conversations?$filter=holdCount divby 2 eq 3.5", want: fx("fx-02")},
	{name: "div_by_zero_is_null", req: "Conversations?$filter=holdCount div 0 eq null", want: fx("fx-01", "fx-02", "fx-03", "fx-04", "fx-05", "fx-06")},
	{name: "negate", req: "Conversations?$filter=-holdCount eq -7", want: fx("fx-02")},
	{name: "case", req: "Conversations?$filter=case(holdCount gt 6:'big',holdCount gt 0:'small') eq 'small'", want: fx("fx-03", "fx-05")},
	{name: "cast_int_to_string", req: "Conversations?$filter=cast(holdCount,Edm.String) eq '7'", want: fx("fx-02")},
	{name: "cast_dto_to_string", req: "Conversations?$filter=cast(startedAtUTC,Edm.String) eq '2026-09-01T10:00:00.001Z'", want: fx("fx-03")},
	{name: "cast_local_to_string", req: "Conversations?$filter=cast(startedAt,Edm.String) eq '2026-09-01T12:00:00.001+02:00'", want: fx("fx-03")},
	{name: "cast_double_to_int", req: "Conversations?$filter=cast(csat,Edm.Int32) eq 5", want: fx("fx-05")},
	{name: "cast_string_to_int", req: "Conversations?$filter=cast(cast(holdCount,Edm.String),Edm.Int64) eq 6", want: fx("fx-05")},
}

// TestFunctionsOnFixtures reads each function case as the fixture tenant.
func TestFunctionsOnFixtures(t *testing.T) {
	db := demoWithFixtures(t)
	p := principal(fxTenant)
	for _, c := range functionCases {
		t.Run(c.name, func(t *testing.T) {
			got := keys(readAll(t, db, p, bindRequest(t, c.req), 3, 0))
			sameKeys(t, c.req, got, c.want)
		})
	}
}
