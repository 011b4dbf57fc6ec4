package twoway

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
)

// A batch says each agent once, with the freshest of its statements that
// differ only in freshness (sayAgents). What the agent's row shows must
// still be what the freshest statement of every file says, in either load
// order: the first report names the agent as an agent on the 1st and the
// 3rd, the second as a supervisor on the 2nd, so the agent stays an agent.
func TestAgentFreshestAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	line := func(conv, at, roles string) string {
		f := make([]string, len(Header))
		f[0], f[1], f[2], f[3], f[4] = "ann@x.example", "Ann", "Lee", roles, "Team A"
		f[5], f[6], f[7], f[8] = "P-1", "Pat", "Ient", "pg-1"
		f[9], f[10], f[11], f[13], f[17], f[20], f[22] = "twoway_webhook", "member_added", at, "CH1", conv, "false", "open"
		return strings.Join(f, ",") + "\n"
	}
	write := func(name string, lines ...string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(Header, ",")+"\n"+strings.Join(lines, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := write("first.csv", line("conv-a", "2025-01-01T10:00:00.000Z", "Agent"), line("conv-b", "2025-01-03T10:00:00.000Z", "Agent"))
	second := write("second.csv", line("conv-c", "2025-01-02T10:00:00.000Z", "Supervisor"))
	var dumps []map[string][]string
	for _, order := range [][]string{{first, second}, {second, first}} {
		db := openStore(t)
		for _, f := range order {
			if res := loaders.LoadFile(context.Background(), db, "acme", f, loaders.Options{Kind: loaders.KindTwoWay}); res.Status != edm.LoadLoaded {
				t.Fatalf("%s: %s", f, res.Message)
			}
		}
		var roles string
		if err := rawDB(t, db).QueryRow(`SELECT roles FROM Agents`).Scan(&roles); err != nil {
			t.Fatal(err)
		}
		if roles != "Agent" {
			t.Errorf("loaded %s then %s: the agent's roles are %q, want Agent (said on the 3rd, after Supervisor on the 2nd)",
				filepath.Base(order[0]), filepath.Base(order[1]), roles)
		}
		dumps = append(dumps, dump(t, db))
	}
	if !reflect.DeepEqual(dumps[0], dumps[1]) {
		t.Error("the two load orders give other rows")
	}
}
