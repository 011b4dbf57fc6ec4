package edm

// Admin sets: the load journal. They are hidden from tokens without the
// admin scope (a read token gets 404 for them, as for a set that does not
// exist).

// Load statuses.
const (
	LoadLoaded = "loaded"
	LoadFailed = "failed"
)

func declareAdmin(b *builder) {
	loads := b.table("Loads", "load",
		str("kind", "How the data came: file (ccfeed load or the drop folder), pull (a scheduled API pull) or demo (the demo data set a new database is filled with)."),
		str("fileName", "Name of the loaded file, or the endpoint of a pull."),
		str("checksum", "SHA-256 of the file's bytes, to recognise the same file loaded again."),
		i64("sizeBytes", "Size of the file in bytes."),
		str("status", "Outcome: loaded (the file is in the store; rejected lines are listed in LoadRejects) or failed (nothing of the file was kept)."),
		str("message", "For a failed load, what went wrong and where."),
		utc("startedAtUTC", "When the load started."),
		utc("finishedAtUTC", "When the load finished."),
		i64("rowsRead", "Records read from the file."),
		i64("inserted", "Rows added to the store."),
		i64("updated", "Rows changed in the store."),
		i64("unchanged", "Rows that were already in the store as they are."),
		i64("rejected", "Records refused; each is a LoadRejects row."),
	)
	s := b.entity(loads, "Loads", "Load",
		"Journal of loads: one row per file or pull, with its checksum, times and counts. Admin tokens only.",
		"One load of one file or pull.")
	s.AdminOnly = true

	rejects := b.table("LoadRejects", "rejected record",
		fk("loadId", "Load that refused the record; joins to Loads.id."),
		str("fileName", "File the record came from."),
		i64("line", "Line number of the record in the file (1 is the first line, the header of a CSV)."),
		str("field", "Field (column) at fault."),
		str("reason", "Why the record was refused."),
		str("excerpt", "The first characters of the offending raw value."),
	)
	s = b.entity(rejects, "LoadRejects", "LoadReject",
		"Records the loaders refused, with file, line, field and reason. Admin tokens only.",
		"One refused record.")
	s.AdminOnly = true
}

func declareAdminNavigations(b *builder) {
	b.many("Loads", "Rejects", "LoadRejects", "loadId", "Records this load refused.")
	b.one("LoadRejects", "Load", "Loads", "loadId", "Load that refused the record.")
}
