package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// A pull of an API source walks forward through time in windows. Its state
// is one row per (tenant, source name): where the last completed window
// ended, and the window in progress with the cursor of its next page. The
// puller saves it in the transaction that loads each page, so the rows of a
// page and the position after it commit together: a pull stopped at any
// point resumes at the first page not yet committed.

func init() {
	extraTables = append(extraTables,
		// Times are Unix milliseconds, as in the model's tables. win_to is
		// NULL when no window is in progress.
		`CREATE TABLE IF NOT EXISTS ccfeed_pull_state (
			tenant   TEXT NOT NULL,
			source   TEXT NOT NULL,
			done_to  INTEGER,
			win_from INTEGER,
			win_to   INTEGER,
			cursor   TEXT NOT NULL DEFAULT '',
			pages    INTEGER NOT NULL DEFAULT 0,
			saved_at INTEGER NOT NULL,
			PRIMARY KEY (tenant, source)
		) WITHOUT ROWID`,
	)
}

// PullState is where the pulls of one source stand.
type PullState struct {
	// DoneTo is the end of the last completed window (zero before the
	// first one completes).
	DoneTo time.Time
	// From and To are the window in progress (both zero when none is).
	From, To time.Time
	// Cursor is the API's cursor of the next page of the window in
	// progress ("" for its first page).
	Cursor string
	// Pages counts the pages of the window in progress already loaded.
	Pages int
	// Saved is when the state was last written (zero if never).
	Saved time.Time
}

// InProgress reports whether a window was started and not completed.
func (s PullState) InProgress() bool { return !s.To.IsZero() }

// Same reports whether two states describe the same position (Saved
// aside): a puller checks that nothing else moved the source meanwhile.
func (s PullState) Same(o PullState) bool {
	return s.DoneTo.Equal(o.DoneTo) && s.From.Equal(o.From) && s.To.Equal(o.To) &&
		s.Cursor == o.Cursor && s.Pages == o.Pages
}

const pullStateQuery = `SELECT done_to, win_from, win_to, cursor, pages, saved_at
	FROM ccfeed_pull_state WHERE tenant = ? AND source = ?`

// PullState reads the state of a source inside the load transaction.
func (lt *LoadTx) PullState(ctx context.Context, tenant, source string) (PullState, error) {
	return scanPullState(lt.queryRow(ctx, pullStateQuery, tenant, source))
}

// SavePullState writes the state of a source inside the load transaction,
// so it commits with the page the transaction loads.
func (lt *LoadTx) SavePullState(ctx context.Context, tenant, source string, s PullState) error {
	_, err := lt.exec(ctx, `INSERT INTO ccfeed_pull_state
		(tenant, source, done_to, win_from, win_to, cursor, pages, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, source) DO UPDATE SET done_to = excluded.done_to, win_from = excluded.win_from,
			win_to = excluded.win_to, cursor = excluded.cursor, pages = excluded.pages, saved_at = excluded.saved_at`,
		tenant, source, msOrNull(s.DoneTo), msOrNull(s.From), msOrNull(s.To), s.Cursor, s.Pages, s.Saved.UnixMilli())
	return err
}

// PullState reads the state of a source (the zero state for a source never
// pulled), for scheduling and reports.
func (db *DB) PullState(ctx context.Context, tenant, source string) (PullState, error) {
	return scanPullState(db.read.QueryRowContext(ctx, pullStateQuery, tenant, source))
}

func scanPullState(row *sql.Row) (PullState, error) {
	var done, from, to sql.NullInt64
	var saved int64
	var s PullState
	err := row.Scan(&done, &from, &to, &s.Cursor, &s.Pages, &saved)
	if errors.Is(err, sql.ErrNoRows) {
		return PullState{}, nil
	}
	if err != nil {
		return PullState{}, err
	}
	s.DoneTo, s.From, s.To, s.Saved = msTime(done), msTime(from), msTime(to), time.UnixMilli(saved).UTC()
	return s, nil
}

func msOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func msTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}
