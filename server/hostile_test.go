package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// hostileValues are texts an attacker (or an unlucky user) puts where the
// feed expects a literal: SQL fragments, quotes, NUL, wildcards, regular
// expression traps, unicode tricks, invalid UTF-8, another tenant's name,
// internal table names, and sizes around and beyond the URL limit.
var hostileValues = []struct{ name, v string }{
	{"quote", "'"},
	{"doubled quote", "''"},
	{"quote in a name", "O'Brien"},
	{"or 1=1", "' OR 1=1 --"},
	{"or 1=1 parenthesised", "') OR ('1'='1"},
	{"drop table", "'); DROP TABLE Conversations; --"},
	{"drop keys", "x'; DELETE FROM ccfeed_keys; --"},
	{"union", "' UNION SELECT id, tenantId FROM Conversations WHERE tenantId='fabrikam' --"},
	{"other tenant", "fabrikam"},
	{"other tenant key", otherCall},
	{"tenant escape", "contoso' OR tenantId='fabrikam"},
	{"comment", "/* */ --"},
	{"statement end", ";"},
	{"double quote", `"`},
	{"backslash", `\`},
	{"percent text", "%00"},
	{"NUL", "a\x00b"},
	{"like wildcards", "%_%"},
	{"glob", "*[a-z]?"},
	{"regex trap", "(a+)+$"},
	{"bad regex", "(["},
	{"unicode", "Zoë Ñandú 東京 💥"},
	{"right-to-left override", "abc\u202edef"},
	{"invalid utf-8", "\xff\xfe"},
	{"sqlite_master", "sqlite_master"},
	{"parens and commas", "a),b('c"},
	{"alias-looking", "@p"},
	{"option-looking", "&$filter=true"},
	{"15 KB", strings.Repeat("Ab'", 5000)},
	{"100 KB", strings.Repeat("x", 100<<10)},
}

// odataString renders v as an OData string literal, quotes doubled.
func odataString(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// hostilePositions are the places a literal can go: QX becomes the value as
// an OData string literal (quotes doubled), RX the value as raw text where a
// hostile client would type it; both percent-encoded for the URL.
var hostilePositions = []struct {
	name string
	path string // below the service root
}{
	{"eq", "Conversations?$filter=customerLastName%20eq%20QX"},
	{"ne on tenantId", "Conversations?$filter=tenantId%20ne%20QX"},
	{"in list", "Conversations?$filter=tenantId%20in%20(QX,%27fabrikam%27)"},
	{"contains", "Conversations?$filter=contains(customerLastName,QX)"},
	{"startswith", "Messages?$filter=startswith(body,QX)"},
	{"endswith", "Customers?$filter=endswith(lastName,QX)"},
	{"indexof", "Conversations?$filter=indexof(QX,customerLastName)%20ge%200"},
	{"concat", "Conversations?$filter=concat(customerLastName,QX)%20eq%20QX"},
	{"tolower", "Conversations?$filter=tolower(QX)%20eq%20customerLastName"},
	{"substring", "Conversations?$filter=substring(QX,1)%20eq%20customerLastName"},
	{"length", "Conversations?$filter=length(QX)%20gt%20durationInSeconds"},
	{"matchesPattern", "Conversations?$filter=matchesPattern(customerLastName,QX)"},
	{"lambda body", "Conversations?$filter=Messages/any(m:m/body%20eq%20QX)"},
	{"navigation filter", "Conversations?$filter=Queue/name%20eq%20QX"},
	{"orderby expression", "Conversations?$orderby=concat(customerLastName,QX)&$top=5"},
	{"alias", "Conversations?$filter=customerLastName%20eq%20@p&@p=QX"},
	{"alias as function argument", "Conversations?$filter=contains(@p,customerLastName)&@p=QX"},
	{"key", "Conversations(QX)"},
	{"named key", "Conversations(id=QX)"},
	{"key, property", "Conversations(QX)/customerLastName/$value"},
	{"key, navigation", "Conversations(QX)/Messages"},
	{"key, navigation count", "Conversations(QX)/Messages/$count"},
	{"key of a navigation target", "Messages(QX)/Conversation"},
	{"count filter", "Conversations/$count?$filter=customerLastName%20eq%20QX"},
	{"expand filter", "Conversations?$top=3&$expand=Messages($filter=body%20eq%20QX)"},
	{"apply filter", "Conversations?$apply=filter(customerLastName%20eq%20QX)/aggregate($count%20as%20n)"},
	{"search quoted", "Messages?$search=%22RX%22"},
	{"search raw", "Messages?$search=RX"},
	{"raw in filter", "Conversations?$filter=customerLastName%20eq%20RX"},
	{"raw in orderby", "Conversations?$orderby=RX"},
	{"raw after orderby property", "Conversations?$orderby=customerLastName%20RX"},
	{"raw in select", "Conversations?$select=RX"},
	{"raw in top", "Conversations?$top=RX"},
	{"raw in skip", "Conversations?$skip=RX"},
	{"raw alias", "Conversations?$filter=customerLastName%20eq%20@p&@p=RX"},
	{"raw skiptoken", "Conversations?$skiptoken=RX"},
	{"raw key", "Conversations(RX)"},
	{"raw key segment", "Conversations/RX"},
	{"raw format", "Conversations?$format=RX"},
	{"raw custom option", "Conversations?RX=1"},
}

// escapeValue percent-encodes v for a URL query or path (spaces as %20).
func escapeValue(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "+", "%20") }

// dbState is what must not change during read-only requests: SQLite's
// data_version, read on one connection held for the test (it changes when
// any other connection commits anything), with the schema and the row
// count of every table to name what changed if it does.
type dbState struct {
	version int64
	tables  map[string]string
}

// watchDB holds a connection to db's file for the test and returns a
// function reading the current state.
func watchDB(t testing.TB, raw *sql.DB) func() dbState {
	t.Helper()
	conn, err := raw.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return func() dbState {
		t.Helper()
		ctx := context.Background()
		st := dbState{tables: map[string]string{}}
		if err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&st.version); err != nil {
			t.Fatal(err)
		}
		rs, err := conn.QueryContext(ctx, "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table'")
		if err != nil {
			t.Fatal(err)
		}
		schema := map[string]string{}
		for rs.Next() {
			var name, ddl string
			if err := rs.Scan(&name, &ddl); err != nil {
				t.Fatal(err)
			}
			schema[name] = ddl
		}
		rs.Close()
		for name, ddl := range schema {
			var n int64
			if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(name)).Scan(&n); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			st.tables[name] = fmt.Sprintf("%d rows, %s", n, ddl)
		}
		return st
	}
}

// sameDB fails with what changed between two states.
func sameDB(t testing.TB, before, after dbState) {
	t.Helper()
	if before.version != after.version {
		t.Errorf("the database was written during read-only requests (data_version %d -> %d)", before.version, after.version)
	}
	for k, v := range before.tables {
		if after.tables[k] != v {
			t.Errorf("table %s changed: %.80s -> %.80s", k, v, after.tables[k])
		}
	}
	for k := range after.tables {
		if _, ok := before.tables[k]; !ok {
			t.Errorf("table %s appeared", k)
		}
	}
}

// TestHostileLiterals puts each hostile value in each literal position and
// checks: never a 500, never a row or text of another tenant, an error body
// of the documented shape for every refusal, and a database left exactly
// as it was.
func TestHostileLiterals(t *testing.T) {
	db := isolationDB(t)
	f := feedtest.Start(t, db, feedtest.Options{})
	contoso := f.Token(t, ccfeed.ScopeRead, "contoso")
	// A search brings the full-text index up to date with rows written
	// before it (store.IndexText); do that first, so the check below sees
	// only what the requests themselves write.
	if _, err := db.IndexText(context.Background()); err != nil {
		t.Fatal(err)
	}
	// After start-up, which creates the signing key and deployment id.
	state := watchDB(t, rawDB(t, db))
	before := state()

	statuses := map[int]int{}
	for _, pos := range hostilePositions {
		t.Run(pos.name, func(t *testing.T) {
			for _, hv := range hostileValues {
				p := strings.ReplaceAll(pos.path, "QX", escapeValue(odataString(hv.v)))
				p = strings.ReplaceAll(p, "RX", escapeValue(hv.v))
				u := f.URL + p
				r := get(t, f, u, contoso)
				statuses[r.Status]++
				what := fmt.Sprintf("%s with %s (%d bytes of URL)", pos.name, hv.name, len(u))
				switch r.Status {
				case http.StatusOK, http.StatusNoContent, http.StatusBadRequest, http.StatusNotFound,
					http.StatusNotAcceptable, http.StatusNotImplemented:
				default:
					t.Errorf("%s: status %d: %.300s", what, r.Status, r.Body)
					if r.Status == http.StatusInternalServerError {
						t.Logf("server log: %s", lastLogLine(f))
					}
					continue
				}
				body := string(r.Body)
				if strings.Contains(body, `"tenantId":"fabrikam"`) || strings.Contains(body, `"tenantId":"northwind"`) ||
					strings.Contains(body, isoSecret) || strings.Contains(body, isoLeakMsg) {
					t.Errorf("%s: another tenant's data: %.300s", what, body)
				}
				if r.Status >= 400 {
					e := checkErrorBody(t, r, what)
					if e.Error.Code == ccfeed.EINTERNAL {
						t.Errorf("%s: internal error", what)
					}
					// A refusal quotes at most a bounded part of the input.
					if len(r.Body) > 4096 {
						t.Errorf("%s: error body of %d bytes echoes the input", what, len(r.Body))
					}
				}
			}
		})
	}
	t.Logf("statuses: %v", statuses)
	if statuses[http.StatusOK] == 0 || statuses[http.StatusBadRequest] == 0 {
		t.Errorf("statuses %v: the cases should both succeed and fail to parse", statuses)
	}
	// The feed still works, and the database is byte-for-byte the same.
	get(t, f, f.URL+"Conversations?$top=1", contoso).mustStatus(t, http.StatusOK, "after the hostile requests")
	sameDB(t, before, state())
}

// lastLogLine returns the last request log line of f (after the server has
// written it).
func lastLogLine(f *feedtest.Feed) string {
	for range 100 {
		lines := strings.Split(strings.TrimSpace(f.Log.String()), "\n")
		if l := lines[len(lines)-1]; strings.Contains(l, `"status":500`) {
			return l
		}
		time.Sleep(5 * time.Millisecond)
	}
	return "(not found)"
}

// TestHostileTenantNames checks that a token naming tenants built like SQL
// reads nothing: tenant names reach SQL only as arguments.
func TestHostileTenantNames(t *testing.T) {
	db := isolationDB(t)
	f := feedtest.Start(t, db, feedtest.Options{})
	f.SigningKey(t)
	state := watchDB(t, rawDB(t, db))
	before := state()
	for _, tenant := range []string{"' OR 1=1 --", "contoso' OR '1'='1", "fabrikam') OR ('1'='1", "%", "_", "", "*x", "contoso\x00"} {
		tok, _ := f.MintToken(t, ccfeed.ScopeRead, []string{"' OR 'a'='a"}, tenant)
		for _, p := range []string{"Conversations?$select=id,tenantId", "Conversations/$count", "Messages?$top=5", "Agents?$filter=Messages/any()"} {
			r := get(t, f, f.URL+p, tok)
			if r.Status != http.StatusOK {
				t.Errorf("tenant %q, %s: %d %.200s", tenant, p, r.Status, r.Body)
				continue
			}
			if b := strings.TrimSpace(string(r.Body)); b != "0" && strings.Contains(b, `"tenantId"`) {
				t.Errorf("tenant %q, %s: rows %.300s", tenant, p, b)
			} else if strings.HasSuffix(p, "$count") && b != "0" {
				t.Errorf("tenant %q, %s: count %s", tenant, p, b)
			}
		}
	}
	sameDB(t, before, state())
}
