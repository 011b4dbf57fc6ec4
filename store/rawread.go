package store

import (
	"bytes"
	"context"
	"database/sql/driver"
	"fmt"
	"io"

	"github.com/ccfeed/ccfeed/query"
)

// Reads run on a pooled connection's driver, past database/sql.
//
// database/sql starts a goroutine for every result set whose context can be
// cancelled, to close it when the context ends, and each one costs thread
// wake-ups (on the two-core VM, 40% of a serving process's CPU was the
// kernel switching threads). Without it Agents?$top=100 over HTTP went from
// 460-488 to 431-459 µs (median). go-sqlite3 itself watches the context
// with context.AfterFunc (no goroutine) and interrupts the statement when
// it ends, so the deadline of a request still stops its query.

// readConn is one read connection's driver, for the statements of one
// request.
type readConn struct {
	ctx context.Context
	dc  any
}

// withRawConn runs fn on a read connection.
func (db *DB) withRawConn(ctx context.Context, fn func(*readConn) error) error {
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error { return fn(&readConn{ctx: ctx, dc: dc}) })
}

// inSnapshot runs fn in one read transaction, so that its statements see
// the database as of one moment, whatever commits in between.
func (c *readConn) inSnapshot(fn func() error) error {
	if err := c.exec("BEGIN"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		_ = c.exec("ROLLBACK")
		return err
	}
	return c.exec("COMMIT")
}

// exec runs a statement without arguments or rows, not cancelled by the
// request's context: it ends a transaction, which must happen even then.
func (c *readConn) exec(sqlText string) error {
	e, ok := c.dc.(driver.ExecerContext)
	if !ok {
		return fmt.Errorf("store: the driver cannot execute directly")
	}
	_, err := e.ExecContext(context.WithoutCancel(c.ctx), sqlText, nil)
	return err
}

// query runs sqlText and calls fn per row. The values are what database/sql
// would give a Scan into *any.
func (c *readConn) query(sqlText string, args []any, ncols int, fn query.RowFunc) error {
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return fmt.Errorf("store: argument %d: %w", i+1, err)
		}
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	q, ok := c.dc.(driver.QueryerContext)
	if !ok {
		return fmt.Errorf("store: the driver cannot query directly")
	}
	rows, err := q.QueryContext(c.ctx, sqlText, named)
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
			// database/sql copies bytes it hands out, as the driver may
			// reuse them; do the same.
			if b, ok := v.([]byte); ok {
				v = bytes.Clone(b)
			}
			vals[i] = v
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
}
