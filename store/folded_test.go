package store

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// foldedTexts are values that trip case folding: characters outside ASCII
// that fold into ASCII (İ, the Kelvin sign, ı, ſ), accents, LIKE's
// wildcards and escape character, the empty text and NULL.
var foldedTexts = []any{
	"Anna", "andré", "ANTON", "Anouk", "Ann", "an", "a", "", nil, "Zoë", "ZOË", "zoë",
	"İnès", "inès", "\u212Aim", "kim", "KIM", "ıSAAC", "ISAAC", "ſam", "SAM", "Sam",
	"50%_off", "50x_off", "a_b", "axb", `back\slash`, "ÅNGSTRÖM", "Ängel", "straße", "STRASSE",
	"Dan", "JORDAN", "jordanian", "ñandú",
}

// foldedLiterals: each is compared with every text, folded to lower and
// to upper case, by each operation. fast lists those FoldedMatch must
// take (the others must be declined and take the folding path).
var foldedLiterals = []struct {
	lit   string
	upper bool
	fast  bool
}{
	{"an", false, true}, {"a", false, true}, {"", false, true}, {"ann", false, true}, {"anna", false, true},
	{"50%", false, true}, {"a_b", false, true}, {"_", false, true}, {"%", false, true}, {`\sl`, false, true}, {`back\slash`, false, false},
	{"dan", false, true}, {"sam", false, true},
	{"An", false, false}, {"ki", false, false}, {"inès", false, false}, {"zoë", false, false}, {"is", false, false},
	{"AN", true, true}, {"KIM", true, false}, {"AM", true, true}, {"50%_OFF", true, true}, {"", true, true},
	{"SAM", true, false}, {"ISAAC", true, false}, {"an", true, false}, {"ZOË", true, false},
}

// TestFoldedMatch runs FoldedMatch's SQL and the folding path on SQLite
// and holds both to Go's strings.ToLower/ToUpper, which is what tolower
// and toupper mean here, for every text, literal and operation.
func TestFoldedMatch(t *testing.T) {
	registerDriver()
	conn, err := sql.Open(driverName, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	if _, err := conn.Exec(`CREATE TABLE texts (x TEXT)`); err != nil {
		t.Fatal(err)
	}
	for _, v := range foldedTexts {
		if _, err := conn.Exec(`INSERT INTO texts (x) VALUES (?)`, v); err != nil {
			t.Fatal(err)
		}
	}
	matching := func(t *testing.T, cond Fragment) []string {
		t.Helper()
		rows, err := conn.Query("SELECT coalesce(x, '<null>') FROM texts WHERE "+cond.SQL+" ORDER BY rowid", cond.Args...)
		if err != nil {
			t.Fatalf("%s: %v", cond.SQL, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	x := F("x")
	for _, l := range foldedLiterals {
		fold, fn := strings.ToLower, "tolower"
		if l.upper {
			fold, fn = strings.ToUpper, "toupper"
		}
		for _, op := range []string{"eq", "startswith", "endswith", "contains"} {
			t.Run(fmt.Sprintf("%s(%s(x),%q)", op, fn, l.lit), func(t *testing.T) {
				var want []string
				for _, v := range foldedTexts {
					s, ok := v.(string)
					if !ok {
						continue
					}
					f := fold(s)
					if map[string]bool{"eq": f == l.lit, "startswith": strings.HasPrefix(f, l.lit),
						"endswith": strings.HasSuffix(f, l.lit), "contains": strings.Contains(f, l.lit)}[op] {
						want = append(want, s)
					}
				}
				folded, _ := SQLite.Function(fn, []Fragment{x}, false)
				slow := Join(" = ", folded, F("?", l.lit)).Wrap("(", ")")
				if op != "eq" {
					slow, _ = SQLite.Function(op, []Fragment{folded, F("?", l.lit)}, false)
				}
				if got := matching(t, slow); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("folding path %s: got %q, want %q", slow.SQL, got, want)
				}
				fast, ok := SQLite.FoldedMatch(op, x, l.lit, l.upper)
				if ok != l.fast {
					t.Fatalf("FoldedMatch took it: %v, want %v", ok, l.fast)
				}
				if !ok {
					return
				}
				if got := matching(t, fast); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s %q: got %q, want %q", fast.SQL, fast.Args, got, want)
				}
			})
		}
	}
}
