package store

import (
	"fmt"
	"sync"
	"time"
)

// What the engine's plan for a statement says, remembered per statement
// text for a minute: the plan depends on the text and on the statistics,
// which change after loads, not on the arguments.

// planHint is what a statement's plan tells the reader: whether it sorts
// (see readStoragePage), and whether it reads the rows of its filter
// block through an index that only narrows them to the scope (see
// scanInstead).
type planHint struct {
	sorts      bool
	scopeIndex bool
	// covered: the filter block is read from an index alone, never
	// looking a row up in the table.
	covered bool
	at      time.Time
}

// planHints remembers, per statement text, what its plan says.
type planHints struct {
	mu sync.Mutex
	m  map[string]planHint
}

// planHintAge is how long a plan's answer is trusted, and planHintsCap how
// many are kept (all are dropped when full).
const (
	planHintAge  = time.Minute
	planHintsCap = 1024
)

// planOf explains stmt, whose filter block has the alias alias and is
// narrowed to the scope by the columns scopeCols.
func (db *DB) planOf(c *readConn, stmt Fragment, alias string, scopeCols []string) (planHint, error) {
	h := &db.planHints
	now := time.Now()
	h.mu.Lock()
	hint, ok := h.m[stmt.SQL]
	h.mu.Unlock()
	if ok && now.Sub(hint.at) < planHintAge {
		return hint, nil
	}
	explain, cols := db.Dialect.Explain(db.Dialect.Rebind(stmt.SQL))
	var plan []string
	err := c.query(explain, stmt.Args, cols, func(row []any) error {
		plan = append(plan, fmt.Sprint(row[cols-1]))
		return nil
	})
	if err != nil {
		return planHint{}, err
	}
	hint = planHint{
		sorts:      db.Dialect.Sorts(plan),
		scopeIndex: alias != "" && db.Dialect.ScopeIndexOnly(plan, alias, scopeCols),
		covered:    alias != "" && db.Dialect.Covered(plan, alias),
		at:         now,
	}
	h.mu.Lock()
	if h.m == nil || len(h.m) >= planHintsCap {
		h.m = make(map[string]planHint)
	}
	h.m[stmt.SQL] = hint
	h.mu.Unlock()
	return hint, nil
}
