package buzzeasy

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/store"
)

// renames are the Buzzeasy field names that the naming rule alone (match
// case-insensitively, so channelID is channelId and startTimeUtc is
// startTimeUTC) does not turn into the model's name. Keys are normalized
// (see normalize); a rename applies only in a table that has its target.
// Names marked [inf] are not in the vendor's field lists (which give only
// a sentence for those tables) and are the likely spelling.
var renames = map[string]string{
	// Durations despite the name; the Emails table calls them
	// inChannel...DurationInSeconds, and so does the model.
	"ischannelopen":   "inChannelOpenDurationInSeconds",
	"ischannelclosed": "inChannelClosedDurationInSeconds",
	// The lookup tables' deletion time is UTC ("UTC timestamp of when our
	// refresh service detected the queue as deleted"); the model spells
	// every UTC time with the suffix.
	"deletedat": "deletedAtUTC",
	// Queues: "routing mode", with a space.
	"routingmode": "routingMode",
	// Campaign record detail tables [inf].
	"customfieldvalues":     "customFieldValue",
	"primaryphonenumber":    "customerPhone",
	"additionalphonenumber": "phoneNumber",
	"recordid":              "campaignRecordId",
}

// normalize folds a field or table name for matching: lower case, without
// spaces, underscores or hyphens. Case folding is what makes Buzzeasy's two
// spellings of one word meet the model's majority spelling (ID and Id,
// Utc and UTC, Name and name).
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == ' ' || r == '_' || r == '-':
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fieldKind says how a field's value is read.
type fieldKind int

const (
	// plain: the value as the column's type.
	plain fieldKind = iota
	// foreignKey: a Buzzeasy id, rewritten to tenant:buzzeasy:<id> so the
	// navigation finds the row loaded from the other table.
	foreignKey
	// personKey: a Buzzeasy agent or customer id, a mention of that
	// person (loaders.Batch.Agent, Customer): the row points at the
	// person the mention belongs to.
	personKey
	// instantUTC: a UTC timestamp; a value without an offset is UTC.
	instantUTC
	// instantLocal: a tenant-local twin. The store recomputes it from the
	// UTC value, so it is used only when the record lacks the UTC field;
	// a value without an offset is read in the tenant's zone.
	instantLocal
	// ignored: the row's identity (id, tenantId, source, sourceId) and, in
	// the Conversations table, mediaType, which the set decides. Buzzeasy's
	// own tenantId (AgentBusinessUnitChanges) is the vendor's tenant GUID;
	// rows land in the tenant the load is for.
	ignored
)

// field is where one Buzzeasy field goes.
type field struct {
	col  *edm.Property
	kind fieldKind
}

// table is one Buzzeasy table (an entity set of the model) and its fields.
type table struct {
	set    *edm.EntitySet
	fields map[string]field // by normalized name
	// media is the mediaType of the rows: the slice value for Calls, Chats
	// and Emails; "" for Conversations (decided per row) and other tables.
	media string
	// conv is true for the sets of the Conversations table.
	conv bool
}

// lookup finds the field a record's key names, or false.
func (t *table) lookup(name string) (field, bool) {
	f, ok := t.fields[normalize(name)]
	return f, ok
}

var (
	tablesOnce sync.Once
	tables     map[string]*table // by normalized set name and its singular
	tableList  []*table          // in model order
)

// tableFor returns the table of a Buzzeasy table name: the model's set of
// the same name, compared case-insensitively, singular or plural
// ("Workitem" is Workitems).
func tableFor(name string) *table {
	tablesOnce.Do(buildTables)
	n := normalize(name)
	if t := tables[n]; t != nil {
		return t
	}
	return tables[strings.TrimSuffix(n, "s")]
}

// allTables lists every loadable table in model order.
func allTables() []*table {
	tablesOnce.Do(buildTables)
	return tableList
}

// buildTables derives the field map of every entity set from the model: each
// column is found under its own name, under the renames that point to it,
// and is a foreign key when a navigation walks it.
func buildTables() {
	m := edm.Default()
	fks := foreignKeys(m)
	tables = map[string]*table{}
	for _, s := range m.Sets {
		if s.AdminOnly {
			continue
		}
		t := &table{set: s, fields: map[string]field{}, conv: s.Type.Table.Name == "Conversations"}
		if s.Slice != nil && len(s.Slice.Values) == 1 {
			t.media = s.Slice.Values[0]
		}
		for _, c := range s.Type.Table.Columns {
			if c.Internal {
				continue
			}
			f := field{col: c}
			switch {
			case c.Name == "id" || c.Name == "tenantId" || c.Name == "source" || c.Name == "sourceId":
				f.kind = ignored
			case t.conv && c.Name == "mediaType":
				f.kind = ignored
			case c.Type == edm.DateTimeOffset && c.UTC != nil:
				f.kind = instantLocal
			case c.Type == edm.DateTimeOffset:
				f.kind = instantUTC
			case c.Ref != nil:
				f.kind = personKey
			case fks[c]:
				f.kind = foreignKey
			}
			t.fields[normalize(c.Name)] = f
		}
		for from, to := range renames {
			if c := s.Type.Table.Column(to); c != nil {
				t.fields[from] = t.fields[normalize(to)]
			}
		}
		tableList = append(tableList, t)
		n := normalize(s.Name)
		tables[n] = t
		if sing := strings.TrimSuffix(n, "s"); sing != n && tables[sing] == nil {
			tables[sing] = t
		}
	}
}

