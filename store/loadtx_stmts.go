package store

import (
	"context"
	"database/sql"
)

// A load runs the same few statements on people, moves and staging for
// every record: through the transaction unprepared, each call parsed and
// planned its SQL again (a fifth of a two-way load's time went to reading
// and writing customers' mentions). LoadTx keeps them prepared, by text,
// for the life of the transaction.

// maxLoadStmts bounds the cache: statements with IN lists differ by their
// number of placeholders, and there are only a few such sizes per load.
const maxLoadStmts = 256

// prepared returns the statement for query, prepared once per load.
func (lt *LoadTx) prepared(ctx context.Context, query string) (*sql.Stmt, bool, error) {
	if st, ok := lt.stmts[query]; ok {
		return st, true, nil
	}
	st, err := lt.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, false, err
	}
	if len(lt.stmts) >= maxLoadStmts {
		return st, false, nil // the caller closes it
	}
	if lt.stmts == nil {
		lt.stmts = map[string]*sql.Stmt{}
	}
	lt.stmts[query] = st
	return st, true, nil
}

// exec runs a statement of the load (ctx from stmtContext).
func (lt *LoadTx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, kept, err := lt.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	if !kept {
		defer st.Close()
	}
	return st.ExecContext(ctx, args...)
}

// queryRow reads one row; the caller scans it before the next statement.
func (lt *LoadTx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, kept, err := lt.prepared(ctx, query)
	if err != nil || !kept {
		if st != nil {
			st.Close()
		}
		return lt.tx.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// query reads rows; the caller closes them.
func (lt *LoadTx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, kept, err := lt.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	if !kept {
		st.Close()
		return lt.tx.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

// closeStmts releases the prepared statements.
func (lt *LoadTx) closeStmts() {
	for _, st := range lt.stmts {
		st.Close()
	}
	clear(lt.stmts)
}
