package pull_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/loaders"
	_ "github.com/ccfeed/ccfeed/loaders/all"
	"github.com/ccfeed/ccfeed/loaders/pull"
	"github.com/ccfeed/ccfeed/loaders/pull/pulltest"
)

// TestSyncVendorsThrough429And503 pulls each vendor's API with a 429
// (Retry-After: 7) and a 503 in the middle of the paging: the pull waits
// what Retry-After asks, backs off after the 503, and loads every record
// exactly once, one journal row per page, the windows marked complete. A
// second run, 15 minutes later, re-reads the overlap and adds what is new
// without a duplicate row.
func TestSyncVendorsThrough429And503(t *testing.T) {
	for _, v := range vendors() {
		t.Run(v.kind, func(t *testing.T) {
			started := time.Now()
			f := newVendorFixture(t, v, v.secret)
			f.api.setFault(func(h hit) *pulltest.Fault {
				switch {
				case h.Attempt > 1:
					return nil
				case h.Seq == v.faults[0]:
					return &pulltest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "7", Body: `{"error":"rate limit exceeded"}`}
				case h.Seq == v.faults[1]:
					return &pulltest.Fault{Status: http.StatusServiceUnavailable, Body: "<html><body>503 Service Unavailable</body></html>"}
				}
				return nil
			})
			rep := f.sync(context.Background())
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			hits := f.api.Hits()
			npages, pages, ids := served(hits)
			for p, n := range pages {
				if n != 1 {
					t.Errorf("page %q served %d times in one run", p, n)
				}
			}
			up := f.api.upstream()
			for _, r := range up {
				if r.Raw == nil && ids[r.ID] != 1 {
					t.Errorf("record %s served %d times, want once", r.ID, ids[r.ID])
				}
			}
			meta := len(hits) - npages - 2 // $metadata reads, one per window
			if rep.Pages != npages || rep.Retries != 2 || rep.Requests != int64(len(hits)) {
				t.Errorf("report: %d pages, %d requests, %d retries; the API served %d pages to %d requests, 2 of them refused",
					rep.Pages, rep.Requests, rep.Retries, npages, len(hits))
			}

			// The retries: the request after the 429 came at least the 7
			// seconds it asked for later, the one after the 503 after a
			// backoff of 0.5 to 1 s.
			var faulted []string
			for i, h := range hits {
				if h.Status != http.StatusTooManyRequests && h.Status != http.StatusServiceUnavailable {
					continue
				}
				faulted = append(faulted, fmt.Sprintf("%d on %q", h.Status, h.Page))
				if i+1 >= len(hits) || hits[i+1].Page != h.Page || hits[i+1].Attempt != 2 {
					t.Errorf("request %d (HTTP %d) was not retried next", i+1, h.Status)
					continue
				}
				gap := hits[i+1].At.Sub(h.At)
				if h.Status == http.StatusTooManyRequests && gap < 7*time.Second {
					t.Errorf("retry after the 429 came %s later; Retry-After asked for 7s", gap)
				}
				if h.Status == http.StatusServiceUnavailable && (gap < 500*time.Millisecond || gap > 1100*time.Millisecond) {
					t.Errorf("retry after the 503 came %s later, want a backoff of 0.5-1s", gap)
				}
			}
			if len(faulted) != 2 {
				t.Errorf("faults served: %v, want a 429 and a 503", faulted)
			}
			var slept7 bool
			for _, d := range f.clock.Sleeps() {
				slept7 = slept7 || d == 7*time.Second
			}
			if !slept7 {
				t.Errorf("sleeps %v: none is the 7s Retry-After asked for", f.clock.Sleeps())
			}

			// Every record once: the store is what loading the records as
			// files gives, and each main row is one record.
			want := oracle(t, f.api, up)
			got := snapshot(t, f.db)
			sameContent(t, got, want)
			for set, n := range landed(v, up) {
				if c := countRows(t, f.db, set); c != n {
					t.Errorf("%s: %d rows, the API served %d records", set, c, n)
				}
			}
			if ins := checkJournal(t, f, npages); ins != totalRows(got) {
				t.Errorf("the journal inserted %d rows, the store holds %d: a row was inserted twice or not counted", ins, totalRows(got))
			}
			for _, r := range journal(t, f.db) {
				if r.Status != edm.LoadLoaded {
					t.Errorf("journal row %+v: a retried page must not leave a failed row", r)
				}
			}
			st, err := f.db.PullState(context.Background(), "acme", f.src.Config.Name)
			if err != nil {
				t.Fatal(err)
			}
			doneTo := t0.Add(-time.Minute)
			if st.InProgress() || !st.DoneTo.Equal(doneTo) || !rep.DoneTo.Equal(doneTo) {
				t.Errorf("state %+v (report: complete to %s), want complete to %s", st, rep.DoneTo, doneTo)
			}
			t.Logf("first run: %d windows, %d pages, %d $metadata reads, %d requests (%d retries: %s), %d records, %d rows; fake time %s, wall %s",
				rep.Windows, rep.Pages, meta, rep.Requests, rep.Retries, strings.Join(faulted, ", "), rep.Records, totalRows(got),
				f.clock.Now().Sub(t0).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))

			// Second run: new records arrived; the overlap reads again the
			// last two hours before doneTo.
			f.api.setFault(nil)
			fresh := v.fresh()
			f.api.put(fresh...)
			before := len(hits)
			f.clock.Advance(15 * time.Minute)
			end2 := f.clock.Now().Add(-time.Minute).Truncate(time.Second)
			rep2 := f.sync(context.Background())
			if rep2.Err != nil {
				t.Fatal(rep2.Err)
			}
			hits2 := f.api.Hits()[before:]
			npages2, pages2, ids2 := served(hits2)
			for p, n := range pages2 {
				if n != 1 {
					t.Errorf("second run: page %q served %d times", p, n)
				}
			}
			var reread, inOverlap int
			for _, r := range up {
				if r.Raw == nil && !r.At.Before(doneTo.Add(-2*time.Hour)) && r.At.Before(doneTo) {
					inOverlap++
					reread += ids2[r.ID]
				}
			}
			for _, r := range fresh {
				if ids2[r.ID] != 1 {
					t.Errorf("second run: new record %s served %d times, want once", r.ID, ids2[r.ID])
				}
			}
			if inOverlap == 0 || reread != inOverlap {
				t.Errorf("second run re-read %d of the %d records of the overlap", reread, inOverlap)
			}
			want2 := oracle(t, f.api, f.api.upstream())
			got2 := snapshot(t, f.db)
			sameContent(t, got2, want2)
			if rep2.Unchanged == 0 || rep2.Inserted != totalRows(got2)-totalRows(got) {
				t.Errorf("second run: %d inserted, %d updated, %d unchanged; want the %d new rows inserted and the re-read ones unchanged",
					rep2.Inserted, rep2.Updated, rep2.Unchanged, totalRows(got2)-totalRows(got))
			}
			if ins := checkJournal(t, f, npages+npages2); ins != totalRows(got2) {
				t.Errorf("after two runs the journal inserted %d rows, the store holds %d", ins, totalRows(got2))
			}
			st, _ = f.db.PullState(context.Background(), "acme", f.src.Config.Name)
			if st.InProgress() || !st.DoneTo.Equal(end2) {
				t.Errorf("state after the second run %+v, want complete to %s", st, end2)
			}
			t.Logf("second run: %d pages, %d records read (%d of them the overlap's %d), %d inserted, %d unchanged",
				rep2.Pages, rep2.Records, reread, inOverlap, rep2.Inserted, rep2.Unchanged)
		})
	}
}

