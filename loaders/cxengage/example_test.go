package cxengage_test

import (
	"fmt"

	"github.com/ccfeed/ccfeed/loaders/cxengage"
)

// A list page is recognised by its envelope, even with no results.
func ExampleSource_Sniff() {
	page := `{"page": null, "limit": 1000, "offset": 0, "total": 0, "tenantName": "Acme", "tenantTimezone": "US/Eastern", "results": []}`
	fmt.Println(cxengage.Source{}.Sniff("page.json", []byte(page)))
	// Output: true
}
