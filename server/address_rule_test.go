package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/auth"
	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// TestInsecureCredentialsFromHandler drives the whole handler in process
// with remote addresses that are not loopback, as a container sees the
// host's Power BI Desktop: through the Docker network's gateway. With
// --insecure-credentials-from naming the container network, Basic and the
// URL key are taken from that network over plain HTTP; from any other
// address they are refused with the reason, and a bearer header is taken
// from everywhere (it is not what the rule guards).
func TestInsecureCredentialsFromHandler(t *testing.T) {
	nets, err := auth.ParseNetworks("172.30.83.0/24")
	if err != nil {
		t.Fatal(err)
	}
	db := feedtest.OpenDB(t)
	setup := func(opt bool) func(*auth.HTTP) {
		return func(h *auth.HTTP) {
			h.Basic, h.KeyParam = true, "access_token"
			if opt {
				h.InsecureFrom = nets
			}
		}
	}
	optedIn := feedtest.Start(t, db, feedtest.Options{Auth: setup(true)})
	closed := feedtest.Start(t, db, feedtest.Options{Auth: setup(false)})
	tok := optedIn.Token(t, ccfeed.ScopeRead, "contoso")

	for _, tc := range []struct {
		name   string
		f      *feedtest.Feed
		remote string
		want   int
	}{
		{"gateway of the opted-in network", optedIn, "172.30.83.1:50123", http.StatusOK},
		{"another container on that network", optedIn, "172.30.83.9:50123", http.StatusOK},
		{"neighbouring network", optedIn, "172.30.84.1:50123", http.StatusUnauthorized},
		{"LAN address", optedIn, "192.168.1.20:50123", http.StatusUnauthorized},
		{"internet address", optedIn, "203.0.113.7:50123", http.StatusUnauthorized},
		{"gateway without the opt-in", closed, "172.30.83.1:50123", http.StatusUnauthorized},
		{"loopback without the opt-in", closed, "127.0.0.1:50123", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, via := range []struct{ name, rawQuery, authz string }{
				{"basic", "", authBasic("powerbi", tok)},
				{"url key", "access_token=" + url.QueryEscape(tok), ""},
			} {
				req := httptest.NewRequest(http.MethodGet, "http://localhost:8080/odata/Conversations/$count", nil)
				req.URL.RawQuery = via.rawQuery
				req.RemoteAddr = tc.remote
				if via.authz != "" {
					req.Header.Set("Authorization", via.authz)
				}
				rec := httptest.NewRecorder()
				tc.f.Handler.ServeHTTP(rec, req)
				if rec.Code != tc.want {
					t.Errorf("%s: %d, want %d: %s", via.name, rec.Code, tc.want, rec.Body)
				}
				if rec.Code == http.StatusUnauthorized {
					var body struct {
						Error struct{ Message string } `json:"error"`
					}
					if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Message == "" {
						t.Fatalf("%s: refusal without an OData error body: %s", via.name, rec.Body)
					}
					if want := "only accepted over HTTPS"; !strings.Contains(body.Error.Message, want) {
						t.Errorf("%s: refusal %q does not say %q", via.name, body.Error.Message, want)
					}
					// The log names the address the rule saw.
					host, _, _ := strings.Cut(tc.remote, ":")
					if !strings.Contains(tc.f.Log.String(), `"client":"`+host+`"`) {
						t.Errorf("%s: no log line names the refused client %s", via.name, host)
					}
				}
			}
			req := httptest.NewRequest(http.MethodGet, "http://localhost:8080/odata/Conversations/$count", nil)
			req.RemoteAddr = tc.remote
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			tc.f.Handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Errorf("bearer: %d, want 200: %s", rec.Code, rec.Body)
			}
		})
	}
}
