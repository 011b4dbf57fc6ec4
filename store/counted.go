package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	"github.com/mattn/go-sqlite3"
)

// counted is a prepared data-changing statement run for the number of rows
// it changed: the INSERTs of Upsert, Put and StageMany.
//
// It runs as a query, not an Exec: go-sqlite3 binds a query's arguments and
// takes its first step in one cgo call, where Exec makes a call per argument
// (a tenth of a load's time with 500 arguments to a statement). The count is
// SQLite's changes() just after.
//
// Inside DB.Load it also bypasses database/sql, on the load's own
// connection (raw): database/sql converts and copies every argument of
// every call, which for these statements was more work than binding them,
// and most of a load's allocations.
type counted struct {
	sql *sql.Stmt   // outside DB.Load
	raw driver.Stmt // inside DB.Load
}

// prepareCounted prepares query as a counted statement.
func (w *Writer) prepareCounted(ctx context.Context, query string) (*counted, error) {
	if w.raw == nil {
		st, err := w.tx.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		return &counted{sql: st}, nil
	}
	st, err := w.raw.Prepare(query)
	if err != nil {
		return nil, err
	}
	return &counted{raw: st}, nil
}

func (c *counted) Close() error {
	if c.raw != nil {
		return c.raw.Close()
	}
	return c.sql.Close()
}

// runCounted runs st with args and returns how many rows it changed.
func (w *Writer) runCounted(ctx context.Context, st *counted, args []any) (int64, error) {
	if st.raw == nil {
		rows, err := st.sql.QueryContext(ctx, args...)
		if err != nil {
			return 0, err
		}
		if err := rows.Close(); err != nil {
			return 0, err
		}
		if w.changes == nil {
			if w.changes, err = w.tx.PrepareContext(ctx, "SELECT changes()"); err != nil {
				return 0, err
			}
		}
		var n int64
		err = w.changes.QueryRowContext(ctx).Scan(&n)
		return n, err
	}
	nv := w.named[:0]
	for i, a := range args {
		v, err := driverValue(a)
		if err != nil {
			return 0, fmt.Errorf("argument %d: %w", i+1, err)
		}
		nv = append(nv, driver.NamedValue{Ordinal: i + 1, Value: v})
	}
	w.named = nv
	// The load's context is not handed down: it was checked before this
	// statement (stmtContext), and a cancellable one would make go-sqlite3
	// watch it with a goroutine.
	if err := queryRaw(st.raw, nv, nil); err != nil {
		return 0, err
	}
	if w.rawChanges == nil {
		var err error
		if w.rawChanges, err = w.raw.Prepare("SELECT changes()"); err != nil {
			return 0, err
		}
	}
	dest := w.dest[:]
	if err := queryRaw(w.rawChanges, nil, dest); err != nil {
		return 0, err
	}
	n, ok := dest[0].(int64)
	if !ok {
		return 0, fmt.Errorf("store: changes() returned %T", dest[0])
	}
	return n, nil
}

// queryRaw runs a driver statement, reads its first row into dest (when
// dest is not nil) and resets it.
func queryRaw(st driver.Stmt, args []driver.NamedValue, dest []driver.Value) error {
	rows, err := st.(driver.StmtQueryContext).QueryContext(context.Background(), args)
	if err != nil {
		return err
	}
	if dest != nil {
		if err = rows.Next(dest); errors.Is(err, io.EOF) {
			err = nil
		}
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// driverValue is what database/sql would hand the driver for v (the store
// writes its own values, which are nearly always of the first cases).
func driverValue(v any) (driver.Value, error) {
	switch v.(type) {
	case nil, string, int64, float64, []byte, bool:
		return v, nil
	}
	return driver.DefaultParameterConverter.ConvertValue(v)
}

// rawConn returns the driver connection under conn.
func rawConn(conn *sql.Conn) (*sqlite3.SQLiteConn, error) {
	var raw *sqlite3.SQLiteConn
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("store: the write connection is a %T, not SQLite", dc)
		}
		raw = c
		return nil
	})
	return raw, err
}
