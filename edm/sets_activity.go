package edm

func declareActivity(b *builder) {
	qs := b.table("QueueSegments", "queue segment",
		fk("conversationId", "Conversation that waited; joins to Conversations.id."),
		fk("channelId", "Channel the conversation came through; joins to Channels.id."),
		fk("queueId", "Queue (or skill) the conversation waited in; joins to Queues.id."),
		fk("agentId", "Agent who took the conversation out of the queue, when one did; joins to Agents.id."),
		utc("queuedAtUTC", "When the conversation entered the queue."),
		local("queuedAt", "queuedAtUTC", "When the conversation entered the queue."),
		utc("dequeuedAtUTC", "When the conversation left the queue."),
		local("dequeuedAt", "dequeuedAtUTC", "When the conversation left the queue."),
		secs("durationInSeconds", "Time spent in the queue."),
		str("dequeuedReason", "Why the conversation left the queue: AgentConnected, CallbackRequested, CustomerDisconnected, QueueTimedOut, Transferred or Ended."),
		str("sourceDequeuedReason", "Why the conversation left the queue, as the source wrote it."),
		str("entryType", "What put the conversation in the queue, as the source says: ivr, transfer, callback, timeout."),
		flag("slaAbandoned", "True when the customer gave up before the service-level threshold."),
		secs("slaTimeInSeconds", "Time counted against the service-level threshold."),
	)
	b.entity(qs, "QueueSegments", "QueueSegment",
		"Stays of conversations in queues: one row each time a conversation enters a queue, closed when it leaves.",
		"One stay of a conversation in a queue.")
	// Queue statistics (wait per queue, per queue and day, filtered by
	// reason, distinct conversations per queue) read this index alone, in
	// queue order, without touching the wide rows. The business unit comes
	// second so a unit's stays in a queue are ranges of it; the time third,
	// so the stays of a queue (and unit) arrive in time order and grouping
	// them by day sorts little (over 2M stays, per queue and day: 1.0-1.2 s
	// with the time third, 1.45 s with it after the other columns).
	b.cover(qs, "queue_stats", "aggregations per queue", "queueId", OwnerBusinessUnitColumn, "queuedAtUTC",
		"dequeuedReason", "entryType", "durationInSeconds", "queuedAt", "conversationId")
	// How stays end (abandons, timeouts, transfers), per queue or by what
	// put them in the queue, over their durations: a seek on the reason
	// instead of a pass over every stay, queues in order.
	b.cover(qs, "outcomes", "aggregations by outcome", "dequeuedReason", "queueId", "entryType", "durationInSeconds", OwnerBusinessUnitColumn)

	rej := b.table("RejectedEnqueueAttempts", "rejected enqueue attempt",
		fk("conversationId", "Conversation that could not enter the queue; joins to Conversations.id."),
		fk("channelId", "Channel the conversation came through; joins to Channels.id."),
		fk("queueId", "Queue that refused the conversation; joins to Queues.id."),
		utc("rejectedAtUTC", "When the queue refused the conversation."),
		local("rejectedAt", "rejectedAtUTC", "When the queue refused the conversation."),
		str("rejectReason", "Why the queue refused: NoAgentLoggedIn, NoStaffedAgentLoggedIn, NoAvailableStaffedAgent, EstimatedWaitTimeLimitReached or QueueSizeLimitReached."),
	)
	b.entity(rej, "RejectedEnqueueAttempts", "RejectedEnqueueAttempt",
		"Attempts to put a conversation in a queue that the queue refused, for example because nobody was logged in.",
		"A refused attempt to enter a queue.")

	wi := b.table("Workitems", "workitem",
		fk("agentId", "Agent the task was offered to; joins to Agents.id."),
		str("agentPhoneNumber", "Phone number the agent used for the task."),
		fk("businessUnitId", "Business unit of the conversation behind the task; joins to BusinessUnits.id."),
		fk("customerId", "Customer of the task; joins to Customers.id."),
		fk("queueId", "Queue the task came from; empty for outbound tasks. Joins to Queues.id."),
		fk("primaryChannelId", "First channel of the task; joins to Channels.id."),
		fk("primaryConversationId", "Conversation that created the task; joins to Conversations.id."),
		str("mediaType", "Medium of the task, for example voice, webchat, email, whatsapp, sms."),
		utc("startTimeUTC", "When the task was created for the agent."),
		local("startTime", "startTimeUTC", "When the task was created for the agent."),
		utc("endTimeUTC", "When the agent closed the task."),
		local("endTime", "endTimeUTC", "When the agent closed the task."),
		secs("durationInSeconds", "Whole life of the task, from offer to close."),
		secs("activeDurationInSeconds", "Time the agent actively worked the task, without preview and wrap-up."),
		secs("previewDuration", "Time the task waited for the agent to accept it."),
		secs("wrapUpDuration", "Time spent in wrap-up after the conversation."),
		secs("lookupDuration", "Time spent looking up a contact, for outbound tasks."),
		str("result", "Outcome of the task: Handled, Missed, Cancelled, Abandoned, Rejected or Transferred."),
		str("sourceResult", "Outcome of the task as the source wrote it."),
		str("completionCode", "Completion (disposition) code set by the agent or the system."),
		text("notes", "Notes the agent wrote on the task."),
		str("scriptId", "Script run for the task."),
	)
	b.entity(wi, "Workitems", "Workitem",
		"Agent tasks: one row each time a conversation is offered to an agent, until the agent closes it.",
		"A task of one agent on one conversation.")

	sess := b.table("WorkitemConversationSessions", "workitem conversation session",
		fk("workitemId", "Task the session belongs to; joins to Workitems.id."),
		fk("conversationId", "Conversation of the session; joins to Conversations.id."),
		str("endedReason", "Why the session ended: AgentFailedToJoin, ConversationEnded, Transferred or default."),
		i32("holdCount", "Number of times the agent put the customer on hold."),
		secs("lastHoldDuration", "Length of the last hold."),
		secs("totalHoldDuration", "Total time on hold."),
	)
	b.entity(sess, "WorkitemConversationSessions", "WorkitemConversationSession",
		"Per-conversation details of tasks, such as holds.",
		"One conversation inside a task.")

	evals := b.table("WorkitemEvaluations", "workitem evaluation",
		fk("workitemId", "Task that was evaluated; joins to Workitems.id."),
		fk("createdBy", "User who evaluated; joins to Users.id."),
		str("scriptId", "Evaluation script used."),
		utc("startedAtUTC", "When the evaluation started."),
		local("startedAt", "startedAtUTC", "When the evaluation started."),
		utc("endedAtUTC", "When the evaluation ended."),
		local("endedAt", "endedAtUTC", "When the evaluation ended."),
	)
	b.entity(evals, "WorkitemEvaluations", "WorkitemEvaluation",
		"Quality evaluations of agent tasks, with their start and end, for measuring evaluation effort.",
		"A quality evaluation of a task.")

	evData := b.table("WorkitemEvaluationData", "workitem evaluation answer",
		fk("workitemId", "Task that was evaluated; joins to Workitems.id."),
		fk("evaluationId", "Evaluation the answer belongs to; joins to WorkitemEvaluations.id."),
		fk("createdBy", "User who evaluated; joins to Users.id."),
		str("scriptId", "Evaluation script used."),
		str("name", "Key of the script question."),
		str("value", "Answer given for the key."),
		utc("createdAtUTC", "When the answer was recorded."),
		local("createdAt", "createdAtUTC", "When the answer was recorded."),
	)
	b.entity(evData, "WorkitemEvaluationData", "WorkitemEvaluationDatum",
		"Answers of quality evaluations, one row per script key.",
		"One answer of an evaluation.")

	collected := b.table("CollectedData", "collected value",
		fk("workitemId", "Task in which the value was collected; joins to Workitems.id."),
		str("name", "Name of the script variable or field."),
		str("value", "Value the agent or the system set."),
		utc("createdAtUTC", "When the value was recorded."),
	)
	b.entity(collected, "CollectedData", "CollectedDatum",
		"Values collected by agent scripts during tasks, one row per variable.",
		"One value collected by a script.")

	captured := b.table("CapturedData", "captured value",
		fk("conversationId", "Conversation the value was captured in; joins to Conversations.id."),
		str("category", "Group the value belongs to, for example a LivePerson engagement attribute type (CART_STATUS), hook, disposition or controlTag."),
		str("name", "Name of the variable or attribute, dotted for nested values (products.0.price)."),
		str("value", "Value as text, exactly as received."),
		str("valueType", "Type of the value: string, number, boolean, date or json."),
		dbl("numberValue", "The value as a number, when valueType is number."),
		flag("isAuthenticated", "Whether the value came from an authenticated visitor, where the source says."),
		utc("timestampUTC", "When the value was set."),
	)
	b.entity(captured, "CapturedData", "CapturedDatum",
		"Name/value data captured about conversations: workflow variables, engagement attributes, CRM hooks, dispositions, tags.",
		"One captured name/value pair.")

	states := b.table("AgentStates", "agent state",
		fk("agentId", "Agent whose state this is; joins to Agents.id."),
		str("state", "State of the agent: Idle, Busy, Break or LoggedOut."),
		str("breakName", "Break reason the agent chose, for Break states."),
		flag("isLogin", "True when the state started with a login."),
		flag("isLogout", "True when the state is the result of a logout."),
		str("logoutReason", "Why the agent was logged out: AgentLogout, ConnectionTimeout or ForceLogout."),
		utc("startTimeUTC", "When the state started."),
		local("startTime", "startTimeUTC", "When the state started."),
		secs("durationInSeconds", "How long the state lasted."),
	)
	b.entity(states, "AgentStates", "AgentState",
		"History of agent states (available, busy, on break, logged out).",
		"One period in one state of one agent.")

	abu := b.table("AgentBusinessUnitChanges", "agent business unit change",
		fk("agentId", "Agent concerned; joins to Agents.id."),
		fk("businessUnitId", "Business unit concerned; joins to BusinessUnits.id."),
		flag("assigned", "True when the agent joined the business unit, false when the agent left it."),
		utc("timestampUTC", "When the change happened."),
	)
	b.entity(abu, "AgentBusinessUnitChanges", "AgentBusinessUnitChange",
		"Agents joining and leaving business units, for measuring how long agents served each unit.",
		"An agent joining or leaving a business unit.")

	bots := b.table("BotSegments", "bot segment",
		fk("conversationId", "Conversation the bot talked in; joins to Conversations.id."),
		fk("botStepId", "Bot step; joins to BotSteps.id."),
		fk("channelId", "Channel of the conversation; joins to Channels.id."),
		utc("startedAtUTC", "When the customer reached the bot."),
		local("startedAt", "startedAtUTC", "When the customer reached the bot."),
		utc("endedAtUTC", "When the customer left the bot."),
		local("endedAt", "endedAtUTC", "When the customer left the bot."),
		secs("durationInSeconds", "Time spent with the bot."),
		str("result", "What the customer did: Success, CustomerDisconnect or Failed."),
		str("botFinishedInfo", "Data the bot collected, such as the digit pressed or the menu option chosen; depends on the kind of bot."),
		str("botFinishedResult", "Output the bot passed to the workflow."),
		str("botInfo", "Extra detail some bots report, such as the QnA configuration or a retry outcome."),
	)
	b.entity(bots, "BotSegments", "BotSegment",
		"Time customers spent with bots: one row each time a conversation enters a bot node. Sum them per conversation for total bot time.",
		"One pass of a conversation through a bot node.")

	surveys := b.table("SurveyAnswers", "survey answer",
		fk("conversationId", "Conversation the survey followed; joins to Conversations.id."),
		str("surveyType", "Kind of survey, for example Satisfaction."),
		str("surveyStatus", "State of the survey, for example FILLED or SKIPPED."),
		str("question", "Question asked."),
		str("answer", "Answer given."),
		utc("answeredAtUTC", "When the answer was given, where the source says."),
	)
	b.entity(surveys, "SurveyAnswers", "SurveyAnswer",
		"Answers customers gave in surveys after conversations.",
		"One answer of a post-conversation survey.")
}

