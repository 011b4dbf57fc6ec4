package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/server"
)

// refIDs is every Conversations key in the default order (the key), read in
// one page.
func refIDs(t *testing.T, f *feedtest.Feed, tok string) []string {
	t.Helper()
	c, _ := collectionOf(t, f, f.URL+"Conversations?$select=id", tok, "Prefer", "odata.maxpagesize=20000")
	if c.NextLink != "" || len(c.Value) != 4500 {
		t.Fatalf("reference read: %d rows, nextLink %q; want all 4500 demo conversations in one page", len(c.Value), c.NextLink)
	}
	return ids(t, c.Value)
}

// TestPagingTopSkip checks server-driven paging against $top and $skip: a
// $top larger than a page keeps paging until exactly $top rows were sent,
// no nextLink follows the last row, $skip applies once.
func TestPagingTopSkip(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	ref := refIDs(t, f, tok)

	for _, tc := range []struct {
		name      string
		query     string
		pageSize  int
		skip, top int // top -1: none
		wantPages int
	}{
		{"top spans three pages", "$top=230", 100, 0, 230, 3},
		{"top equals two pages", "$top=200", 100, 0, 200, 2},
		{"top below a page", "$top=7", 100, 0, 7, 1},
		{"top one more than a page", "$top=101", 100, 0, 101, 2},
		{"top beyond the set", "$top=10000", 1000, 0, 10000, 5},
		{"skip then page", "$skip=4400", 30, 4400, -1, 4},
		{"skip and top across pages", "$skip=40&$top=250", 100, 40, 250, 3},
		{"skip to the last row", "$skip=4499", 100, 4499, -1, 1},
		{"skip past the end", "$skip=5000", 100, 5000, -1, 1},
		{"page size divides the set", "", 900, 0, -1, 5},
		{"page of one", "$skip=4495", 1, 4495, -1, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := withQuery(f.URL+"Conversations?$select=id", tc.query)
			pages := walk(t, f, u, tok, "Prefer", "odata.maxpagesize="+strconv.Itoa(tc.pageSize))
			end := len(ref)
			if tc.top >= 0 {
				end = min(end, tc.skip+tc.top)
			}
			want := ref[min(tc.skip, len(ref)):end]
			got := ids(t, rows(pages))
			if strings.Join(got, ",") != strings.Join(want, ",") {
				sameKeys(t, tc.name, got, want)
				t.Errorf("rows differ from ref[%d:%d] (got %d rows)", tc.skip, end, len(got))
			}
			if len(pages) != tc.wantPages {
				t.Errorf("%d pages, want %d", len(pages), tc.wantPages)
			}
			// Every page but the last is full; the last has no nextLink
			// (walk stops there). $skip stays in the links as sent: the
			// row check above proves it applies once.
			for i, p := range pages[:len(pages)-1] {
				if len(p.Coll.Value) != tc.pageSize {
					t.Errorf("page %d holds %d rows, want a full page of %d", i, len(p.Coll.Value), tc.pageSize)
				}
			}
		})
	}

	t.Run("$top=0", func(t *testing.T) {
		for _, q := range []string{"$top=0", "$top=0&$count=true", "$top=0&$skip=10"} {
			c, _ := collectionOf(t, f, f.URL+"Conversations?"+q, tok, "Prefer", "odata.maxpagesize=10")
			if len(c.Value) != 0 || c.NextLink != "" {
				t.Errorf("%s: %d rows, nextLink %q; want none and none", q, len(c.Value), c.NextLink)
			}
			if strings.Contains(q, "$count") && (c.Count == nil || *c.Count != 4500) {
				t.Errorf("%s: @odata.count %v, want 4500", q, c.Count)
			}
		}
	})

	t.Run("$count=true on every page", func(t *testing.T) {
		pages := walk(t, f, f.URL+"Conversations?$select=id&$count=true&$filter=mediaType%20eq%20%27email%27", tok, "Prefer", "odata.maxpagesize=300")
		n := count(t, f, f.URL+"Emails/$count", tok)
		for i, p := range pages {
			if p.Coll.Count == nil || int(*p.Coll.Count) != n {
				t.Errorf("page %d: @odata.count %v, want %d", i, p.Coll.Count, n)
			}
		}
		if got := len(rows(pages)); got != n {
			t.Errorf("%d rows, want %d", got, n)
		}
	})

	t.Run("negative or malformed $top and $skip", func(t *testing.T) {
		for _, q := range []string{"$top=-1", "$skip=-1", "$top=-0", "$top=1.5", "$skip=abc", "$top=", "$top=99999999999999999999"} {
			r := get(t, f, f.URL+"Conversations?"+q, tok)
			if r.Status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400: %.300s", q, r.Status, r.Body)
				continue
			}
			e := checkErrorBody(t, r, q)
			opt, _, _ := strings.Cut(q, "=")
			if e.Error.Target != opt {
				t.Errorf("%s: error target %q, want %q", q, e.Error.Target, opt)
			}
		}
	})
}

