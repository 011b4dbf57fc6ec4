package e2e

import (
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/store"
)

func BenchmarkZZSmall(b *testing.B) {
	db, err := store.Open("/work/floorcache/floor-1.db", edm.Default(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	f := feedtest.Start(b, db, feedtest.Options{})
	tok := f.Token(b, ccfeed.ScopeRead, "bench")
	u := f.URL + os.Getenv("ZZ_REQ")
	get := func() {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Prefer", "odata.maxpagesize=1000")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.Status)
		}
	}
	get()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		get()
	}
}
