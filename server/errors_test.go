package server_test

import (
	"net/http"
	"path"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// TestErrorBodies pins the error body of a representative request of each
// kind to a golden file under testdata/errors/, so that a change of wording
// shows up in review. Regenerate with go test ./server -update.
func TestErrorBodies(t *testing.T) {
	f := feedtest.StartDemo(t)
	tok := f.ReadToken(t)

	for _, tc := range []struct {
		name   string
		method string
		url    string // relative to the service root unless it starts with "/"
		noAuth bool
		header []string
		status int
		target string
	}{
		{name: "bad_datetime_literal", url: "Conversations?$filter=startedAtUTC%20gt%202021-13-45T00%3A00%3A00Z", status: 400, target: "$filter"},
		{name: "bad_number_literal", url: "Conversations?$filter=csat%20eq%201.2.3", status: 400, target: "$filter"},
		{name: "bad_guid_literal", url: "Conversations?$filter=id%20eq%2001234567-89ab-cdef-0123-89abcdefXXXX", status: 400, target: "$filter"},
		{name: "unknown_property_filter", url: "Conversations?$filter=agnetId%20eq%20%27x%27", status: 400, target: "$filter"},
		{name: "unknown_property_select", url: "Conversations?$select=id,agnetId", status: 400, target: "$select"},
		{name: "unknown_property_orderby", url: "Conversations?$orderby=strtedAtUTC%20desc", status: 400, target: "$orderby"},
		{name: "type_mismatch", url: "Conversations?$filter=durationInSeconds%20eq%20%27x%27", status: 400, target: "$filter"},
		{name: "type_mismatch_boolean", url: "Conversations?$filter=isOutbound%20eq%201", status: 400, target: "$filter"},
		{name: "unterminated_string", url: "Conversations?$filter=agentId%20eq%20%27x", status: 400, target: "$filter"},
		{name: "unbalanced_parenthesis", url: "Conversations?$filter=(csat%20eq%201", status: 400, target: "$filter"},
		{name: "bad_orderby_direction", url: "Conversations?$orderby=csat%20sideways", status: 400, target: "$orderby"},
		{name: "negative_top", url: "Conversations?$top=-1", status: 400, target: "$top"},
		{name: "unknown_option_501", url: "Conversations?$foo=1", status: 501, target: "$foo"},
		{name: "unsupported_option_501", url: "Conversations?$deltatoken=abc", status: 501, target: "$deltatoken"},
		{name: "unknown_set_404", url: "Conversation", status: 404, target: "resource path"},
		{name: "unknown_key_404", url: "Conversations('contoso:demo:nope')", status: 404, target: "resource path"},
		{name: "unknown_navigation_404", url: "Conversations('" + convKey + "')/Mesages", status: 404, target: "resource path"},
		{name: "unknown_route_404", url: "/nowhere", status: 404},
		{name: "not_acceptable_406", url: "Conversations", header: []string{"Accept", "application/atom+xml"}, status: 406, target: "Accept"},
		{name: "format_406", url: "Conversations?$format=atom", status: 406, target: "$format"},
		{name: "post_501", method: http.MethodPost, url: "Conversations", status: 501},
		{name: "no_token_401", url: "Conversations", noAuth: true, status: 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := f.URL + tc.url
			if strings.HasPrefix(tc.url, "/") {
				u = f.Base + tc.url
			}
			token := tok
			if tc.noAuth {
				token = ""
			}
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			r := do(t, method, u, token, tc.header...)
			if r.Status != tc.status {
				t.Errorf("status %d, want %d", r.Status, tc.status)
			}
			checkOneVersion(t, r, tc.name)
			e := checkErrorBody(t, r, tc.name)
			if e.Error.Target != tc.target {
				t.Errorf("target %q, want %q", e.Error.Target, tc.target)
			}
			if strings.Contains(string(r.Body), "127.0.0.1") {
				t.Errorf("error body names the test server's address, so it cannot be golden: %s", r.Body)
			}
			golden(t, path.Join("errors", tc.name+".json"), r.Body)
		})
	}
}