// TestPagingDefaultPageSize runs a feed with a small configured page size
// and cap: requests without Prefer page at the default, and a Prefer above
// the cap is clamped and says so.
func TestPagingDefaultPageSize(t *testing.T) {
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Config: server.Config{PageSize: 100, MaxPageSize: 250}})
	tok := f.ReadToken(t)

	pages := walk(t, f, f.URL+"Conversations?$select=id&$top=250", tok)
	if len(pages) != 3 || len(pages[0].Coll.Value) != 100 || len(pages[2].Coll.Value) != 50 {
		t.Errorf("default page size 100, $top=250: %d pages", len(pages))
	}
	if pa := pages[0].Reply.Header.Get("Preference-Applied"); pa != "" {
		t.Errorf("Preference-Applied %q without Prefer", pa)
	}
	c, r := collectionOf(t, f, f.URL+"Conversations?$select=id", tok, "Prefer", "odata.maxpagesize=1000")
	if len(c.Value) != 250 || r.Header.Get("Preference-Applied") != "odata.maxpagesize=250" {
		t.Errorf("maxpagesize=1000 over a cap of 250: %d rows, Preference-Applied %q", len(c.Value), r.Header.Get("Preference-Applied"))
	}
	all := rows(walk(t, f, f.URL+"Conversations?$select=id", tok))
	if len(all) != 4500 {
		t.Errorf("walk at the default page size: %d rows, want 4500", len(all))
	}
}

