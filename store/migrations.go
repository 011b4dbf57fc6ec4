package store

import (
	"context"
	"database/sql"
)

// The numbered migrations (see SchemaVersion in schema.go).

func init() {
	migrations[1] = inoMessagesGroup
}

// inoMessagesGroup (version 1 -> 2): the ino loader once staged the rows of
// its messages export and of its distribution exports under the same group,
// the bare interaction id, so a distributions load read message rows it
// cannot decode and failed. Message rows now live in group "messages:<iid>"
// with keys prefixed "messages\x00"; this moves the rows staged before. A
// message row's key has the session start (digits) as its second field, a
// distribution row's the words true or false.
func inoMessagesGroup(ctx context.Context, tx *sql.Tx) error {
	var staging int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'ccfeed_staging'").Scan(&staging); err != nil || staging == 0 {
		return err
	}
	// Keys hold NUL separators, at which SQLite's text functions stop:
	// they are cut and joined as blobs.
	_, err := tx.ExecContext(ctx, `UPDATE ccfeed_staging
		SET grp = 'messages:' || grp,
		    record = CAST(CAST('messages' AS BLOB) || x'00' || CAST(record AS BLOB) AS TEXT)
		WHERE source = 'ino' AND grp NOT LIKE 'messages:%'
		  AND substr(CAST(record AS BLOB), instr(CAST(record AS BLOB), x'00') + 1, 1) BETWEEN x'30' AND x'39'`)
	return err
}