func declareCampaigns(b *builder) {
	recs := b.table("CampaignRecords", "campaign record",
		fk("campaignId", "Campaign of the record; joins to Campaigns.id."),
		str("status", "Current state of the record."),
		str("customerFirstName", "Given name of the customer to call."),
		str("customerLastName", "Family name of the customer to call."),
		str("customerPhone", "Main phone number of the customer."),
		utc("createdAtUTC", "When the record was created."),
		local("createdAt", "createdAtUTC", "When the record was created."),
		utc("closedAtUTC", "When the record was closed or completed."),
		local("closedAt", "closedAtUTC", "When the record was closed or completed."),
		secs("newStatusDuration", "Time the record spent newly added."),
		secs("queuedStatusDuration", "Time the record spent being processed."),
		secs("rescheduledStatusDuration", "Time the record spent rescheduled."),
		secs("totalCustomerRingTimeInSeconds", "Ring time over all dial attempts of the record."),
		secs("totalTalkTimeInSeconds", "Talk time with the customer over all dial attempts of the record."),
	)
	b.entity(recs, "CampaignRecords", "CampaignRecord",
		"Records (people to call) of outbound campaigns and where each stands.",
		"A record of an outbound campaign.")

	regs := b.table("CampaignRecordRegistrations", "campaign record registration",
		fk("campaignRecordId", "Record that was registered; joins to CampaignRecords.id."),
		fk("campaignId", "Campaign the record was uploaded to; joins to Campaigns.id."),
		str("customerFirstName", "Given name of the customer as uploaded."),
		str("customerLastName", "Family name of the customer as uploaded."),
		str("customerPhone", "Main phone number as uploaded."),
	)
	b.entity(regs, "CampaignRecordRegistrations", "CampaignRecordRegistration",
		"Records as they were uploaded to campaigns.",
		"An uploaded campaign record.")

	fields := b.table("CampaignRecordCustomFields", "campaign record custom field",
		fk("campaignRecordId", "Record the field belongs to; joins to CampaignRecords.id."),
		str("customFieldName", "Name of the custom field."),
		str("customFieldValue", "Value of the custom field."),
	)
	b.entity(fields, "CampaignRecordCustomFields", "CampaignRecordCustomField",
		"Custom fields of campaign records, one row per field.",
		"One custom field of a campaign record.")

	phones := b.table("CampaignRecordAdditionalPhoneNumbers", "campaign record phone number",
		fk("campaignRecordId", "Record the number belongs to; joins to CampaignRecords.id."),
		str("phoneNumber", "Additional phone number to try."),
	)
	b.entity(phones, "CampaignRecordAdditionalPhoneNumbers", "CampaignRecordAdditionalPhoneNumber",
		"Extra phone numbers of campaign records.",
		"An extra phone number of a campaign record.")
}