// TestPagingOrderBy walks $orderby on non-unique and nullable columns, both
// directions, in small pages: the keyset must carry the order values and the
// key so that ties and nulls across a page boundary are neither repeated nor
// skipped, and the pages together must equal one big page.
func TestPagingOrderBy(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	n := 4500

	for _, tc := range []struct {
		orderby string
		filter  string
	}{
		{orderby: "status desc"},
		{orderby: "status"},
		{orderby: "channelType desc,mediaType"},
		{orderby: "tenantId desc"},
		{orderby: "endedAtUTC desc"},                        // nullable
		{orderby: "endedAtUTC"},                             // nullable, nulls first
		{orderby: "csat desc,endedAtUTC"},                   // two nullable keys
		{orderby: "durationInSeconds desc"},                 // doubles
		{orderby: "isOutbound desc,startedAt"},              // boolean, tenant-local time
		{orderby: "id desc"},                                // the key itself, descending
		{orderby: "agentId desc", filter: "csat ge 3"},      // with a filter
		{orderby: "startedAt desc", filter: "csat eq null"}, // local time, null filter
	} {
		name := tc.orderby
		if tc.filter != "" {
			name += " where " + tc.filter
		}
		t.Run(name, func(t *testing.T) {
			keys := orderKeys(tc.orderby)
			sel := []string{"id"}
			for _, k := range keys {
				if k.prop != "id" {
					sel = append(sel, k.prop)
				}
			}
			q := "$select=" + strings.Join(sel, ",") + "&$orderby=" + url.PathEscape(tc.orderby)
			want := n
			if tc.filter != "" {
				q += "&$filter=" + url.PathEscape(tc.filter)
				want = count(t, f, f.URL+"Conversations/$count?$filter="+url.PathEscape(tc.filter), tok)
				if want == 0 {
					t.Fatal("the filter matches nothing: the test proves nothing")
				}
			}
			pages := walk(t, f, f.URL+"Conversations?"+q, tok, "Prefer", "odata.maxpagesize=173")
			paged := rows(pages)
			got := ids(t, paged)
			one := ids(t, rows(walk(t, f, f.URL+"Conversations?"+q, tok, "Prefer", "odata.maxpagesize=20000")))
			if len(got) != want {
				t.Errorf("walked %d rows over %d pages, want %d", len(got), len(pages), want)
			}
			sameKeys(t, "paged versus one page", got, one)
			if strings.Join(got, ",") != strings.Join(one, ",") {
				t.Error("paged order differs from the one-page order")
			}
			for i := 1; i < len(paged); i++ {
				if c := compareRows(t, paged[i-1], paged[i], keys); c > 0 {
					t.Errorf("rows %d and %d out of order for %s: %v then %v", i-1, i, tc.orderby, paged[i-1], paged[i])
					break
				}
			}
		})
	}

	t.Run("order columns not selected", func(t *testing.T) {
		// The keyset then travels in hidden columns only.
		q := "$orderby=endedAtUTC%20desc,csat"
		hidden := ids(t, rows(walk(t, f, f.URL+"Conversations?$select=id&"+q, tok, "Prefer", "odata.maxpagesize=173")))
		shown := ids(t, rows(walk(t, f, f.URL+"Conversations?$select=id,endedAtUTC,csat&"+q, tok)))
		if strings.Join(hidden, ",") != strings.Join(shown, ",") {
			sameKeys(t, "hidden order columns", hidden, shown)
			t.Error("paging with unselected order columns differs from one page with them selected")
		}
	})

	t.Run("Int64 order key on a large set", func(t *testing.T) {
		q := "$select=id,messageIndex&$orderby=messageIndex%20desc"
		small := rows(walk(t, f, f.URL+"Messages?"+q, tok, "Prefer", "odata.maxpagesize=1999"))
		big := ids(t, rows(walk(t, f, f.URL+"Messages?"+q, tok, "Prefer", "odata.maxpagesize=20000")))
		got := ids(t, small)
		if len(got) != count(t, f, f.URL+"Messages/$count", tok) || strings.Join(got, ",") != strings.Join(big, ",") {
			sameKeys(t, "messageIndex desc", got, big)
			t.Error("pages of 1999 differ from pages of 20000")
		}
		keys := orderKeys("messageIndex desc")
		for i := 1; i < len(small); i++ {
			if compareRows(t, small[i-1], small[i], keys) > 0 {
				t.Fatalf("rows %d and %d out of order: %v then %v", i-1, i, small[i-1], small[i])
			}
		}
	})

	t.Run("$skip with $orderby desc and paging", func(t *testing.T) {
		q := "$select=id,status&$orderby=status%20desc&$skip=1000&$top=1500"
		got := ids(t, rows(walk(t, f, f.URL+"Conversations?"+q, tok, "Prefer", "odata.maxpagesize=211")))
		all := ids(t, rows(walk(t, f, f.URL+"Conversations?$select=id,status&$orderby=status%20desc", tok)))
		if strings.Join(got, ",") != strings.Join(all[1000:2500], ",") {
			sameKeys(t, "skip/top window", got, all[1000:2500])
			t.Error("$skip=1000&$top=1500 in pages differs from rows 1000..2499 of the ordered set")
		}
	})
}

type orderKey struct {
	prop string
	desc bool
}

func orderKeys(orderby string) []orderKey {
	var out []orderKey
	for _, item := range strings.Split(orderby, ",") {
		prop, dir, _ := strings.Cut(strings.TrimSpace(item), " ")
		out = append(out, orderKey{prop: prop, desc: dir == "desc"})
	}
	return out
}

