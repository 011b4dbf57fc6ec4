package store

import (
	"bytes"
	"context"
	"database/sql/driver"
	"fmt"
	"io"

	"github.com/ccfeed/ccfeed/query"
)

// rawQuery runs a read on a pooled connection's driver, past database/sql.
//
// database/sql starts a goroutine for every result set whose context can be
// cancelled, to close it when the context ends. On a small answer that
// goroutine, started and woken once per query, cost more than the query:
// on the two-core VM a request spent 40% of its CPU in the kernel switching
// threads. go-sqlite3 itself watches the context with context.AfterFunc (no
// goroutine) and interrupts the statement when it ends, so the deadline of
// a request still stops its query.
func (db *DB) rawQuery(ctx context.Context, sqlText string, args []any, ncols int, fn query.RowFunc) error {
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return fmt.Errorf("store: argument %d: %w", i+1, err)
		}
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("store: the driver cannot query directly")
		}
		rows, err := q.QueryContext(ctx, sqlText, named)
		if err != nil {
			return err
		}
		defer rows.Close()
		if n := len(rows.Columns()); n != ncols {
			return fmt.Errorf("store: query gives %d columns, want %d", n, ncols)
		}
		dest := make([]driver.Value, ncols)
		vals := make([]any, ncols)
		for {
			if err := rows.Next(dest); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			for i, v := range dest {
				// database/sql copies bytes it hands out, as the driver
				// may reuse them; do the same.
				if b, ok := v.([]byte); ok {
					v = bytes.Clone(b)
				}
				vals[i] = v
			}
			if err := fn(vals); err != nil {
				return err
			}
		}
	})
}
