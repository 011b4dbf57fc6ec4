package store

// SQL representations the translations below rely on (written by the schema
// and by the constant translator):
//
//   - Edm.DateTimeOffset (UTC): INTEGER milliseconds since the epoch.
//   - tenant-local twin: TEXT "2024-03-09T15:00:01.250+01:00", always with
//     three fraction digits and a numeric offset, so fields sit at fixed
//     positions.
//   - Edm.Date: TEXT "2024-03-09"; Edm.TimeOfDay: TEXT "15:00:01.250".
//   - Edm.Duration: REAL seconds.
//
// String functions never use LIKE: LIKE folds ASCII case, and OData string
// functions are case-sensitive. instr and substr compare exactly.

type fnTemplate func(a []Fragment, local bool) Fragment

func (sqliteDialect) Function(id string, args []Fragment, local bool) (Fragment, bool) {
	t, ok := sqliteFunctions[id]
	if !ok {
		return Fragment{}, false
	}
	return t(args, local), true
}

// utcPart extracts a strftime field from UTC milliseconds.
func utcPart(format string, x Fragment) Fragment {
	return x.Wrap("CAST(strftime('"+format+"', (", ") / 1000.0, 'unixepoch') AS INTEGER)")
}

// textPart extracts characters [from, from+n) of fixed-layout text as an
// integer.
func textPart(x Fragment, from, n string) Fragment {
	return x.Wrap("CAST(substr(", ", "+from+", "+n+") AS INTEGER)")
}

func dtoPart(format, from string) fnTemplate {
	return func(a []Fragment, local bool) Fragment {
		if local {
			return textPart(a[0], from, "2")
		}
		return utcPart(format, a[0])
	}
}

