package powerbi

import (
	"fmt"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
)

// measure is a DAX measure of the model. Each is defined by the model's
// properties (README, "Measures"), and lives on the table it counts.
type measure struct {
	table  string
	name   string
	desc   string
	dax    string
	format string
	// needs lists the "Set.property" pairs the DAX reads. A measure whose
	// sets are not all in the project is left out; a property missing from
	// the model is an error, so a renamed property cannot leave a measure
	// silently broken.
	needs []string
}

// standardMeasures are the contact-center measures. The values they compare
// with ("Abandoned", "Handled", "AgentConnected") are the model's
// documented vocabularies of conversationEndedReason, Workitems.result and
// QueueSegments.dequeuedReason.
var standardMeasures = []measure{
	{table: "Conversations", name: "Conversations", format: "#,0",
		desc:  "Number of conversations (rows of Conversations).",
		dax:   "COUNTROWS('Conversations')",
		needs: []string{"Conversations.id"}},
	{table: "Conversations", name: "Handled Conversations", format: "#,0",
		desc:  "Conversations an agent took: agentId is set.",
		dax:   "CALCULATE([Conversations], NOT ISBLANK('Conversations'[agentId]))",
		needs: []string{"Conversations.agentId"}},
	{table: "Conversations", name: "Abandoned Conversations", format: "#,0",
		desc:  "Conversations the customer left before an agent answered: conversationEndedReason is Abandoned.",
		dax:   `CALCULATE([Conversations], 'Conversations'[conversationEndedReason] = "Abandoned")`,
		needs: []string{"Conversations.conversationEndedReason"}},
	{table: "Conversations", name: "Abandon Rate", format: "0.0%",
		desc:  "Abandoned Conversations divided by Conversations.",
		dax:   "DIVIDE([Abandoned Conversations], [Conversations])",
		needs: []string{"Conversations.conversationEndedReason"}},
	{table: "Conversations", name: "Average CSAT", format: "0.00",
		desc:  "Mean customer satisfaction score (csat) over the conversations that have one, on the sources' own scales.",
		dax:   "AVERAGE('Conversations'[csat])",
		needs: []string{"Conversations.csat"}},
	{table: "Workitems", name: "Average Handle Time (s)", format: "#,0.0",
		desc:  "Mean durationInSeconds (offer to close, wrap-up included) of the workitems whose result is Handled, in seconds.",
		dax:   `CALCULATE(AVERAGE('Workitems'[durationInSeconds]), 'Workitems'[result] = "Handled")`,
		needs: []string{"Workitems.durationInSeconds", "Workitems.result"}},
	{table: "QueueSegments", name: "Average Speed of Answer (s)", format: "#,0.0",
		desc:  "Mean durationInSeconds of the queue stays that ended with an agent (dequeuedReason is AgentConnected), in seconds.",
		dax:   `CALCULATE(AVERAGE('QueueSegments'[durationInSeconds]), 'QueueSegments'[dequeuedReason] = "AgentConnected")`,
		needs: []string{"QueueSegments.durationInSeconds", "QueueSegments.dequeuedReason"}},
	{table: "Messages", name: "Messages per Conversation", format: "0.0",
		desc:  "Messages divided by Conversations, over the same filters (a date filter counts messages sent and conversations started in the period).",
		dax:   "DIVIDE(COUNTROWS('Messages'), [Conversations])",
		needs: []string{"Messages.id", "Conversations.id"}},
}

// measures returns the standard measures whose sets are all in the project.
func measures(m *edm.Model, tables []*table) ([]*measure, error) {
	in := map[string]bool{}
	for _, t := range tables {
		in[t.name] = true
	}
	var out []*measure
	for i := range standardMeasures {
		ms := &standardMeasures[i]
		include := in[ms.table]
		for _, need := range ms.needs {
			set, prop, _ := strings.Cut(need, ".")
			s := setByName(m, set)
			if s == nil || propByName(s.Type, prop) == nil {
				return nil, fmt.Errorf("measure %q reads %s, which the model does not have", ms.name, need)
			}
			include = include && in[set]
		}
		if include {
			out = append(out, ms)
		}
	}
	return out, nil
}
