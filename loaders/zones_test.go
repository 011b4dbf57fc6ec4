package loaders_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/store"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A local time read for a tenant without a time zone fails the whole file,
// saying how to set the zone; a file whose times all carry an offset loads.
func TestLocalTimeNeedsZone(t *testing.T) {
	dir := t.TempDir()
	ino := writeFile(t, dir, "ino.csv", "Distribution date,Type,Messaging type,Sender,Queue,User,Interaction ID\n2024-06-03 10:00:00,Queue,WhatsApp,+33600000001,Q,,i-1\n")
	twLocal := writeFile(t, dir, "tw-local.csv", "event_type,event_subtype,event_time,conversation_id,ccid\ntwoway_webhook,channel_added,2024-06-03T10:00:00,c-1,P-1\n")
	twUTC := writeFile(t, dir, "tw-utc.csv", "event_type,event_subtype,event_time,conversation_id,ccid\ntwoway_webhook,channel_added,2024-06-03T10:00:00Z,c-2,P-2\n")
	bzLocal := writeFile(t, dir, "CampaignRecords.json", `{"@odata.context":"x/$metadata#CampaignRecords","value":[{"id":"r-1","createdAt":"2024-06-03T10:00:00"}]}`)
	bzUTC := writeFile(t, dir, "Calls.json", `{"@odata.context":"x/$metadata#Calls","value":[{"id":"c-1","startedAt":"2024-06-03T12:00:00","startedAtUTC":"2024-06-03T10:00:00Z"}]}`)
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	for _, c := range []struct {
		path, kind, line string
		ok               bool
	}{
		{ino, "", "line 2", false}, {twLocal, "", "line 2", false}, {twUTC, "", "", true},
		{bzLocal, loaders.KindBuzzeasy, "line 1", false}, {bzUTC, loaders.KindBuzzeasy, "", true},
	} {
		r := loaders.LoadFile(ctx, db, tenant, c.path, loaders.Options{Kind: c.kind})
		if c.ok {
			if r.Status != edm.LoadLoaded {
				t.Errorf("%s: %s %s, want loaded: its times carry offsets", r.File, r.Status, r.Message)
			}
			continue
		}
		if r.Status != edm.LoadFailed || !strings.Contains(r.Message, "ccfeed tenant --tenant acme --timezone") ||
			!strings.Contains(r.Message, "no time zone") || !strings.Contains(r.Message, c.line) {
			t.Errorf("%s: %s %q, want a failure naming the line and `ccfeed tenant --tenant acme --timezone`", r.File, r.Status, r.Message)
		}
	}
	if n, _ := countRows(db, "QueueSegments"); n != 0 {
		t.Errorf("%d ino rows kept from a failed file", n)
	}
	// With a zone, the same files load.
	if err := db.SetTenantTimezone(ctx, tenant, "Europe/Paris"); err != nil {
		t.Fatalf("the tenant's loads read no local time yet, so its zone may be set: %v", err)
	}
	for _, p := range []string{ino, twLocal, bzLocal} {
		if r := loaders.LoadFile(ctx, db, tenant, p, loaders.Options{Kind: map[string]string{bzLocal: loaders.KindBuzzeasy}[p]}); r.Status != edm.LoadLoaded {
			t.Errorf("%s with a zone: %s %s", r.File, r.Status, r.Message)
		}
	}
	// Another zone now would put those instants elsewhere: refused, with
	// the loads to repeat; the same zone again is fine.
	err := db.SetTenantTimezone(ctx, tenant, "America/New_York")
	var zerr *store.ZoneInUseError
	if !errors.As(err, &zerr) || zerr.Count != 3 || !strings.Contains(err.Error(), "ino.csv") ||
		!strings.Contains(err.Error(), "tw-local.csv") || !strings.Contains(err.Error(), "CampaignRecords.json") ||
		!strings.Contains(err.Error(), "Europe/Paris") || !strings.Contains(err.Error(), "new database") {
		t.Fatalf("changing the zone after local-time loads: %v, want a refusal listing the 3 loads and saying what to do", err)
	}
	if tz, _ := db.TenantTimezone(ctx, tenant); tz.String() != "Europe/Paris" {
		t.Errorf("the refused change left the zone at %s", tz)
	}
	if err := db.SetTenantTimezone(ctx, tenant, "Europe/Paris"); err != nil {
		t.Errorf("setting the same zone again: %v", err)
	}
	// A tenant whose loads all had offsets changes zone freely: its local
	// twins follow the UTC instants.
	if err := db.SetTenantTimezone(ctx, "utc-only", "UTC"); err != nil {
		t.Fatal(err)
	}
	if r := loaders.LoadFile(ctx, db, "utc-only", twUTC, loaders.Options{}); r.Status != edm.LoadLoaded {
		t.Fatal(r.Message)
	}
	if err := db.SetTenantTimezone(ctx, "utc-only", "Asia/Tokyo"); err != nil {
		t.Errorf("a tenant without local-time loads could not change zone: %v", err)
	}
}
