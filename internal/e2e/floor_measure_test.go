package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// floorAnswer is a question's result in the form both the feed and SQLite
// give it, so that a wrong answer cannot pass for a fast one.
type floorAnswer struct {
	N    int64   // the count, or the number of rows
	Rows [][]any // the compared columns of each row (string, float64 or nil), when compared by content
}

func (a floorAnswer) String() string {
	if a.Rows == nil {
		return strconv.FormatInt(a.N, 10)
	}
	return fmt.Sprintf("%d rows", a.N)
}

// sameAnswer says how got differs from want, or nil. Rows are compared as
// sets (neither side promises an order the other keeps); numbers within a
// relative 1e-9, since an average summed in another order may differ in
// its last bits.
func sameAnswer(got, want floorAnswer) error {
	if got.N != want.N {
		return fmt.Errorf("%d, want %d", got.N, want.N)
	}
	if got.Rows == nil || want.Rows == nil {
		return nil
	}
	g, w := sortedRows(got.Rows), sortedRows(want.Rows)
	if len(g) != len(w) {
		return fmt.Errorf("%d compared rows, want %d", len(g), len(w))
	}
	for i := range g {
		if len(g[i]) != len(w[i]) {
			return fmt.Errorf("row %v, want %v", g[i], w[i])
		}
		for j := range g[i] {
			if !sameValue(g[i][j], w[i][j]) {
				return fmt.Errorf("row %v, want %v", g[i], w[i])
			}
		}
	}
	return nil
}

func sameValue(a, b any) bool {
	fa, aNum := a.(float64)
	fb, bNum := b.(float64)
	if aNum && bNum {
		return fa == fb || math.Abs(fa-fb) <= 1e-9*math.Max(math.Abs(fa), math.Abs(fb))
	}
	return a == b
}

// sortedRows orders rows by their text form (numbers rounded, so that two
// sides agreeing within the tolerance sort alike).
func sortedRows(rows [][]any) [][]any {
	type keyed struct {
		key string
		row []any
	}
	ks := make([]keyed, len(rows))
	for i, r := range rows {
		var b strings.Builder
		for _, v := range r {
			switch v := v.(type) {
			case float64:
				fmt.Fprintf(&b, "%.6g", v)
			case nil:
				b.WriteString("\x01null")
			default:
				fmt.Fprint(&b, v)
			}
			b.WriteByte(0)
		}
		ks[i] = keyed{b.String(), r}
	}
	slices.SortFunc(ks, func(x, y keyed) int { return strings.Compare(x.key, y.key) })
	out := make([][]any, len(ks))
	for i, k := range ks {
		out[i] = k.row
	}
	return out
}

// answerOfRows reads a question's answer from result rows (the feed's or
// sqlite3 -json's): the count in column n for the count modes and for an
// Answer SQL, else the rows and their compared columns.
func answerOfRows(q floorQuestion, rows []map[string]any, counted bool) (floorAnswer, error) {
	if counted {
		if len(rows) != 1 {
			return floorAnswer{}, fmt.Errorf("a count gave %d rows", len(rows))
		}
		n, ok := rows[0]["n"].(float64)
		if !ok {
			return floorAnswer{}, fmt.Errorf("a count gave %v", rows[0])
		}
		return floorAnswer{N: int64(n)}, nil
	}
	a := floorAnswer{N: int64(len(rows))}
	if q.Cols != nil {
		a.Rows = make([][]any, len(rows))
		for i, r := range rows {
			vals := make([]any, len(q.Cols))
			for j, c := range q.Cols {
				v, ok := r[c]
				if !ok {
					return floorAnswer{}, fmt.Errorf("a row has no %s: %v", c, r)
				}
				vals[j] = v
			}
			a.Rows[i] = vals
		}
	}
	return a, nil
}

// sqliteCLI runs the sqlite3 command-line shell and times it the issue's
// way: the process's wall time, minus that of `SELECT 1` run the same way
// on the same file (start-up, opening the file, reading its schema).
type sqliteCLI struct {
	path string
}

// run runs one statement with -json output to out and returns the wall
// time of the process.
func (c *sqliteCLI) run(db, stmt string, out io.Writer) (time.Duration, error) {
	cmd := exec.Command(c.path, "-readonly", "-json", db, stmt)
	cmd.Stdout = out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil || stderr.Len() > 0 {
		return 0, fmt.Errorf("sqlite3 %s: %v: %s", stmt, err, strings.TrimSpace(stderr.String()))
	}
	return d, nil
}

