package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// logLine is one request log line.
type logLine struct {
	Level   string   `json:"level"`
	Message string   `json:"message"`
	Method  string   `json:"method"`
	Status  *int     `json:"status"`
	MS      *float64 `json:"ms"`
	Rows    *int64   `json:"rows"`
	Bytes   *int64   `json:"bytes"`
	Set     string   `json:"set"`
	Target  string   `json:"target"`
	Path    string   `json:"path"`
	Options []string `json:"options"`
	Error   string   `json:"error"`
}

// waitLog waits until the log holds n lines: the server writes a request's
// line after its handler returns, which can be just after the client has
// read the body.
func waitLog(t *testing.T, f *feedtest.Feed, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines := strings.Split(strings.TrimSpace(f.Log.String()), "\n")
		if f.Log.String() == "" {
			lines = nil
		}
		if len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRequestLog checks the request log: one JSON line per request with
// status, duration, rows and bytes, and never a literal value from the
// query, a key, or the credential.
func TestRequestLog(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)

	// Literal values that must never reach the log: a name, a phone
	// number, a key, an e-mail address and text in an error message.
	secrets := []string{"Zyxwvut", "5551000030", "secret-key-777", "jane.doe@example.com", "Qwerty-Literal", tok}
	type req struct {
		url     string
		token   string
		headers []string
		status  int
		rows    int64 // -1: do not check
		set     string
	}
	reqs := []req{
		{url: f.URL + "Conversations?$select=id,customerLastName&$filter=customerLastName%20eq%20%27Zyxwvut%27%20or%20customerPhoneNumber%20eq%20%27%2B15551000030%27", token: tok, status: 200, rows: -1, set: "Conversations"},
		{url: f.URL + "Conversations?$select=id&$top=7&$orderby=startedAtUTC%20desc", token: tok, status: 200, rows: 7, set: "Conversations"},
		{url: f.URL + "Conversations?$select=id&$top=7", token: tok, headers: []string{"Accept-Encoding", "gzip"}, status: 200, rows: 7, set: "Conversations"},
		{url: f.URL + "Conversations('contoso:demo:secret-key-777')", token: tok, status: 404, rows: 0, set: "Conversations"},
		{url: f.URL + "Conversations('contoso:demo:secret-key-777')/Messages", token: tok, status: 404, rows: 0, set: "Messages"},
		{url: f.URL + "Conversations?$filter=customerEmailAddress%20eq%20%27jane.doe%40example.com%27", token: tok, status: 200, rows: 0, set: "Conversations"},
		{url: f.URL + "Conversations?$filter=durationInSeconds%20eq%20%27Qwerty-Literal%27", token: tok, status: 400, rows: 0},
		{url: f.URL + "Conversations/$count?$filter=customerLastName%20eq%20%27Zyxwvut%27", token: tok, status: 200, rows: 0, set: "Conversations"},
		{url: f.URL + "Conversations('" + convKey + "')", token: tok, status: 200, rows: 1, set: "Conversations"},
		{url: f.URL + "Conversations", token: "", status: 401, rows: 0},
		{url: f.Base + "/nowhere/secret-key-777", token: tok, status: 404, rows: 0},
		{url: f.URL + "$metadata", token: tok, status: 200, rows: 0},
	}
	var bodies [][]byte
	for _, q := range reqs {
		r := get(t, f, q.url, q.token, q.headers...)
		if r.Status != q.status {
			t.Fatalf("GET %s: status %d, want %d: %.300s", q.url, r.Status, q.status, r.Body)
		}
		bodies = append(bodies, r.Body)
	}
	lines := waitLog(t, f, len(reqs))
	if len(lines) != len(reqs) {
		t.Fatalf("%d log lines for %d requests:\n%s", len(lines), len(reqs), f.Log.String())
	}
	log := f.Log.String()
	for _, s := range secrets {
		if strings.Contains(log, s) {
			t.Errorf("the request log contains the literal %q:\n%s", s, log)
		}
	}
	for i, line := range lines {
		var l logLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Errorf("line %d is not JSON: %v: %s", i, err, line)
			continue
		}
		q := reqs[i]
		if l.Message != "request" || l.Method != http.MethodGet {
			t.Errorf("line %d: message %q method %q", i, l.Message, l.Method)
		}
		if l.Status == nil || *l.Status != q.status {
			t.Errorf("line %d (%s): status %v, want %d", i, q.url, l.Status, q.status)
		}
		if l.MS == nil || *l.MS < 0 {
			t.Errorf("line %d: ms %v", i, l.MS)
		}
		if l.Rows == nil || (q.rows >= 0 && *l.Rows != q.rows) {
			t.Errorf("line %d (%s): rows %v, want %d", i, q.url, l.Rows, q.rows)
		}
		if l.Bytes == nil || *l.Bytes <= 0 {
			t.Errorf("line %d: bytes %v, want the body size", i, l.Bytes)
		}
		if q.set != "" && l.Set != q.set {
			t.Errorf("line %d (%s): set %q, want %q", i, q.url, l.Set, q.set)
		}
		if q.status >= 400 && l.Error == "" && q.status != 500 {
			t.Errorf("line %d (%s): no error code logged for a %d", i, q.url, q.status)
		}
		// Bytes counts the body as the handler wrote it, before gzip.
		if l.Bytes != nil && int64(len(bodies[i])) != *l.Bytes {
			t.Errorf("line %d (%s): bytes %d, body %d", i, q.url, *l.Bytes, len(bodies[i]))
		}
	}
	// The first request read rows through the filter: the log names the
	// options, not their values.
	var first logLine
	_ = json.Unmarshal([]byte(lines[0]), &first)
	if strings.Join(first.Options, ",") != "$select,$filter" {
		t.Errorf("options %v, want [$select $filter]", first.Options)
	}
}
