package liveperson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/ccfeed/ccfeed/loaders"
)

// Engagement attributes (SDEs) and the conversation fields the model has no
// column for become CapturedData rows: one per value, under a category (the
// SDE type, such as CART_STATUS, or info, campaign, monitoring) and a dotted
// name for nested values (products.0.product.price). The value is the text
// as received; valueType says what it is, and numbers also go to
// numberValue. The type comes from the vendor's attribute tables (sdeTypes)
// where they name one, so "11.7" is a number because cartStatus.total is a
// double, while "2342221" stays text because storeZipCode is alphanumeric;
// fields the tables do not list are typed by their JSON (a JSON number is a
// number, a string is text), and names ending in Id are always text.
//
// Two kinds of value are rewritten so they can be typed as dates: the
// attributes' epoch-millisecond time stamps (originalTimeStamp) and the
// {year, month, day} dates of customerInfo (lastPaymentDate,
// registrationDate) are written as ISO 8601 text.

// sdeTypes types the values of the vendor's attribute tables, by the
// attribute's key and the path inside it (lower case, * for array indices).
var sdeTypes = map[string]string{
	"customerinfo.balance":          "number",
	"customerinfo.companysize":      "number",
	"customerinfo.loginstatus":      "number",
	"customerinfo.lastpaymentdate":  "date",
	"customerinfo.registrationdate": "date",

	"cartstatus.total":                    "number",
	"cartstatus.numitems":                 "number",
	"cartstatus.products.*.quantity":      "number",
	"cartstatus.products.*.product.price": "number",

	"purchase.total":                         "number",
	"purchase.cart.total":                    "number",
	"purchase.cart.numitems":                 "number",
	"purchase.cart.products.*.quantity":      "number",
	"purchase.cart.products.*.product.price": "number",

	"marketingcampaigninfo.originatingchannel": "number",

	"viewedproduct.products.*.quantity":                "number",
	"viewedproduct.products.*.product.price":           "number",
	"viewedproduct.products.*.product.quantityinstock": "number",

	"visitorerror.level":    "number",
	"visitorerror.resolved": "boolean",

	"lead.value": "number",

	"serviceactivity.status": "number",

	// Alphanumeric in the tables, though often all digits: kept as text
	// even when sent as JSON numbers.
	"customerinfo.storenumber":                      "string",
	"customerinfo.storezipcode":                     "string",
	"customerinfo.imei":                             "string",
	"cartstatus.products.*.product.sku":             "string",
	"purchase.cart.products.*.product.sku":          "string",
	"viewedproduct.products.*.product.sku":          "string",
	"personalinfo.contacts.*.personalcontact.phone": "string",
	"visitorerror.code":                             "string",
}

// infoTypes types the conversation fields kept as captured values (the
// documented numbers, which the API also sends as strings).
var infoTypes = map[string]string{
	"info.mcs":        "number",
	"info.alertedmcs": "number",
}

// capVal is one captured value.
type capVal struct {
	name, value, valueType string
	number                 *float64
}

// captured writes the CapturedData rows of the record.
func (c *conv) captured() error {
	used := map[string]bool{}
	put := func(native, category string, v capVal, auth *bool, ts int64) error {
		if used[native] {
			return nil
		}
		used[native] = true
		r := c.b.Row("CapturedData", native).Set("conversationId", c.key).Set("category", category).
			Set("name", v.name).Set("value", v.value).Set("valueType", v.valueType)
		if v.number != nil {
			r.Set("numberValue", *v.number)
		}
		if auth != nil {
			r.Set("isAuthenticated", *auth)
		}
		if ts > 0 {
			r.Set("timestampUTC", at(ts))
		}
		return c.b.Put(r)
	}
	infoType := func(pattern string) string { return infoTypes["info."+pattern] }
	for _, part := range []struct {
		category string
		raw      json.RawMessage
		skip     map[string]bool
		typeOf   func(string) string
	}{{"info", c.rec.Info, infoColumns, infoType}, {"campaign", c.rec.Campaign, nil, nil}, {"monitoring", c.rec.Monitoring, nil, nil}} {
		tree, ok := decodeTree(part.raw).(map[string]any)
		if !ok {
			continue
		}
		for _, k := range sortedKeys(tree) {
			if part.skip[strings.ToLower(k)] {
				continue
			}
			for _, v := range flatten(k, tree[k], "", part.typeOf) {
				if err := put(fmt.Sprintf("%s:%s:%s", c.id, part.category, v.name), part.category, v, nil, 0); err != nil {
					return err
				}
			}
		}
	}
	for _, x := range c.rec.extras() {
		for _, v := range flattenWithin(decodeTree(x.raw), nil) {
			if err := put(fmt.Sprintf("%s:%s:%s", c.id, x.category, v.name), x.category, v, nil, 0); err != nil {
				return err
			}
		}
	}
	for _, m := range c.msgs {
		ctx := c.bySeq[m.seq].ContextData
		for _, v := range flattenWithin(decodeTree(ctx), nil) {
			v.name = strconv.FormatInt(m.seq, 10) + "." + v.name
			if err := put(fmt.Sprintf("%s:messageContext:%s", c.id, v.name), "messageContext", v, nil, 0); err != nil {
				return err
			}
		}
	}
	for _, e := range c.sdeEvents() {
		auth := e.auth
		for _, v := range e.values() {
			native := fmt.Sprintf("%s:sde:%s:%s:%d:%s", c.id, authTag(auth), e.category, e.ts, v.name)
			if used[native] {
				// The same attribute twice at the same time stamp: keep
				// both, the second under its event's position.
				native += ":" + strconv.Itoa(e.index)
			}
			if err := put(native, e.category, v, &auth, e.ts); err != nil {
				return err
			}
		}
	}
	return nil
}