// query runs a statement and returns its rows.
func (c *sqliteCLI) query(db, stmt string) ([]map[string]any, error) {
	var out bytes.Buffer
	if _, err := c.run(db, stmt, &out); err != nil {
		return nil, err
	}
	if out.Len() == 0 {
		return nil, nil
	}
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		return nil, fmt.Errorf("sqlite3 -json output of %s: %v", stmt, err)
	}
	return rows, nil
}

// floorResolution is the smallest floor time reported: below it, the
// difference of two process times is noise.
const floorResolution = 100 * time.Microsecond

// floor is the median over runs of the statement's time minus that of
// SELECT 1, each run timing the two back to back (printing to /dev/null)
// so that the machine's other work weighs on both alike.
func (c *sqliteCLI) floor(db, stmt string, runs int) (time.Duration, error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return 0, err
	}
	defer devnull.Close()
	ds := make([]time.Duration, 0, runs)
	for range runs {
		base, err := c.run(db, "SELECT 1", devnull)
		if err != nil {
			return 0, err
		}
		d, err := c.run(db, stmt, devnull)
		if err != nil {
			return 0, err
		}
		ds = append(ds, d-base)
	}
	return max(median(ds), floorResolution), nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// floorFeed asks the feed questions as a client does: HTTP with
// keep-alive, JSON, every page.
type floorFeed struct {
	root   string            // service root, ending in /odata/
	tokens map[string]string // by token kind: all, one, bu
	client *http.Client
}

func newFloorFeed(root string, tokens map[string]string) *floorFeed {
	return &floorFeed{root: root, tokens: tokens,
		client: &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 2 * concurrentCopies}}}
}

// url turns a readable request into a URL: each query value escaped.
func (f *floorFeed) url(req string) string {
	path, q, ok := strings.Cut(req, "?")
	if !ok {
		return f.root + path
	}
	var parts []string
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, k+"="+url.PathEscape(v))
	}
	return f.root + path + "?" + strings.Join(parts, "&")
}

func (f *floorFeed) get(link, token string, prefer int) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, link, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if prefer > 0 {
		req.Header.Set("Prefer", "odata.maxpagesize="+strconv.Itoa(prefer))
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", link, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", link, resp.StatusCode, excerpt(body))
	}
	return body, nil
}

