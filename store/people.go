package store

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/ccfeed/ccfeed/edm"
	"strings"
)

// People (agents, customers) are not written by any one source. Each source's
// mention of a person is kept as its own row in ccfeed_mentions, keyed by the
// source and the source's natural key for the person, with what the source
// said (fields, encoded by the loaders) and the identifiers it gave
// (ccfeed_mention_ids). The loaders decide from all mentions which person each
// mention belongs to (the identity rule) and derive the Agents and Customers
// rows; the store only keeps mentions and moves rows between people.

func init() {
	extraTables = append(extraTables,
		`CREATE TABLE IF NOT EXISTS ccfeed_mentions (
			tenant  TEXT NOT NULL,
			kind    TEXT NOT NULL,
			mention TEXT NOT NULL,
			source  TEXT NOT NULL,
			person  TEXT NOT NULL,
			fields  BLOB NOT NULL,
			PRIMARY KEY (tenant, kind, mention)
		) WITHOUT ROWID`,
		`CREATE INDEX IF NOT EXISTS ix_mentions_person ON ccfeed_mentions (tenant, kind, person)`,
		// ident is "e:" + email, "p:" + phone, "v:" + a vendor customer id,
		// "n:" + a folded name (the loaders' vocabulary).
		`CREATE TABLE IF NOT EXISTS ccfeed_mention_ids (
			tenant  TEXT NOT NULL,
			kind    TEXT NOT NULL,
			ident   TEXT NOT NULL,
			mention TEXT NOT NULL,
			PRIMARY KEY (tenant, kind, ident, mention)
		) WITHOUT ROWID`,
		`CREATE INDEX IF NOT EXISTS ix_mention_ids_mention ON ccfeed_mention_ids (tenant, kind, mention)`,
	)
}

// PersonRef is a foreign key to a person as a fact row stores it: the
// person's key now (ID) and which mention of the person the source named
// (Mention, a hash of the mention's key). Row.Set writes both, into the
// foreign key column and its internal mention column. The zero PersonRef is
// no person: both columns NULL.
type PersonRef struct {
	ID      string
	Mention int64
}

// IsZero reports whether r names no person.
func (r PersonRef) IsZero() bool { return r.ID == "" }

// Mention is one source's mention of a person as stored.
type Mention struct {
	Kind    string // "agent" or "customer"
	Key     string // source + ":" + the source's natural key
	Source  string
	Person  string // key of the person the mention belongs to now
	Fields  []byte // what the source said, encoded by the loaders
	Idents  []string
	Present bool // read from the store (false: new)
}

// Mention reads one mention of the tenant, with its identifiers (not
// Present when the store lacks it).
func (lt *LoadTx) Mention(ctx context.Context, tenant, kind, key string) (Mention, error) {
	ms, err := lt.MentionsByKey(ctx, tenant, kind, []string{key})
	if err != nil {
		return Mention{}, err
	}
	if m, ok := ms[key]; ok {
		return m, nil
	}
	return Mention{Kind: kind, Key: key}, nil
}

