package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders/pull/pulltest"
)

const (
	syncSecret = "sync-s3cret-71b0e"
	wrongToken = "wr0ng-t0ken-5c2a9"
)

// syncFixture serves 25 records of the last hours and writes a sources
// file with tenant acme's source (right token) and tenant beta's (wrong
// token).
func syncFixture(t *testing.T) (sources, dbPath string) {
	t.Helper()
	pulltest.Register()
	now := time.Now().UTC()
	recs := make([]pulltest.Record, 25)
	for i := range recs {
		recs[i] = pulltest.Record{ID: fmt.Sprintf("r%02d", i), At: now.Add(-5*time.Hour + time.Duration(i)*10*time.Minute), Value: "v"}
	}
	srv := pulltest.NewServer(t, syncSecret, pulltest.NewClock(now), recs)
	t.Setenv("ACME_FAKE_TOKEN", syncSecret)
	t.Setenv("BETA_FAKE_TOKEN", wrongToken)
	dir := t.TempDir()
	sources = filepath.Join(dir, "sources.yaml")
	yml := fmt.Sprintf(`tenants:
  acme:
    sources:
      - kind: pulltest
        name: fake
        endpoint: %[1]s
        credential: {env: ACME_FAKE_TOKEN}
        lookback: 12h
        interval: 1m
        rate: 100/s
  beta:
    sources:
      - kind: pulltest
        name: fake
        endpoint: %[1]s
        credential: {env: BETA_FAKE_TOKEN}
        lookback: 12h
        interval: 1m
`, srv.URL)
	if err := os.WriteFile(sources, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath = filepath.Join(dir, "feed.db")
	createDB(t, dbPath)
	return sources, dbPath
}

// TestSyncCommand runs "ccfeed sync": one summary line per source, a
// non-zero exit when a source fails, and the secrets nowhere in the output.
func TestSyncCommand(t *testing.T) {
	sources, dbPath := syncFixture(t)
	ctx := context.Background()

	var out, errOut bytes.Buffer
	err := cmdSync(ctx, []string{"--db", dbPath, "--sources", sources, "--tenant", "acme"}, &out, &errOut)
	if err != nil {
		t.Fatalf("sync acme: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "ok      acme/fake (pulltest): 1 windows, 3 pages, 25 records (25 inserted") {
		t.Errorf("summary:\n%s", out.String())
	}
	if strings.Contains(out.String(), "beta") {
		t.Errorf("--tenant acme pulled another tenant:\n%s", out.String())
	}
	// Progress goes to stderr as pages load: the first page at once.
	if !strings.Contains(errOut.String(), "pulling acme/fake (pulltest): 1 pages, ") {
		t.Errorf("no progress line on stderr:\n%s", errOut.String())
	}

	out.Reset()
	err = cmdSync(ctx, []string{"--db", dbPath, "--sources", sources}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 sources failed") {
		t.Fatalf("sync all: err = %v, want 1 of 2 failed", err)
	}
	if !strings.Contains(out.String(), "ok      acme/fake") || !strings.Contains(out.String(), "FAILED  beta/fake") ||
		!strings.Contains(out.String(), "refused the credential") || !strings.Contains(out.String(), "env BETA_FAKE_TOKEN") {
		t.Errorf("summary:\n%s", out.String())
	}
	for _, text := range []string{out.String(), errOut.String(), err.Error()} {
		if strings.Contains(text, syncSecret) || strings.Contains(text, wrongToken) {
			t.Errorf("a secret is in the output: %s", text)
		}
	}
}

// TestSyncRefusesBadConfig: a mistake in the sources file is reported with
// its line, before any database is created.
func TestSyncRefusesBadConfig(t *testing.T) {
	pulltest.Register()
	dir := t.TempDir()
	sources := filepath.Join(dir, "sources.yaml")
	yml := "tenants:\n  acme:\n    sources:\n      - kind: pulltest\n        credential: inline-" + syncSecret + "\n"
	if err := os.WriteFile(sources, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "feed.db")
	var out bytes.Buffer
	err := cmdSync(context.Background(), []string{"--db", dbPath, "--sources", sources}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), sources+":5:21:") || strings.Contains(err.Error(), syncSecret) {
		t.Fatalf("err = %v, want the file and line without the secret", err)
	}
	if _, statErr := os.Stat(dbPath); statErr == nil {
		t.Error("a database was created for a bad sources file")
	}
	if err := cmdSync(context.Background(), []string{"--db", dbPath}, &out, &out); err == nil {
		t.Error("sync without --sources did not fail")
	}
}

// TestStartPulls schedules the sources as "ccfeed serve --sources" does:
// each run is one log line with its counts, the refused credential one
// error line, and no secret in any line.
func TestStartPulls(t *testing.T) {
	sources, _ := syncFixture(t)
	db := feedtest.OpenDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logBuf := &feedtest.SyncBuffer{}
	if err := startPulls(ctx, db, sources, zerolog.New(logBuf)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(logBuf.String(), `"message":"pull`) < 4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	log := logBuf.String()
	if !strings.Contains(log, `"tenant":"acme","source":"fake","kind":"pulltest","resumed":false,"windows":1,"pages":3,"records":25`) ||
		!strings.Contains(log, `"message":"pull"`) {
		t.Errorf("no run line for acme/fake:\n%s", log)
	}
	if !strings.Contains(log, `"level":"error"`) || !strings.Contains(log, "refused the credential") || !strings.Contains(log, `"message":"pull failed"`) {
		t.Errorf("no failure line for beta/fake:\n%s", log)
	}
	if strings.Count(log, `"message":"pull scheduled"`) != 2 {
		t.Errorf("want one scheduled line per source:\n%s", log)
	}
	if strings.Contains(log, syncSecret) || strings.Contains(log, wrongToken) || strings.Contains(log, `"value"`) {
		t.Errorf("a secret or data is in the log:\n%s", log)
	}
	if err := startPulls(ctx, db, filepath.Join(t.TempDir(), "missing.yaml"), zerolog.Nop()); err == nil {
		t.Error("a missing sources file did not fail")
	}
}
