package server_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/auth"
	"github.com/ccfeed/ccfeed/internal/feedtest"
)

// auditLine is the part of a request log line the audit reads.
type auditLine struct {
	Status  int    `json:"status"`
	Subject string `json:"subject"`
	Set     string `json:"set"`
	Rows    *int64 `json:"rows"`
	Error   string `json:"error"`
	Message string `json:"message"`
}

// TestAuditLine checks the per-request log line (zerolog JSON) as an audit
// record: it names the credential's subject, the entity set and the rows
// sent, for every way of presenting a token; and the log never holds a
// token, a Basic password (nor its base64 form) or a URL key, whether the
// credential was accepted or refused.
func TestAuditLine(t *testing.T) {
	p := feedtest.NewProvider(t)
	p.Publish(t, "k1", 0)
	const aud = "https://feed.example.test"
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Auth: func(h *auth.HTTP) {
		h.Basic, h.KeyParam = true, "access_token"
		h.OIDC = auth.NewOIDC(p.Config(aud, "", auth.Mapping{Claim: "tid", Value: "dir", Tenants: []string{"fabrikam"}}), nil)
	}})
	tok, jti := f.MintToken(t, ccfeed.ScopeRead, nil, "contoso")
	org := p.Sign(t, "k1", p.Claims(aud, jwt.MapClaims{"tid": "dir", "oid": "person-42"}))
	bad := tok[:len(tok)-6] + "AAAAAA"
	subject := "token:" + jti
	orgSubject := "oidc:" + p.Issuer + "|person-42"

	type req struct {
		name    string
		url     string
		headers []string
		status  int
		subject string
		set     string
		rows    int64
	}
	reqs := []req{
		{"bearer", f.URL + "Conversations?$top=3&$select=id", []string{"Authorization", "Bearer " + tok}, 200, subject, "Conversations", 3},
		{"basic", f.URL + "Messages?$top=2&$select=id", []string{"Authorization", authBasic("jane", tok)}, 200, subject, "Messages", 2},
		{"query key", f.URL + "Agents?$top=1&$select=id&access_token=" + url.QueryEscape(tok), nil, 200, subject, "Agents", 1},
		{"query key, entity", f.URL + "Conversations('" + convKey + "')?access_token=" + url.QueryEscape(tok), nil, 200, subject, "Conversations", 1},
		{"query key, count", f.URL + "Conversations/$count?access_token=" + url.QueryEscape(tok), nil, 200, subject, "Conversations", 0},
		{"organizational", f.URL + "Customers?$top=4&$select=id", []string{"Authorization", "Bearer " + org}, 200, orgSubject, "Customers", 4},
		{"bad bearer", f.URL + "Conversations?$top=3", []string{"Authorization", "Bearer " + bad}, 401, "", "", 0},
		{"bad basic", f.URL + "Conversations?$top=3", []string{"Authorization", authBasic("jane", bad)}, 401, "", "", 0},
		{"bad query key", f.URL + "Conversations?$top=3&access_token=" + url.QueryEscape(bad), nil, 401, "", "", 0},
		{"token without scheme", f.URL + "Conversations", []string{"Authorization", tok}, 401, "", "", 0},
		{"token as an unknown scheme", f.URL + "Conversations", []string{"Authorization", "Token " + tok}, 401, "", "", 0},
		{"key and header both", f.URL + "Conversations?access_token=" + url.QueryEscape(tok), []string{"Authorization", "Bearer " + tok}, 401, "", "", 0},
		{"bad query after a good key", f.URL + "Conversations?$filter=nosuch%20eq%201&access_token=" + url.QueryEscape(tok), nil, 400, subject, "", 0},
	}
	for _, q := range reqs {
		r := get(t, f, q.url, "", q.headers...)
		if r.Status != q.status {
			t.Fatalf("%s: status %d, want %d: %.300s", q.name, r.Status, q.status, r.Body)
		}
		// Nor does any response body carry the credential back.
		for _, secret := range []string{tok, bad, org} {
			if strings.Contains(string(r.Body), secret) {
				t.Errorf("%s: the response body contains a credential", q.name)
			}
		}
	}
	lines := waitLog(t, f, len(reqs))
	if len(lines) != len(reqs) {
		t.Fatalf("%d log lines for %d requests:\n%s", len(lines), len(reqs), f.Log.String())
	}
	for i, q := range reqs {
		var l auditLine
		if err := json.Unmarshal([]byte(lines[i]), &l); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", i, err, lines[i])
		}
		if l.Message != "request" || l.Status != q.status || l.Subject != q.subject || l.Set != q.set {
			t.Errorf("%s: logged status %d subject %q set %q, want %d %q %q", q.name, l.Status, l.Subject, l.Set, q.status, q.subject, q.set)
		}
		if q.status == 200 && q.rows > 0 && (l.Rows == nil || *l.Rows != q.rows) {
			t.Errorf("%s: logged rows %v, want %d", q.name, l.Rows, q.rows)
		}
		if q.status == 401 && l.Error != ccfeed.EUNAUTHORIZED {
			t.Errorf("%s: logged error %q, want %q", q.name, l.Error, ccfeed.EUNAUTHORIZED)
		}
	}
	log := f.Log.String()
	// Every form a credential takes on the wire: the token, each of its
	// three parts but the common header, its URL-escaped form, the
	// base64 of user:token, and the provider token.
	var secrets []string
	for _, s := range []string{tok, bad, org} {
		parts := strings.Split(s, ".")
		secrets = append(secrets, s, parts[1], parts[2], url.QueryEscape(s))
	}
	for _, s := range []string{tok, bad} {
		b := base64.StdEncoding.EncodeToString([]byte("jane:" + s))
		secrets = append(secrets, b, b[len(b)/2:len(b)/2+24])
	}
	for _, s := range secrets {
		if strings.Contains(log, s) {
			t.Errorf("the request log contains a credential (%.12s...):\n%s", s, log)
		}
	}
	if strings.Contains(log, "access_token") {
		t.Errorf("the log names the key parameter with its value's place: %s", log)
	}
}
