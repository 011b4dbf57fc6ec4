package loaders_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
)

// The journal names every file by its SHA-256, whether it loaded or failed
// half way (the checksum is read beside the load, not before it).
func TestJournalChecksum(t *testing.T) {
	root := filepath.Join(feedtest.RepoRoot(t), "testdata", "twoway")
	db := feedtest.OpenDB(t)
	raw := openRO(t, db)
	for _, c := range []struct {
		file   string
		status string
	}{
		{filepath.Join(root, "rejects", "report.csv"), edm.LoadLoaded},
		{filepath.Join(root, "malformed", "report.csv"), edm.LoadFailed},
	} {
		b, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		res := loaders.LoadFile(context.Background(), db, "acme", c.file, loaders.Options{})
		if res.Status != c.status {
			t.Fatalf("%s: %s (%s), want %s", c.file, res.Status, res.Message, c.status)
		}
		var stored, status string
		if err := raw.QueryRow(`SELECT checksum, status FROM Loads WHERE id = ?`, res.LoadID).Scan(&stored, &status); err != nil {
			t.Fatalf("%s: journal row: %v", c.file, err)
		}
		if want := hex.EncodeToString(sum[:]); stored != want || res.Checksum != want {
			t.Fatalf("%s: checksum %s in the journal, %s in the result, want %s", c.file, stored, res.Checksum, want)
		}
		if status != c.status {
			t.Fatalf("%s: journal status %s, want %s", c.file, status, c.status)
		}
	}
}