// TestSyncVendorsResumeAfterCancel cancels each vendor's pull while the API
// answers its third page: the pages before it stay, with the cursor after
// them; the next run asks for that page first, and ends with every record
// once.
func TestSyncVendorsResumeAfterCancel(t *testing.T) {
	for _, v := range vendors() {
		t.Run(v.kind, func(t *testing.T) {
			f := newVendorFixture(t, v, v.secret)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stopped hit
			f.api.setOnHit(func(h hit) {
				if h.Seq == 3 && h.Attempt == 1 {
					stopped = h
					cancel()
				}
			})
			rep := f.sync(ctx)
			if !errors.Is(rep.Err, context.Canceled) {
				t.Fatalf("err = %v, want an interruption", rep.Err)
			}
			st, err := f.db.PullState(context.Background(), "acme", f.src.Config.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !st.InProgress() || st.Pages != 2 {
				t.Fatalf("state after the cancel %+v: want the window in progress after two pages", st)
			}
			// What the two committed pages carried is stored, no more.
			var committed []rec
			byID := map[string]rec{}
			for _, r := range f.api.upstream() {
				byID[r.ID] = r
			}
			for _, h := range f.api.Hits() {
				if h.Status == http.StatusOK && h.Seq < 3 {
					for _, id := range h.Records {
						committed = append(committed, byID[id])
					}
				}
			}
			for set, n := range landed(v, committed) {
				if c := countRows(t, f.db, set); c != n {
					t.Errorf("%s: %d rows after the cancel, want the %d of the committed pages", set, c, n)
				}
			}
			j := journal(t, f.db)
			if last := j[len(j)-1]; last.Status != edm.LoadFailed || !strings.Contains(last.Message, "interrupted") || !strings.HasSuffix(last.File, "page 3") {
				t.Errorf("last journal row %+v: want page 3 failed as interrupted", last)
			}

			f.api.setOnHit(nil)
			before := len(f.api.Hits())
			f.clock.Advance(15 * time.Minute)
			rep = f.sync(context.Background())
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			hits := f.api.Hits()
			if first := hits[before]; first.Page != stopped.Page {
				t.Errorf("the second run asked first for %q, want the interrupted page %q", first.Page, stopped.Page)
			}
			if !rep.Resumed {
				t.Error("the report does not say the run resumed a window")
			}
			n, _, _ := served(hits)
			got := snapshot(t, f.db)
			sameContent(t, got, oracle(t, f.api, f.api.upstream()))
			// The interrupted page was answered, but not kept.
			if ins := checkJournal(t, f, n-1); ins != totalRows(got) {
				t.Errorf("the journal inserted %d rows, the store holds %d: a row was lost or inserted twice", ins, totalRows(got))
			}
			t.Logf("cancelled at %q after 2 pages; the resumed run loaded %d pages, %d rows in all", stopped.Page, rep.Pages, totalRows(got))
		})
	}
}

// TestSyncVendorsRefusedCredential: each vendor answering 401 ends the pull
// at its first request, without a retry, with one failed journal row that
// says the credential was refused and where it comes from; the secret is in
// no message, journal row, summary or log line, in any of its forms.
func TestSyncVendorsRefusedCredential(t *testing.T) {
	for _, v := range vendors() {
		t.Run(v.kind, func(t *testing.T) {
			wrong := "wr0ng-" + v.secret[len(v.secret)/2:]
			if v.kind == loaders.KindCxEngage {
				wrong = "apikey-3b7d:wr0ngPassw0rd-22"
			}
			f := newVendorFixture(t, v, wrong)
			rep := f.sync(context.Background())
			var ce *loaders.CredentialError
			if !errors.As(rep.Err, &ce) || ce.Status != http.StatusUnauthorized {
				t.Fatalf("err = %v, want a CredentialError for HTTP 401", rep.Err)
			}
			if hits := f.api.Hits(); len(hits) != 1 {
				t.Errorf("%d requests: a refused credential must end the pull at once", len(hits))
			}
			j := journal(t, f.db)
			if len(j) != 1 || j[0].Status != edm.LoadFailed || j[0].Kind != loaders.JournalPull || j[0].Source != v.kind {
				t.Fatalf("journal %+v: want one failed pull row", j)
			}
			for _, msg := range []string{j[0].Message, rep.Err.Error()} {
				if !strings.Contains(msg, "refused the credential") || !strings.Contains(msg, "env "+v.env) {
					t.Errorf("message %q: want it to say the credential was refused and that it comes from env %s", msg, v.env)
				}
			}
			if rows := totalRows(snapshot(t, f.db)); rows != 0 {
				t.Errorf("%d rows loaded with a refused credential", rows)
			}
			var logged bytes.Buffer
			pull.LogReport(zerolog.New(&logged), rep)
			sum := pull.Summary([]pull.Report{rep})
			forms := []string{wrong, base64.StdEncoding.EncodeToString([]byte(wrong)), url.QueryEscape(wrong)}
			if _, pass, ok := strings.Cut(wrong, ":"); ok {
				forms = append(forms, pass)
			}
			for where, text := range map[string]string{"journal": j[0].Message + " " + j[0].File, "error": rep.Err.Error(), "summary": sum, "log": logged.String()} {
				for _, form := range forms {
					if strings.Contains(text, form) {
						t.Errorf("the secret (as %q) appears in the %s: %s", form, where, text)
					}
				}
			}
			t.Logf("%s", strings.TrimSpace(sum))
		})
	}
}

// TestSyncVendorsRecordsArrivingWhilePaging: two records of the last hour
// appear upstream (reported late by the vendor) while the pull reads the
// page holding the most recent records. CxEngage lists newest first, so
// they land on a page already read and its later pages shift, repeating
// records; LivePerson and Buzzeasy add them after the page being read. A
// run may miss them, but never stores a record twice, and the next run's
// overlap picks up what the first missed: nothing is lost.
func TestSyncVendorsRecordsArrivingWhilePaging(t *testing.T) {
	for _, v := range vendors() {
		t.Run(v.kind, func(t *testing.T) {
			f := newVendorFixture(t, v, v.secret)
			recent := t0.Add(-2 * time.Hour)
			var arrived []rec
			f.api.setOnHit(func(h hit) {
				if arrived != nil {
					return
				}
				at := map[string]time.Time{}
				for _, r := range f.api.upstream() {
					at[r.ID] = r.At
				}
				for _, id := range h.Records {
					if at[id].After(recent) {
						arrived = v.fresh()
						for i := range arrived {
							arrived[i].At = t0.Add(-20*time.Minute - time.Duration(i)*time.Minute)
						}
						f.api.put(arrived...)
						return
					}
				}
			})
			rep := f.sync(context.Background())
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			if arrived == nil {
				t.Fatal("no page held a record of the last two hours")
			}
			_, _, ids := served(f.api.Hits())
			missed := 0
			for _, r := range arrived {
				if ids[r.ID] == 0 {
					missed++
				}
			}
			// Nothing twice, whatever the run read twice.
			if ins := checkJournal(t, f, rep.Pages); ins != totalRows(snapshot(t, f.db)) {
				t.Errorf("the journal inserted %d rows, the store holds %d", ins, totalRows(snapshot(t, f.db)))
			}
			f.api.setOnHit(nil)
			f.clock.Advance(15 * time.Minute)
			rep2 := f.sync(context.Background())
			if rep2.Err != nil {
				t.Fatal(rep2.Err)
			}
			got := snapshot(t, f.db)
			sameContent(t, got, oracle(t, f.api, f.api.upstream()))
			for set, n := range landed(v, f.api.upstream()) {
				if c := countRows(t, f.db, set); c != n {
					t.Errorf("%s: %d rows, %d records upstream", set, c, n)
				}
			}
			if ins := checkJournal(t, f, rep.Pages+rep2.Pages); ins != totalRows(got) {
				t.Errorf("after two runs the journal inserted %d rows, the store holds %d", ins, totalRows(got))
			}
			t.Logf("%d records arrived during the first run, which read %d records in %d pages and missed %d; the second run's overlap read %d",
				len(arrived), rep.Records, rep.Pages, missed, rep2.Records)
		})
	}
}
