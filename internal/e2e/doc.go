// Package e2e holds end-to-end checks that run the feed the way outsiders
// meet it: an independent OData client generated from the served $metadata
// (odataclient_test.go) and the full-export benchmark against a separate
// ccfeed process (export_bench_test.go). It has no code of its own; the
// tests import the project's packages through internal/feedtest and start
// the ccfeed binary.
package e2e
