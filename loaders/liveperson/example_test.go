package liveperson_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/liveperson"
)

// ExampleSource_Fetch pages through one window: the cursor is the offset of
// the next page, and "" once the last page is read.
func ExampleSource_Fetch() {
	// A stand-in for the API: three conversations, served by offset and
	// limit, with the total in _metadata.count.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		var recs []string
		for i := offset; i < min(offset+limit, 3); i++ {
			recs = append(recs, fmt.Sprintf(`{"info":{"conversationId":"c%d"}}`, i))
		}
		fmt.Fprintf(w, `{"_metadata":{"count":3},"conversationHistoryRecords":[%s]}`, strings.Join(recs, ","))
	}))
	defer api.Close()

	cfg := &loaders.SourceConfig{Endpoint: api.URL, Account: "12345678", Secret: "token",
		Options: map[string]string{"limit": "2"}}
	from := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	win := loaders.Window{From: from, To: from.Add(24 * time.Hour)}
	cursor := ""
	for {
		page, err := liveperson.Source{}.Fetch(context.Background(), http.DefaultClient, cfg, win, cursor)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("page at %q: %d conversations, next %q\n", cursor, strings.Count(string(page.Body), "conversationId"), page.Next)
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	// Output:
	// page at "": 2 conversations, next "2"
	// page at "2": 1 conversations, next ""
}
