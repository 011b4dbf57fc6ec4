package loaders

// Limits bound what one file can make a load hold in memory, whatever the
// file holds. No real vendor file comes near them: the largest field of the
// vendors' documents is a message body, a few KB, and Excel itself stops a
// cell at 32,767 characters. A file that crosses one is hostile or broken,
// and the answer is a clear reject or failure instead of a load that grows
// until the machine runs out of memory.
//
// Crossing MaxField or MaxRecord rejects the record (a LoadRejects row with
// the file, line and field) and the rest of the file loads. Crossing
// MaxInflated, or a field limit inside a workbook (which Excel cannot have
// written), fails the file as a whole and keeps nothing of it.
type Limits struct {
	// MaxField is the largest value of one field, in bytes: a CSV field, a
	// JSON string (or number), a spreadsheet cell.
	MaxField int
	// MaxRecord is the largest record, in bytes as written in the file: a
	// CSV record (one line, or several for quoted line breaks), one JSON
	// record (a conversation, an interaction, a row of an OData page) or
	// the top-level fields of a JSON file around them.
	MaxRecord int
	// MaxInflated is the largest size one part of an XLSX workbook (a
	// sheet, the shared strings) may inflate to: a few MB of zip can hold
	// GBs of XML.
	MaxInflated int64
	// MaxConversationEvents is the most events of one conversation a
	// two-way report may hold, counted over the stretch of the file that
	// is read before its conversations are written (events further apart
	// are counted separately). A conversation's events are planned
	// together, so this bounds the memory and time one conversation takes.
	MaxConversationEvents int
}

// DefaultLimits are the limits of a load that sets none.
var DefaultLimits = Limits{
	MaxField:              1 << 20,
	MaxRecord:             16 << 20,
	MaxInflated:           4 << 30,
	MaxConversationEvents: 20_000,
}

// OrDefault fills the limits left at zero with the defaults.
func (l Limits) OrDefault() Limits {
	d := DefaultLimits
	if l.MaxField > 0 {
		d.MaxField = l.MaxField
	}
	if l.MaxRecord > 0 {
		d.MaxRecord = l.MaxRecord
	}
	if l.MaxInflated > 0 {
		d.MaxInflated = l.MaxInflated
	}
	if l.MaxConversationEvents > 0 {
		d.MaxConversationEvents = l.MaxConversationEvents
	}
	// A record holds at least one field: a field limit above the record
	// limit could never be reached.
	d.MaxField = min(d.MaxField, d.MaxRecord)
	return d
}