// compareRows orders two rows by the $orderby keys. Ties are broken by the
// stable row id, which responses do not carry: that their order is the same
// in pages of any size is checked above. OData sorts null before every
// value in ascending order; date-times compare as instants.
func compareRows(t *testing.T, a, b map[string]any, keys []orderKey) int {
	t.Helper()
	for _, k := range keys {
		c := compareValues(t, a[k.prop], b[k.prop])
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func compareValues(t *testing.T, a, b any) int {
	t.Helper()
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case json.Number:
		fx, _ := x.Float64()
		fy, _ := b.(json.Number).Float64()
		switch {
		case fx < fy:
			return -1
		case fx > fy:
			return 1
		}
		return 0
	case string:
		y := b.(string)
		tx, ex := time.Parse(time.RFC3339Nano, x)
		ty, ey := time.Parse(time.RFC3339Nano, y)
		if ex == nil && ey == nil && len(x) > 10 {
			return tx.Compare(ty)
		}
		return strings.Compare(x, y)
	}
	t.Fatalf("cannot compare %T", a)
	return 0
}

// TestNextLinkBase checks that links use the scheme and host the client
// reached: X-Forwarded-Proto and -Host from a trusted proxy, or the
// configured public URL.
func TestNextLinkBase(t *testing.T) {
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Config: server.Config{TrustProxy: true}})
	tok := f.ReadToken(t)

	t.Run("X-Forwarded headers", func(t *testing.T) {
		h := []string{"Prefer", "odata.maxpagesize=1000", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "feed.example.com"}
		var got []string
		pages := 0
		for next := f.URL + "Conversations?$select=id&apikey=k1"; next != ""; {
			c, _ := collectionOf(t, f, next, tok, h...)
			pages++
			got = append(got, ids(t, c.Value)...)
			if !strings.HasPrefix(c.Context, "https://feed.example.com/odata/$metadata#") {
				t.Errorf("@odata.context %q ignores X-Forwarded-*", c.Context)
			}
			if c.NextLink == "" {
				break
			}
			if !strings.HasPrefix(c.NextLink, "https://feed.example.com/odata/Conversations?") {
				t.Fatalf("nextLink %q ignores X-Forwarded-*", c.NextLink)
			}
			if !strings.Contains(c.NextLink, "apikey=k1") {
				t.Errorf("nextLink %q drops the custom (API key) parameter", c.NextLink)
			}
			next = rebase(t, c.NextLink, f.Base)
		}
		if len(got) != 4500 || pages != 5 {
			t.Errorf("walked %d rows in %d pages behind the proxy, want 4500 in 5", len(got), pages)
		}
		sameKeys(t, "behind a proxy", got, refIDs(t, f, tok))
	})

	t.Run("X-Forwarded lists take the first hop", func(t *testing.T) {
		c, _ := collectionOf(t, f, f.URL+"Agents?$select=id", tok, "Prefer", "odata.maxpagesize=10",
			"X-Forwarded-Proto", "https, http", "X-Forwarded-Host", "a.example.com, b.internal")
		if !strings.HasPrefix(c.NextLink, "https://a.example.com/odata/Agents?") {
			t.Errorf("nextLink %q, want the first X-Forwarded values", c.NextLink)
		}
	})

	t.Run("public URL", func(t *testing.T) {
		g := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Config: server.Config{PublicURL: "https://bi.example.org/", TrustProxy: true}})
		tok := g.ReadToken(t)
		c, _ := collectionOf(t, g, g.URL+"Agents?$select=id", tok, "Prefer", "odata.maxpagesize=10", "X-Forwarded-Host", "ignored.example.com")
		if c.Context != "https://bi.example.org/odata/$metadata#Agents(id)" {
			t.Errorf("@odata.context %q, want it on the public URL", c.Context)
		}
		if !strings.HasPrefix(c.NextLink, "https://bi.example.org/odata/Agents?") {
			t.Errorf("nextLink %q, want it on the public URL", c.NextLink)
		}
	})
}

// TestSkipTokenMisuse checks that a $skiptoken is bound to its query and its
// credential and cannot be edited: every misuse gets the same 400, so the
// answer reveals nothing about why.
func TestSkipTokenMisuse(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)
	other := f.ReadToken(t) // same rights, different credential

	base := f.URL + "Conversations?$select=id&$filter=mediaType%20eq%20%27voice%27&$orderby=startedAtUTC"
	c, _ := collectionOf(t, f, base, tok, "Prefer", "odata.maxpagesize=50")
	if c.NextLink == "" {
		t.Fatal("no nextLink to tamper with")
	}
	link := c.NextLink
	token := param(t, link, "$skiptoken")

	// The untouched link works, and keeps working with $format or a custom
	// option changed (neither changes the rows).
	for _, u := range []string{link, link + "&$format=json", link + "&apikey=other"} {
		if r := get(t, f, u, tok); r.Status != http.StatusOK {
			t.Errorf("GET %s: status %d: %.300s", u, r.Status, r.Body)
		}
	}

	flip := []byte(token)
	mid := len(flip) / 2
	if flip[mid] == 'A' {
		flip[mid] = 'B'
	} else {
		flip[mid] = 'A'
	}
	for _, tc := range []struct {
		name, url, token string
	}{
		{"one character changed", setParam(t, link, "$skiptoken", string(flip)), tok},
		{"truncated", setParam(t, link, "$skiptoken", token[:len(token)-4]), tok},
		{"garbage", setParam(t, link, "$skiptoken", "not-a-token"), tok},
		{"empty", setParam(t, link, "$skiptoken", ""), tok},
		{"different $filter", setParam(t, link, "$filter", "mediaType%20eq%20%27chat%27"), tok},
		{"$filter dropped", dropParam(t, link, "$filter"), tok},
		{"different $orderby", setParam(t, link, "$orderby", "startedAtUTC%20desc"), tok},
		{"different $select", setParam(t, link, "$select", "id,status"), tok},
		{"other entity set", strings.Replace(link, "/Conversations?", "/Calls?", 1), tok},
		{"different credential", link, other},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, f, tc.url, tc.token)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %.300s", r.Status, r.Body)
			}
			e := checkErrorBody(t, r, tc.name)
			if e.Error.Target != "$skiptoken" {
				t.Errorf("target %q, want $skiptoken", e.Error.Target)
			}
			golden(t, "errors/skiptoken.json", r.Body)
		})
	}
}

