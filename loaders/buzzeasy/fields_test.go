package buzzeasy_test

import (
	"fmt"
	"testing"

	"github.com/ccfeed/ccfeed/loaders/buzzeasy"
)

// TestModelName checks the naming rule on Buzzeasy's own spellings, taken
// from the vendor's field lists, and the explicit renames.
func TestModelName(t *testing.T) {
	for _, c := range []struct{ table, field, want string }{
		// The rule: case-insensitive, so ID is Id and Utc is UTC.
		{"Calls", "nextConversationID", "nextConversationId"},
		{"Calls", "TransferInitiatedBy", "transferInitiatedBy"},
		{"Calls", "TransferToExternalDestinationPhoneNumber", "transferToExternalDestinationPhoneNumber"},
		{"Chats", "channelID", "channelId"},
		{"Emails", "threadID", "threadId"},
		{"AgentStates", "agentID", "agentId"},
		{"AgentStates", "startTimeUtc", "startTimeUTC"},
		{"AgentBusinessUnitChanges", "timestampUtc", "timestampUTC"},
		{"BotSegments", "conversationID", "conversationId"},
		{"CampaignRecords", "campaignID", "campaignId"},
		{"CampaignRecords", "CreatedAt", "createdAt"},
		{"CapturedData", "TimestampUtc", "timestampUTC"},
		{"CapturedData", "ConversationId", "conversationId"},
		{"CollectedData", "createdAtUtc", "createdAtUTC"},
		{"Queues", "Name", "name"},
		{"Users", "Name", "name"},
		{"WorkitemConversationSessions", "conversationID", "conversationId"},
		{"WorkitemEvaluationData", "evaluationID", "evaluationId"},
		{"WorkitemEvaluationData", "scriptID", "scriptId"},
		{"WorkitemEvaluations", "startedAtUtc", "startedAtUTC"},
		{"WorkitemEvaluations", "workitemID", "workitemId"},
		{"Workitem", "primaryConversationID", "primaryConversationId"}, // singular table name
		{"Workitems", "queueID", "queueId"},
		// Renames.
		{"Calls", "isChannelOpen", "inChannelOpenDurationInSeconds"},
		{"Chats", "isChannelClosed", "inChannelClosedDurationInSeconds"},
		{"Agents", "deletedAt", "deletedAtUTC"},
		{"Queues", "routing mode", "routingMode"},
		{"CampaignRecordCustomFields", "customFieldValues", "customFieldValue"},
		{"CampaignRecordRegistrations", "primaryPhoneNumber", "customerPhone"},
		// Not fields: identity, Buzzeasy's tenant GUID, unknown names.
		{"Calls", "id", ""},
		{"AgentBusinessUnitChanges", "tenantId", ""},
		{"Calls", "mediaType", ""},
		{"Queues", "colour", ""},
		{"Gadgets", "name", ""},
	} {
		got, ok := buzzeasy.ModelName(c.table, c.field)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("ModelName(%s, %s) = %q, %v; want %q", c.table, c.field, got, ok, c.want)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name, head string
		want       bool
	}{
		{"Calls.json", `{"@odata.context":"https://x/odata/$metadata#Calls","value":[]}`, true},
		{"page", "\xEF\xBB\xBF\n  {\n \"@odata.context\": \"#Chats\"", true},
		{"conversations.json", `{"conversationHistoryRecords":[{"info":{}}]}`, false},
		{"report.csv", "ccid,event_time,event\n", false},
		{"Calls.json", `{"value":[]}`, false}, // no context: name it with --source
	} {
		if got := (buzzeasy.Source{}).Sniff(c.name, []byte(c.head)); got != c.want {
			t.Errorf("Sniff(%s, %q) = %v", c.name, c.head, got)
		}
	}
}

func ExampleModelName() {
	for _, f := range []string{"channelID", "isChannelOpen", "startedAtUTC", "deletedAt"} {
		name, _ := buzzeasy.ModelName("Chats", f)
		fmt.Println(f, "->", name)
	}
	// Output:
	// channelID -> channelId
	// isChannelOpen -> inChannelOpenDurationInSeconds
	// startedAtUTC -> startedAtUTC
	// deletedAt ->
}