var sqliteFunctions = map[string]fnTemplate{
	"contains": func(a []Fragment, _ bool) Fragment {
		return Join(", ", a[0], a[1]).Wrap("(instr(", ") > 0)")
	},
	"startswith": func(a []Fragment, _ bool) Fragment {
		return Join("", a[0].Wrap("(substr(", ", 1, length("), a[1].Wrap("", ")) = "), a[1].Wrap("", ")"))
	},
	"endswith": func(a []Fragment, _ bool) Fragment {
		// substr(x, -0) is the whole string, so the empty suffix needs its
		// own branch; NULL text stays NULL (false).
		return Join("", a[0].Wrap("(CASE WHEN ", " IS NULL THEN NULL WHEN length("),
			a[1].Wrap("", ") = 0 THEN 1 ELSE substr("), a[0].Wrap("", ", -length("),
			a[1].Wrap("", ")) = "), a[1].Wrap("", " END)"))
	},
	"length": func(a []Fragment, _ bool) Fragment { return a[0].Wrap("length(", ")") },
	"indexof": func(a []Fragment, _ bool) Fragment {
		return Join(", ", a[0], a[1]).Wrap("(instr(", ") - 1)")
	},
	"substring2": func(a []Fragment, _ bool) Fragment {
		return Join(", ", a[0], a[1].Wrap("(", ") + 1")).Wrap("substr(", ")")
	},
	"substring3": func(a []Fragment, _ bool) Fragment {
		return Join(", ", a[0], a[1].Wrap("(", ") + 1"), a[2]).Wrap("substr(", ")")
	},
	// SQLite's lower/upper fold ASCII only; ccfeed_lower/upper fold Unicode
	// ("ZOË" -> "zoë"), registered on every connection (db.go). A call into
	// Go costs far more than SQLite's own function, so ASCII text (most
	// names and codes) takes the built-in one.
	"tolower": func(a []Fragment, _ bool) Fragment { return caseFold(a[0], "lower(", "ccfeed_lower(") },
	"toupper": func(a []Fragment, _ bool) Fragment { return caseFold(a[0], "upper(", "ccfeed_upper(") },
	"trim": func(a []Fragment, _ bool) Fragment {
		return a[0].Wrap("trim(", ", char(32, 9, 10, 11, 12, 13))")
	},
	"concat": func(a []Fragment, _ bool) Fragment { return Join(" || ", a[0], a[1]).Wrap("(", ")") },
	"matchesPattern": func(a []Fragment, _ bool) Fragment {
		return Join(", ", a[1], a[0]).Wrap("ccfeed_regexp(", ")")
	},

	"year(dto)": func(a []Fragment, local bool) Fragment {
		if local {
			return textPart(a[0], "1", "4")
		}
		return utcPart("%Y", a[0])
	},
	"month(dto)":  dtoPart("%m", "6"),
	"day(dto)":    dtoPart("%d", "9"),
	"hour(dto)":   dtoPart("%H", "12"),
	"minute(dto)": dtoPart("%M", "15"),
	"second(dto)": dtoPart("%S", "18"),
	"fractionalseconds(dto)": func(a []Fragment, local bool) Fragment {
		if local {
			return a[0].Wrap("(CAST(substr(", ", 21, 3) AS INTEGER) / 1000.0)")
		}
		return a[0].Wrap("(((", ") % 1000 + 1000) % 1000 / 1000.0)")
	},
	"date": func(a []Fragment, local bool) Fragment {
		if local {
			return a[0].Wrap("substr(", ", 1, 10)")
		}
		return a[0].Wrap("strftime('%Y-%m-%d', (", ") / 1000.0, 'unixepoch')")
	},
	"time": func(a []Fragment, local bool) Fragment {
		if local {
			return a[0].Wrap("substr(", ", 12, 12)")
		}
		return a[0].Wrap("strftime('%H:%M:%f', (", ") / 1000.0, 'unixepoch')")
	},
	"totaloffsetminutes": func(a []Fragment, local bool) Fragment {
		if !local {
			return a[0].Wrap("(CASE WHEN ", " IS NULL THEN NULL ELSE 0 END)")
		}
		return Join("", a[0].Wrap("((CASE substr(", ", 24, 1) WHEN '-' THEN -1 ELSE 1 END) * (CAST(substr("),
			a[0].Wrap("", ", 25, 2) AS INTEGER) * 60 + CAST(substr("), a[0].Wrap("", ", 28, 2) AS INTEGER)))"))
	},
	"year(date)":  func(a []Fragment, _ bool) Fragment { return textPart(a[0], "1", "4") },
	"month(date)": func(a []Fragment, _ bool) Fragment { return textPart(a[0], "6", "2") },
	"day(date)":   func(a []Fragment, _ bool) Fragment { return textPart(a[0], "9", "2") },
	"hour(tod)":   func(a []Fragment, _ bool) Fragment { return textPart(a[0], "1", "2") },
	"minute(tod)": func(a []Fragment, _ bool) Fragment { return textPart(a[0], "4", "2") },
	"second(tod)": func(a []Fragment, _ bool) Fragment { return textPart(a[0], "7", "2") },
	"fractionalseconds(tod)": func(a []Fragment, _ bool) Fragment {
		return a[0].Wrap("(CAST(substr(", ", 10, 3) AS INTEGER) / 1000.0)")
	},
	"totalseconds": func(a []Fragment, _ bool) Fragment { return a[0] },

	"round":   func(a []Fragment, _ bool) Fragment { return a[0].Wrap("round(", ")") },
	"floor":   func(a []Fragment, _ bool) Fragment { return a[0].Wrap("floor(", ")") },
	"ceiling": func(a []Fragment, _ bool) Fragment { return a[0].Wrap("ceil(", ")") },
}

// caseFold folds x with the Unicode-aware Go function when x has fewer
// characters than bytes, else with SQLite's ASCII one; NULL takes SQLite's
// branch, so it never reaches Go.
func caseFold(x Fragment, ascii, unicode string) Fragment {
	return Join("", x.Wrap("(CASE WHEN length(", ") < octet_length("), x.Wrap("", ") THEN "+unicode), x.Wrap("", ") ELSE "+ascii), x.Wrap("", ") END)"))
}