// param returns the raw value of a query parameter of link.
func param(t *testing.T, link, name string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Split(u.RawQuery, "&") {
		if k, v, _ := strings.Cut(p, "="); k == name {
			return v
		}
	}
	t.Fatalf("%s has no %s", link, name)
	return ""
}

// setParam replaces the raw value of a query parameter, keeping the others.
func setParam(t *testing.T, link, name, value string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(u.RawQuery, "&")
	found := false
	for i, p := range parts {
		if k, _, _ := strings.Cut(p, "="); k == name {
			parts[i], found = name+"="+value, true
		}
	}
	if !found {
		t.Fatalf("%s has no %s", link, name)
	}
	u.RawQuery = strings.Join(parts, "&")
	return u.String()
}

func dropParam(t *testing.T, link, name string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, p := range strings.Split(u.RawQuery, "&") {
		if k, _, _ := strings.Cut(p, "="); k != name {
			keep = append(keep, p)
		}
	}
	u.RawQuery = strings.Join(keep, "&")
	return u.String()
}

// TestForwardedHeadersHostile: Power BI follows @odata.nextLink with its
// credential, so headers a client can forge must not choose where links
// point. Without TrustProxy they are ignored; with it, only an http or
// https scheme and a plain host[:port] are believed; PublicURL wins over
// both.
func TestForwardedHeadersHostile(t *testing.T) {
	db := feedtest.DemoDB(t)
	plain := feedtest.Start(t, db, feedtest.Options{})
	trusting := feedtest.Start(t, db, feedtest.Options{Config: server.Config{TrustProxy: true}})
	public := feedtest.Start(t, db, feedtest.Options{Config: server.Config{TrustProxy: true, PublicURL: "https://bi.example.org"}})
	tok := plain.ReadToken(t)
	own := func(f *feedtest.Feed) string { return f.Base + "/odata/" }
	for _, c := range []struct {
		name        string
		f           *feedtest.Feed
		proto, host string
		want        string // prefix of nextLink and @odata.context; "" = the feed's own URL
	}{
		{"untrusted javascript scheme", plain, "javascript", "evil.example", ""},
		{"untrusted https host", plain, "https", "evil.example", ""},
		{"trusted javascript scheme", trusting, "javascript", "", ""},
		{"trusted host with a path", trusting, "", "evil.example/x?", ""},
		{"trusted host with a user", trusting, "", "me@evil.example", ""},
		{"trusted host with a bad port", trusting, "", "feed.example.com:99999", ""},
		{"trusted host with a space", trusting, "", "feed example.com", ""},
		{"trusted https and host", trusting, "https", "feed.example.com:8443", "https://feed.example.com:8443/odata/"},
		{"trusted IPv6 host", trusting, "HTTPS", "[2001:db8::1]:443", "https://[2001:db8::1]:443/odata/"},
		{"public URL wins", public, "http", "evil.example", "https://bi.example.org/odata/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var h []string
			if c.proto != "" {
				h = append(h, "X-Forwarded-Proto", c.proto)
			}
			if c.host != "" {
				h = append(h, "X-Forwarded-Host", c.host)
			}
			h = append(h, "Prefer", "odata.maxpagesize=2")
			coll, _ := collectionOf(t, c.f, c.f.URL+"Agents?$select=id", tok, h...)
			want := c.want
			if want == "" {
				want = own(c.f)
			}
			if !strings.HasPrefix(coll.NextLink, want+"Agents?") || !strings.HasPrefix(coll.Context, want+"$metadata#") {
				t.Errorf("nextLink %q, @odata.context %q; want both on %s", coll.NextLink, coll.Context, want)
			}
		})
	}
}
