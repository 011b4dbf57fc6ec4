// Package dbdump reads tables whole, for tests that require two databases
// to hold the same rows.
package dbdump

import (
	"database/sql"
	"fmt"
	"strings"
)

// Rows returns every row of table, ordered by id, each as one line of
// "column=value;" pairs. The internal row id (rid) and the time a row was
// written (modifiedAtUTC) are left out: two databases loaded the same way
// may number their rows differently, and were loaded at different times.
func Rows(db *sql.DB, table string) ([]string, error) {
	rows, err := db.Query(`SELECT * FROM "` + strings.ReplaceAll(table, `"`, `""`) + `" ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		var line strings.Builder
		for i, c := range cols {
			if c != "rid" && c != "modifiedAtUTC" {
				fmt.Fprintf(&line, "%s=%v;", c, vals[i])
			}
		}
		out = append(out, line.String())
	}
	return out, rows.Err()
}