// foreignKeys lists the columns that hold another row's key: the source of
// every single-valued navigation and the target of every collection one.
func foreignKeys(m *edm.Model) map[*edm.Property]bool {
	out := map[*edm.Property]bool{}
	for _, et := range m.Types {
		for _, n := range et.Navigations {
			if n.Collection {
				if n.TargetProp.Name != "id" {
					out[n.TargetProp] = true
				}
			} else if n.SourceProp.Name != "id" {
				out[n.SourceProp] = true
			}
		}
	}
	return out
}

// ModelName returns the model's property for a Buzzeasy field of a
// Buzzeasy table, by the naming rule and the renames; ok is false for a
// table or field the model does not have, and for the row's identity.
func ModelName(tableName, fieldName string) (string, bool) {
	t := tableFor(tableName)
	if t == nil {
		return "", false
	}
	f, ok := t.lookup(fieldName)
	if !ok || f.kind == ignored {
		return "", false
	}
	return f.col.Name, true
}

// tableFromContext reads the table from a context URL:
// ".../$metadata#Calls", "#Calls(id,name)", "#Calls/$entity".
func tableFromContext(ctx string) (string, *table) {
	_, frag, ok := strings.Cut(ctx, "#")
	if !ok {
		return "", nil
	}
	name := frag
	if i := strings.IndexAny(name, "(/"); i >= 0 {
		name = name[:i]
	}
	return name, tableFor(name)
}

// tableFromFileName finds a table named in a file name ("Calls.json",
// "buzzeasy_queue-segments_2026-09-01.json"): the longest run of the name's
// words that names a table.
func tableFromFileName(name string) *table {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	words := strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == ' ' || r == '.' })
	for n := len(words); n > 0; n-- {
		for i := 0; i+n <= len(words); i++ {
			if t := tableFor(strings.Join(words[i:i+n], "")); t != nil {
				return t
			}
		}
	}
	return nil
}

// mediaOf decides a row of the Conversations set (Buzzeasy's unfiltered
// table, which says no medium): a mediaType the model knows wins (a ccfeed
// feed upstream writes one), else the channel type decides.
func mediaOf(mediaType, channelType string) string {
	switch m := strings.ToLower(mediaType); m {
	case edm.MediaVoice, edm.MediaChat, edm.MediaEmail, edm.MediaOther:
		return m
	}
	switch c := strings.ToLower(channelType); {
	case c == "":
		return edm.MediaOther
	case c == "voice" || c == "phone" || c == "call":
		return edm.MediaVoice
	case c == "email" || c == "mail":
		return edm.MediaEmail
	}
	// Webchat, Viber, Facebook, WhatsApp, Instagram, Messenger, SMS.
	return edm.MediaChat
}

// naturalKeys identify the rows of the tables whose documented fields have
// no id (CollectedData, CapturedData, AgentBusinessUnitChanges; the campaign
// record detail tables are described without a field list). A row with an
// id keeps it; one without gets a key made of these model columns, so
// loading it again updates the same row. CollectedData and CapturedData are
// keyed with their time: the same variable set twice is two rows.
var naturalKeys = map[string][]string{
	"CollectedData":                        {"workitemId", "name", "createdAtUTC"},
	"CapturedData":                         {"conversationId", "name", "timestampUTC"},
	"AgentBusinessUnitChanges":             {"agentId", "businessUnitId", "timestampUTC"},
	"CampaignRecordCustomFields":           {"campaignRecordId", "customFieldName"},
	"CampaignRecordAdditionalPhoneNumbers": {"campaignRecordId", "phoneNumber"},
	"CampaignRecordRegistrations":          {"campaignRecordId"},
}

// naturalID makes the key of a row without an id from its natural key
// columns, hashed: keys travel in URLs, and a phone number has no place
// there. missing names the first column the row lacks.
func naturalID(set string, cols []string, r *store.Row) (native, missing string) {
	h := sha256.New()
	for _, c := range cols {
		var part string
		switch v := r.Get(c).(type) {
		case nil:
			return "", c
		case string:
			part = v
		case time.Time:
			part = strconv.FormatInt(v.UnixMilli(), 10)
		default:
			return "", c
		}
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return strings.ToLower(set) + "-" + hex.EncodeToString(h.Sum(nil)[:10]), ""
}
