// Package e2e holds end-to-end checks that run the feed the way outsiders
// meet it: an independent OData client generated from the served $metadata
// (odataclient_test.go), the full-export benchmark against a separate
// ccfeed process (export_bench_test.go) and the floor benchmark, which
// holds the feed to the sqlite3 shell on ccfeed's file and on plain
// reference tables (floor_bench_test.go). It has no code of its own; the
// tests import the project's packages through internal/feedtest and start
// the ccfeed binary.
package e2e