func excerpt(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// maxPages bounds a nextLink chain: far more than any question needs.
const maxPages = 100_000

// ask asks q and reads the answer. full decodes every row (the answer
// run); otherwise the rows are only counted, as cheaply as the mode
// allows (the timed runs, where the client shares two cores with the
// server).
func (f *floorFeed) ask(q floorQuestion, full bool) (floorAnswer, error) {
	token, ok := f.tokens[q.Token]
	if !ok {
		return floorAnswer{}, fmt.Errorf("no %s token", q.Token)
	}
	link := f.url(q.Req)
	switch q.Mode {
	case modeCount:
		body, err := f.get(link, token, q.Prefer)
		if err != nil {
			return floorAnswer{}, err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64)
		if err != nil {
			return floorAnswer{}, fmt.Errorf("GET %s: not a count: %s", link, excerpt(body))
		}
		return floorAnswer{N: n}, nil
	case modeCountTop0:
		body, err := f.get(link, token, q.Prefer)
		if err != nil {
			return floorAnswer{}, err
		}
		var page struct {
			Count *int64            `json:"@odata.count"`
			Value []json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(body, &page); err != nil || page.Count == nil {
			return floorAnswer{}, fmt.Errorf("GET %s: no @odata.count: %s", link, excerpt(body))
		}
		if len(page.Value) != 0 {
			return floorAnswer{}, fmt.Errorf("GET %s: $top=0 sent %d rows", link, len(page.Value))
		}
		return floorAnswer{N: *page.Count}, nil
	case modeExport:
		return f.export(link, token, q.Prefer, full)
	}
	var rows []map[string]any
	var n int64
	for pages := 0; link != ""; pages++ {
		if pages > maxPages {
			return floorAnswer{}, fmt.Errorf("%s: the nextLink chain does not end", q.Req)
		}
		body, err := f.get(link, token, q.Prefer)
		if err != nil {
			return floorAnswer{}, err
		}
		var next string
		if full {
			var page struct {
				Value    []map[string]any `json:"value"`
				NextLink string           `json:"@odata.nextLink"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				return floorAnswer{}, fmt.Errorf("GET %s: %v", link, err)
			}
			rows = append(rows, page.Value...)
			n += int64(len(page.Value))
			next = page.NextLink
		} else {
			rows, nl, err := countPage(body)
			if err != nil {
				return floorAnswer{}, fmt.Errorf("GET %s: %v", link, err)
			}
			n += rows
			next = nl
		}
		if q.Mode == modeFirstPage {
			break
		}
		link = next
	}
	if !full {
		return floorAnswer{N: n}, nil
	}
	return answerOfRows(q, rows, false)
}

// export follows the nextLink chain of a large set. Rows are found by a
// byte scan for the "id" member (a member name appears unescaped only as
// structure, and every row carries its key), as walkExport does; full
// also checks that no key comes twice (the count then proves nothing was
// skipped either) and decodes the first page with a real JSON parser to
// check the scan. Unlike walkExport, it assumes no order: the feed may
// page in storage order.
func (f *floorFeed) export(link, token string, prefer int, full bool) (floorAnswer, error) {
	var seen map[uint64]struct{}
	if full {
		seen = map[uint64]struct{}{}
	}
	var n int64
	for pages := 0; link != ""; pages++ {
		if pages > maxPages {
			return floorAnswer{}, errors.New("the export's nextLink chain does not end")
		}
		body, err := f.get(link, token, prefer)
		if err != nil {
			return floorAnswer{}, err
		}
		rows := int64(0)
		for rest := body; ; {
			i := bytes.Index(rest, idMember)
			if i < 0 {
				break
			}
			rest = rest[i+len(idMember):]
			end := bytes.IndexByte(rest, '"')
			if end < 0 {
				return floorAnswer{}, fmt.Errorf("GET %s: unterminated id", link)
			}
			if full {
				h := fnv.New64a()
				h.Write(rest[:end])
				k := h.Sum64()
				if _, dup := seen[k]; dup {
					return floorAnswer{}, fmt.Errorf("GET %s: key %s came twice (or two keys share a 64-bit hash)", link, rest[:end])
				}
				seen[k] = struct{}{}
			}
			rows++
		}
		if full && pages == 0 {
			var page struct {
				Value []json.RawMessage `json:"value"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				return floorAnswer{}, fmt.Errorf("GET %s: the page is not JSON: %v", link, err)
			}
			if int64(len(page.Value)) != rows {
				return floorAnswer{}, fmt.Errorf("GET %s: %d rows decoded, %d found by the scan", link, len(page.Value), rows)
			}
		}
		n += rows
		link = ""
		if i := bytes.LastIndex(body, nextLinkMember); i >= 0 {
			rest := body[i+len(nextLinkMember):]
			end := bytes.IndexByte(rest, '"')
			if end < 0 {
				return floorAnswer{}, errors.New("unterminated nextLink")
			}
			link = string(rest[:end])
		}
	}
	return floorAnswer{N: n}, nil
}

// resetPeak starts a new peak: VmHWM is reset through clear_refs (value 5,
// Linux 4.0 and later) and the sampled RssAnon peak is forgotten. It
// reports false when the kernel refused, in which case VmHWM is the
// process's peak so far.
func (s *server) resetPeak() bool {
	err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
	s.mu.Lock()
	s.anon = 0
	s.mu.Unlock()
	return err == nil
}

// peak reads the peaks since the last resetPeak.
func (s *server) peak() benchPeak {
	hwm, _ := procStatus(s.cmd.Process.Pid, "VmHWM")
	anon, _ := procStatus(s.cmd.Process.Pid, "RssAnon")
	s.mu.Lock()
	defer s.mu.Unlock()
	return benchPeak{hwm: hwm, anon: max(s.anon, anon)}
}

// ftsTimer times a MATCH on ccfeed's full-text index in-process, with the
// go-sqlite3 SQLite this binary links: the Debian sqlite3 shell (3.40)
// cannot open ccfeed's index, created with contentless_delete (3.43).
// There is no process to start, so nothing is subtracted.
type ftsTimer struct{ db *sql.DB }

func openFTSTimer(path string) (*ftsTimer, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &ftsTimer{db: db}, nil
}

func (t *ftsTimer) close() { t.db.Close() }

// run runs stmt and returns the number of rows, or the value of a single
// column n, and the time.
func (t *ftsTimer) run(stmt string) (int64, time.Duration, error) {
	start := time.Now()
	rows, err := t.db.Query(stmt)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var n, count int64
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, 0, err
		}
		count++
	}
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	d := time.Since(start)
	if len(cols) == 1 && cols[0] == "n" {
		return n, d, nil
	}
	return count, d, nil
}