func authTag(auth bool) string {
	if auth {
		return "auth"
	}
	return "unauth"
}

// sdeEvent is one engagement attribute event, its content unwrapped.
type sdeEvent struct {
	auth     bool
	category string // the sdeType, such as CART_STATUS
	key      string // the attribute's key, such as cartStatus
	ts       int64  // server time stamp, epoch ms
	index    int
	fields   map[string]any
}

// sdeEvents reads the authenticated (sdes) and unauthenticated
// (unAuthSdes) events. An event's own isAuthenticated wins over its list.
func (c *conv) sdeEvents() []sdeEvent {
	if c.sdes != nil {
		return *c.sdes
	}
	out := []sdeEvent{}
	defer func() { c.sdes = &out }()
	for _, l := range []struct {
		auth bool
		list sdeList
	}{{true, c.rec.Sdes}, {false, c.rec.UnAuthSdes}} {
		for i, raw := range l.list.Events {
			ev, ok := decodeTree(raw).(map[string]any)
			if !ok {
				continue
			}
			auth := l.auth
			if b, ok := boolOf(ev["isAuthenticated"]); ok {
				auth = b
			}
			typ, _ := ev["sdeType"].(string)
			ts := msOf(ev["serverTimeStamp"])
			for _, k := range sortedKeys(ev) {
				content, ok := ev[k].(map[string]any)
				if !ok || k == "sdeType" || k == "serverTimeStamp" || k == "isAuthenticated" {
					continue
				}
				e := sdeEvent{auth: auth, category: typ, key: k, ts: ts, index: i, fields: map[string]any{}}
				if e.category == "" {
					e.category = upperSnake(k)
				}
				if e.ts == 0 {
					e.ts = msOf(content["serverTimeStamp"])
				}
				for _, f := range sortedKeys(content) {
					switch inner, isMap := content[f].(map[string]any); {
					case f == "serverTimeStamp" || f == "isAuthenticated":
						// The event's own, read above.
					case isMap && strings.EqualFold(f, k):
						// customerInfo.customerInfo: the attribute's
						// fields, one level down.
						for g, v := range inner {
							e.fields[g] = v
						}
					default:
						e.fields[f] = content[f]
					}
				}
				out = append(out, e)
			}
		}
	}
	return out
}

// values flattens the event's fields into typed values.
func (e sdeEvent) values() []capVal {
	var out []capVal
	root := strings.ToLower(e.key)
	typeOf := func(pattern string) string {
		if pattern == "originaltimestamp" {
			return "date"
		}
		return sdeTypes[root+"."+pattern]
	}
	for _, k := range sortedKeys(e.fields) {
		out = append(out, flatten(k, e.fields[k], "", typeOf)...)
	}
	return out
}

// authenticatedContact is the first email address and phone number of an
// authenticated personal-info attribute.
func (c *conv) authenticatedContact() (email, phone string) {
	for _, e := range c.sdeEvents() {
		if !e.auth || !strings.EqualFold(e.key, "personalInfo") {
			continue
		}
		contacts, _ := e.fields["contacts"].([]any)
		for _, x := range contacts {
			m, _ := x.(map[string]any)
			pc, _ := m["personalContact"].(map[string]any)
			if pc == nil {
				pc = m
			}
			if s, ok := pc["email"].(string); ok {
				setIf(&email, emailText(s))
			}
			if s, ok := pc["phone"].(string); ok && !loaders.NoValue(loaders.SentinelLPPhone, s) {
				setIf(&phone, loaders.NormalizePhone(s))
			}
		}
	}
	return email, phone
}

