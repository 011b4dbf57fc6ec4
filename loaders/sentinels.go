package loaders

import "strings"

// Sources write "no value" in many ways, and no rule holds across fields:
// LivePerson's -1 means "not ended" in endTimeL and "unassigned" in
// latestSkillId, but is a real (negative) value in alertedMCS. So every
// sentinel is listed here, per source and per class of fields, with what it
// means; a loader asks NoValue for the class of the field it reads, and a
// sentinel is never stored as a value. Each entry is tested
// (sentinels_test.go) on a field of its class.

// Sentinel is one source's way of writing "no value" in a class of fields.
type Sentinel struct {
	Source string
	// Class names the fields the loader asks about (a constant below).
	Class string
	// Fields says which vendor fields the class covers.
	Fields string
	// Values are compared after trimming spaces and without regard to case.
	Values []string
	// Meaning is the vendor's documented or evident meaning.
	Meaning string
}

// Classes of fields.
const (
	// LivePerson.
	SentinelLPText   = "lp-text"
	SentinelLPNull   = "lp-text-or-null"
	SentinelLPID     = "lp-id"
	SentinelLPPhone  = "lp-phone"
	SentinelLPDevice = "lp-device"
	SentinelLPTime   = "lp-epoch-ms"
	SentinelLPCSAT   = "lp-csat"
	// ino.
	SentinelInoDuration = "ino-duration"
	// CxEngage.
	SentinelCxText = "cx-text"
)

// Sentinels is the table.
var Sentinels = []Sentinel{
	{KindLivePerson, SentinelLPText, "text fields: endTime, device, browser, names, summary text, skill and group names, survey answers",
		[]string{"undefined"}, "no value: the vendor's examples write \"undefined\" where a text field has nothing"},
	{KindLivePerson, SentinelLPNull, "text fields that may also hold the word null: consumer names, email, token, close reasons, transfer reasons",
		[]string{"undefined", "null"}, "no value; \"null\" appears as a string (transfers[].assignedAgentId in the vendor's example)"},
	{KindLivePerson, SentinelLPID, "ids: latestAgentId, latestSkillId, latestAgentGroupId, agentGroupId, sourceSkillId, targetSkillId, sourceAgentId, assignedAgentId, participantId",
		[]string{"undefined", "null", "-1"}, "no id: -1 is \"unassigned\" (latestSkillId -1 with latestSkillName Unassigned), \"null\" an unassigned agent"},
	{KindLivePerson, SentinelLPPhone, "consumer phone",
		[]string{"undefined", "null", "0"}, "no phone number: the vendor's example consumer has phone \"0\""},
	{KindLivePerson, SentinelLPDevice, "device, operatingSystem",
		[]string{"undefined", "NA"}, "not known: the examples write NA for an operating system they could not tell"},
	{KindLivePerson, SentinelLPTime, "endTimeL and every epoch-millisecond time (*L, SDE time stamps)",
		[]string{"-1", "0"}, "no time: endTimeL is -1 while the conversation is open"},
	{KindLivePerson, SentinelLPCSAT, "csat, csatRate",
		[]string{"-1", "undefined", "null"}, "not rated: -1 lies outside every satisfaction scale (1 to 5), so it is the absence of a rating, not a very low one"},
	{KindIno, SentinelInoDuration, "Wait time, Exchange time, Post-interaction time, Total interaction time, video durations",
		[]string{"", "-", "--:--:--"}, "not measured (a distribution that never reached the step): an empty cell is no duration, not a zero"},
	{KindCxEngage, SentinelCxText, "text fields of an interaction: flagType, dispositionName, contactId, notes",
		[]string{"null", "undefined"}, "no value: JSON null is common; the same words as text are treated alike"},
}

var sentinelIndex = func() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, s := range Sentinels {
		m := out[s.Class]
		if m == nil {
			m = map[string]bool{}
			out[s.Class] = m
		}
		for _, v := range s.Values {
			m[strings.ToLower(v)] = true
		}
	}
	return out
}()

// NoValue reports whether v is a sentinel of the class: "no value" in that
// source's fields of that class.
func NoValue(class, v string) bool {
	m := sentinelIndex[class]
	if m == nil {
		panic("loaders: unknown sentinel class " + class)
	}
	return m[strings.ToLower(strings.TrimSpace(v))]
}