// MentionsByKey reads the mentions of the given keys with their
// identifiers, by key; a key the store lacks has no entry. A load asks for
// the mentions a batch of records names that its cache lacks this way, one
// statement per few hundred keys instead of one per key (Mention).
func (lt *LoadTx) MentionsByKey(ctx context.Context, tenant, kind string, keys []string) (map[string]Mention, error) {
	out := make(map[string]Mention, len(keys))
	err := lt.inBatches(ctx, keys, func(ctx context.Context, part []string) error {
		// The list is padded with its last key to a power of two, so the
		// load prepares a few statements, not one per length.
		n := 1
		for n < len(part) {
			n *= 2
		}
		args := make([]any, 0, 2+n)
		args = append(args, tenant, kind)
		for i := range n {
			args = append(args, part[min(i, len(part)-1)])
		}
		// One statement for the mentions and their identifiers:
		// identifiers never contain NUL, so they travel joined by it.
		rows, err := lt.query(ctx, `SELECT m.mention, m.source, m.person, m.fields,
			(SELECT group_concat(ident, char(0)) FROM (SELECT ident FROM ccfeed_mention_ids AS i
				WHERE i.tenant = m.tenant AND i.kind = m.kind AND i.mention = m.mention ORDER BY ident))
			FROM ccfeed_mentions AS m WHERE m.tenant = ? AND m.kind = ? AND m.mention IN (`+placeholders(n)+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m := Mention{Kind: kind, Present: true}
			var idents sql.NullString
			if err := rows.Scan(&m.Key, &m.Source, &m.Person, &m.Fields, &idents); err != nil {
				return err
			}
			if idents.Valid && idents.String != "" {
				m.Idents = strings.Split(idents.String, "\x00")
			}
			out[m.Key] = m
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: reading mentions: %w", err)
	}
	return out, nil
}

// PutMention writes a new mention, or the fields of a stored one: a stored
// mention keeps its source (part of its key) and its person, which only
// SetMentionPerson changes. Leaving the person alone spares its index.
func (lt *LoadTx) PutMention(ctx context.Context, tenant string, m Mention) error {
	return lt.PutMentions(ctx, tenant, []Mention{m})
}

// PutMentions writes mentions as PutMention does, up to putBatch to a
// statement (a load writes a mention per new customer, and the fields of
// those a later record changed).
func (lt *LoadTx) PutMentions(ctx context.Context, tenant string, ms []Mention) error {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	for done := 0; done < len(ms); {
		n := putRows(len(ms) - done)
		args := make([]any, 0, 6*n)
		for _, m := range ms[done : done+n] {
			args = append(args, tenant, m.Kind, m.Key, m.Source, m.Person, m.Fields)
		}
		if _, err := lt.runBulk(ctx, `INSERT INTO ccfeed_mentions (tenant, kind, mention, source, person, fields) VALUES `+valueRows(6, n)+`
			ON CONFLICT (tenant, kind, mention) DO UPDATE SET fields = excluded.fields`,
			args); err != nil {
			return fmt.Errorf("store: writing mention: %w", err)
		}
		done += n
	}
	return nil
}

// SetMentionPerson records the person a mention belongs to now.
func (lt *LoadTx) SetMentionPerson(ctx context.Context, tenant, kind, key, person string) error {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	_, err = lt.exec(ctx, `UPDATE ccfeed_mentions SET person = ? WHERE tenant = ? AND kind = ? AND mention = ?`, person, tenant, kind, key)
	return err
}

// AddIdents records identifiers of a mention (those it already has are
// left as they are).
func (lt *LoadTx) AddIdents(ctx context.Context, tenant, kind, key string, idents []string) error {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	for _, id := range idents {
		if _, err := lt.exec(ctx, `INSERT OR IGNORE INTO ccfeed_mention_ids (tenant, kind, ident, mention) VALUES (?, ?, ?, ?)`,
			tenant, kind, id, key); err != nil {
			return fmt.Errorf("store: writing identifier: %w", err)
		}
	}
	return nil
}

// RemoveIdent drops an identifier of a mention (an agent's name, which is
// whatever the freshest statement says, so it can change).
func (lt *LoadTx) RemoveIdent(ctx context.Context, tenant, kind, key, ident string) error {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	_, err = lt.exec(ctx, `DELETE FROM ccfeed_mention_ids WHERE tenant = ? AND kind = ? AND ident = ? AND mention = ?`,
		tenant, kind, ident, key)
	return err
}

// MentionsWith returns, for each identifier, the keys of the mentions that
// carry it, at most limit+1 of them: a caller that sees more than limit
// knows the identifier is shared without reading every mention.
func (lt *LoadTx) MentionsWith(ctx context.Context, tenant, kind string, idents []string, limit int) (map[string][]string, error) {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, id := range idents {
		rows, err := lt.query(ctx, `SELECT mention FROM ccfeed_mention_ids WHERE tenant = ? AND kind = ? AND ident = ? ORDER BY mention LIMIT ?`,
			tenant, kind, id, limit+1)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = append(out[id], k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// IdentsOf returns the identifiers of each mention.
func (lt *LoadTx) IdentsOf(ctx context.Context, tenant, kind string, keys []string) (map[string][]string, error) {
	out := map[string][]string{}
	err := lt.inBatches(ctx, keys, func(ctx context.Context, part []string) error {
		args := append([]any{tenant, kind}, anys(part)...)
		rows, err := lt.query(ctx, `SELECT mention, ident FROM ccfeed_mention_ids WHERE tenant = ? AND kind = ? AND mention IN (`+
			placeholders(len(part))+`) ORDER BY mention, ident`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k, id string
			if err := rows.Scan(&k, &id); err != nil {
				return err
			}
			out[k] = append(out[k], id)
		}
		return rows.Err()
	})
	return out, err
}

// Mentions reads mentions by key (without identifiers).
func (lt *LoadTx) Mentions(ctx context.Context, tenant, kind string, keys []string) ([]Mention, error) {
	return lt.mentionsWhere(ctx, tenant, kind, "mention", keys)
}

// MentionsOf reads the mentions that belong to the given people.
func (lt *LoadTx) MentionsOf(ctx context.Context, tenant, kind string, persons []string) ([]Mention, error) {
	return lt.mentionsWhere(ctx, tenant, kind, "person", persons)
}

func (lt *LoadTx) mentionsWhere(ctx context.Context, tenant, kind, col string, vals []string) ([]Mention, error) {
	var out []Mention
	err := lt.inBatches(ctx, vals, func(ctx context.Context, part []string) error {
		args := append([]any{tenant, kind}, anys(part)...)
		rows, err := lt.query(ctx, `SELECT mention, source, person, fields FROM ccfeed_mentions WHERE tenant = ? AND kind = ? AND `+
			col+` IN (`+placeholders(len(part))+`) ORDER BY mention`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m := Mention{Kind: kind, Present: true}
			if err := rows.Scan(&m.Key, &m.Source, &m.Person, &m.Fields); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// inBatches calls fn for parts of vals small enough for one IN list.
func (lt *LoadTx) inBatches(ctx context.Context, vals []string, fn func(context.Context, []string) error) error {
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	const batch = 400
	for start := 0; start < len(vals); start += batch {
		if err := fn(ctx, vals[start:min(start+batch, len(vals))]); err != nil {
			return err
		}
	}
	return nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// DeleteRow deletes the row id of table t (a person no mention names any
// more). Rows Put still holds for t are written first.
func (lt *LoadTx) DeleteRow(ctx context.Context, set string, tenant, id string) error {
	s := lt.db.Model.Set(set)
	if s == nil {
		return fmt.Errorf("store: no set %s", set)
	}
	t := s.Type.Table
	ctx, err := stmtContext(ctx)
	if err != nil {
		return err
	}
	if err := lt.FlushTable(ctx, t); err != nil {
		return err
	}
	q := lt.db.Dialect.Quote
	res, err := lt.exec(ctx, "DELETE FROM "+q(t.Name)+" WHERE "+q("tenantId")+" = ? AND "+q("id")+" = ?", tenant, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		lt.counts(t).Deleted += int(n)
		if err := lt.touch(ctx, t, tenant); err != nil {
			return err
		}
	}
	return nil
}

// personColumns lists, per kind of person, the foreign keys that point at
// that kind of row and their mention columns.
func (db *DB) personColumns(kind string) []fkColumn {
	set := map[string]string{"agent": "Agents", "customer": "Customers"}[kind]
	var out []fkColumn
	seen := map[string]bool{}
	for _, t := range db.Model.Types {
		for _, n := range t.Navigations {
			if n.Collection || n.Target.Name != set || n.SourceProp.Ref == nil {
				continue
			}
			fk := n.SourceProp
			k := fk.Table().Name + "." + fk.Name
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, fkColumn{table: fk.Table().Name, fk: fk.Column(), ref: fk.Ref.Column(),
				modified: fk.Table().Column(edm.ModifiedColumn) != nil})
		}
	}
	return out
}

type fkColumn struct {
	table, fk, ref string
	modified       bool // the table has modifiedAtUTC
}

func (c fkColumn) String() string { return strings.Join([]string{c.table, c.fk}, ".") }