// authenticatedCustomerID is the brand's own id for the customer, from an
// authenticated customer-info engagement attribute: a strong identifier,
// since the brand set it for a logged-in visitor. A visitor's own
// (unauthenticated) claim identifies nobody.
func (c *conv) authenticatedCustomerID() string {
	for _, e := range c.sdeEvents() {
		if !e.auth || !strings.EqualFold(e.key, "customerInfo") {
			continue
		}
		if s, ok := e.fields["customerId"].(string); ok && !loaders.NoValue(loaders.SentinelLPNull, s) {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// flattenWithin flattens the inside of an object or array: names are
// relative to it (a list's elements are 0, 1...).
func flattenWithin(v any, typeOf func(string) string) []capVal {
	var out []capVal
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			out = append(out, flatten(k, x[k], "", typeOf)...)
		}
	case []any:
		for i, e := range x {
			out = append(out, flatten(strconv.Itoa(i), e, "*", typeOf)...)
		}
	}
	return out
}

// flatten turns a JSON value into captured values named by their dotted
// path; typeOf (nil for untyped parts) gives the vendor type of a path
// pattern. Nulls, "undefined" and empty containers yield nothing.
func flatten(name string, v any, pattern string, typeOf func(string) string) []capVal {
	seg := strings.ToLower(lastSegment(name))
	if pattern == "" {
		pattern = seg
	}
	hint := ""
	if typeOf != nil {
		hint = typeOf(pattern)
	}
	switch x := v.(type) {
	case nil:
		return nil
	case map[string]any:
		if hint == "date" {
			if d, ok := ymd(x); ok {
				return []capVal{{name: name, value: d, valueType: "date"}}
			}
		}
		var out []capVal
		for _, k := range sortedKeys(x) {
			out = append(out, flatten(name+"."+k, x[k], pattern+"."+strings.ToLower(k), typeOf)...)
		}
		return out
	case []any:
		var out []capVal
		for i, e := range x {
			out = append(out, flatten(fmt.Sprintf("%s.%d", name, i), e, pattern+".*", typeOf)...)
		}
		return out
	case bool:
		return []capVal{{name: name, value: strconv.FormatBool(x), valueType: "boolean"}}
	case json.Number:
		return []capVal{typed(name, string(x), hint, true)}
	case string:
		if loaders.NoValue(loaders.SentinelLPText, x) {
			return nil
		}
		return []capVal{typed(name, x, hint, false)}
	}
	return nil
}

// typed types one leaf value (see the comment at the top of the file).
func typed(name, s, hint string, jsonNumber bool) capVal {
	v := capVal{name: name, value: s, valueType: "string"}
	last := lastSegment(name)
	isID := strings.HasSuffix(last, "Id") || strings.HasSuffix(last, "ID") || strings.EqualFold(last, "id")
	switch {
	case hint == "number" || (hint == "" && jsonNumber && !isID):
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			v.valueType, v.number = "number", &f
		}
	case hint == "boolean":
		if _, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			v.valueType = "boolean"
		}
	case hint == "date":
		if ms, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && ms > 0 {
			v.value, v.valueType = at(ms).Format("2006-01-02T15:04:05.000Z"), "date"
		}
	}
	return v
}

// ymd renders a {year, month, day} object (numbers or numeric strings) as
// an ISO date.
func ymd(m map[string]any) (string, bool) {
	var parts [3]int
	for i, k := range []string{"year", "month", "day"} {
		n, ok := intOf(m[k])
		if !ok {
			return "", false
		}
		parts[i] = n
	}
	t := time.Date(parts[0], time.Month(parts[1]), parts[2], 0, 0, 0, 0, time.UTC)
	if t.Year() != parts[0] || int(t.Month()) != parts[1] || t.Day() != parts[2] {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

func intOf(v any) (int, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// msOf reads an epoch-millisecond time stamp sent as a number or a string.
func msOf(v any) int64 {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = x
	default:
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

func boolOf(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(x)
		return b, err == nil
	}
	return false, false
}

// decodeTree decodes JSON with numbers kept as their text.
func decodeTree(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func lastSegment(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// upperSnake turns an attribute key (cartStatus) into its sdeType form
// (CART_STATUS), for events that do not say their type.
func upperSnake(k string) string {
	var b strings.Builder
	for i, r := range k {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
