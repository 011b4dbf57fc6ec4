package edm

import "sync"

// declareNavigations wires the documented relations. Every navigation is
// backed by a foreign key column that stays in the entity, because BI users
// build their relationships on those columns rather than on navigation.
func declareNavigations(b *builder) {
	// Conversations and their slices share relations.
	for _, set := range []string{"Conversations", "Calls", "Chats", "Emails"} {
		b.one(set, "Channel", "Channels", "channelId", "Channel the customer used.")
		b.one(set, "BusinessUnit", "BusinessUnits", "businessUnitId", "Business unit of the conversation.")
		b.one(set, "Customer", "Customers", "customerId", "Customer of the conversation.")
		b.one(set, "Agent", "Agents", "agentId", "Last agent who handled the conversation.")
		b.one(set, "Queue", "Queues", "queueId", "Last queue the conversation went through.")
		b.one(set, "NextConversation", "Conversations", "nextConversationId", "Conversation that continued this one after a transfer.")
		b.many(set, "Messages", "Messages", "conversationId", "Messages of the conversation.")
		b.many(set, "QueueSegments", "QueueSegments", "conversationId", "Stays of the conversation in queues.")
		b.many(set, "Workitems", "Workitems", "primaryConversationId", "Agent tasks created for the conversation.")
		b.many(set, "BotSegments", "BotSegments", "conversationId", "Passes of the conversation through bots.")
		b.many(set, "Transfers", "Transfers", "conversationId", "Transfers inside the conversation.")
		b.many(set, "CapturedData", "CapturedData", "conversationId", "Values captured during the conversation.")
		b.many(set, "RejectedEnqueueAttempts", "RejectedEnqueueAttempts", "conversationId", "Queues that refused the conversation.")
		b.many(set, "SurveyAnswers", "SurveyAnswers", "conversationId", "Survey answers given after the conversation.")
	}

	b.one("Messages", "Conversation", "Conversations", "conversationId", "Conversation the message belongs to.")
	b.one("Messages", "Agent", "Agents", "agentId", "Agent who sent the message.")

	b.one("Transfers", "Conversation", "Conversations", "conversationId", "Conversation that was transferred.")
	b.one("Transfers", "FromAgent", "Agents", "fromAgentId", "Agent who handed the conversation over.")
	b.one("Transfers", "ToAgent", "Agents", "toAgentId", "Agent who received the conversation.")
	b.one("Transfers", "FromQueue", "Queues", "fromQueueId", "Queue the conversation left.")
	b.one("Transfers", "ToQueue", "Queues", "toQueueId", "Queue the conversation was sent to.")

	b.one("QueueSegments", "Conversation", "Conversations", "conversationId", "Conversation that waited.")
	b.one("QueueSegments", "Queue", "Queues", "queueId", "Queue the conversation waited in.")
	b.one("QueueSegments", "Channel", "Channels", "channelId", "Channel the conversation came through.")
	b.one("QueueSegments", "Agent", "Agents", "agentId", "Agent who took the conversation.")

	b.one("RejectedEnqueueAttempts", "Conversation", "Conversations", "conversationId", "Conversation that was refused.")
	b.one("RejectedEnqueueAttempts", "Queue", "Queues", "queueId", "Queue that refused.")
	b.one("RejectedEnqueueAttempts", "Channel", "Channels", "channelId", "Channel the conversation came through.")

	b.one("Workitems", "Agent", "Agents", "agentId", "Agent the task was offered to.")
	b.one("Workitems", "Queue", "Queues", "queueId", "Queue the task came from.")
	b.one("Workitems", "Conversation", "Conversations", "primaryConversationId", "Conversation that created the task.")
	b.one("Workitems", "Channel", "Channels", "primaryChannelId", "First channel of the task.")
	b.one("Workitems", "BusinessUnit", "BusinessUnits", "businessUnitId", "Business unit of the task.")
	b.one("Workitems", "Customer", "Customers", "customerId", "Customer of the task.")
	b.many("Workitems", "ConversationSessions", "WorkitemConversationSessions", "workitemId", "Conversations inside the task.")
	b.many("Workitems", "Evaluations", "WorkitemEvaluations", "workitemId", "Quality evaluations of the task.")
	b.many("Workitems", "EvaluationData", "WorkitemEvaluationData", "workitemId", "Evaluation answers about the task.")
	b.many("Workitems", "CollectedData", "CollectedData", "workitemId", "Values collected during the task.")

	b.one("WorkitemConversationSessions", "Workitem", "Workitems", "workitemId", "Task the session belongs to.")
	b.one("WorkitemConversationSessions", "Conversation", "Conversations", "conversationId", "Conversation of the session.")

	b.one("WorkitemEvaluations", "Workitem", "Workitems", "workitemId", "Task that was evaluated.")
	b.one("WorkitemEvaluations", "Evaluator", "Users", "createdBy", "User who evaluated.")
	b.many("WorkitemEvaluations", "Data", "WorkitemEvaluationData", "evaluationId", "Answers of the evaluation.")

	b.one("WorkitemEvaluationData", "Workitem", "Workitems", "workitemId", "Task that was evaluated.")
	b.one("WorkitemEvaluationData", "Evaluation", "WorkitemEvaluations", "evaluationId", "Evaluation the answer belongs to.")
	b.one("WorkitemEvaluationData", "Evaluator", "Users", "createdBy", "User who evaluated.")

	b.one("CollectedData", "Workitem", "Workitems", "workitemId", "Task in which the value was collected.")
	b.one("CapturedData", "Conversation", "Conversations", "conversationId", "Conversation the value was captured in.")
	b.one("SurveyAnswers", "Conversation", "Conversations", "conversationId", "Conversation the survey followed.")

	b.one("AgentStates", "Agent", "Agents", "agentId", "Agent whose state this is.")
	b.one("AgentBusinessUnitChanges", "Agent", "Agents", "agentId", "Agent concerned.")
	b.one("AgentBusinessUnitChanges", "BusinessUnit", "BusinessUnits", "businessUnitId", "Business unit concerned.")

	b.one("BotSegments", "Conversation", "Conversations", "conversationId", "Conversation the bot talked in.")
	b.one("BotSegments", "BotStep", "BotSteps", "botStepId", "Bot step of the segment.")
	b.one("BotSegments", "Channel", "Channels", "channelId", "Channel of the conversation.")

	b.many("Agents", "Workitems", "Workitems", "agentId", "Tasks offered to the agent.")
	b.many("Agents", "AgentStates", "AgentStates", "agentId", "State history of the agent.")
	b.many("Agents", "Messages", "Messages", "agentId", "Messages the agent sent.")
	b.many("Agents", "BusinessUnitChanges", "AgentBusinessUnitChanges", "agentId", "Business units the agent joined and left.")
	b.many("Agents", "Conversations", "Conversations", "agentId", "Conversations the agent handled last.")

	b.one("Channels", "BusinessUnit", "BusinessUnits", "businessUnitId", "Business unit the channel belongs to.")
	b.many("Channels", "Queues", "Queues", "channelId", "Queues that serve the channel.")
	b.many("Channels", "Conversations", "Conversations", "channelId", "Conversations that came through the channel.")

	b.many("BusinessUnits", "Channels", "Channels", "businessUnitId", "Channels of the business unit.")
	b.many("BusinessUnits", "Conversations", "Conversations", "businessUnitId", "Conversations of the business unit.")

	b.one("Queues", "Channel", "Channels", "channelId", "Channel the queue serves.")
	b.many("Queues", "QueueSegments", "QueueSegments", "queueId", "Stays of conversations in the queue.")
	b.many("Queues", "Workitems", "Workitems", "queueId", "Tasks that came from the queue.")

	b.many("BotSteps", "BotSegments", "BotSegments", "botStepId", "Passes of conversations through the step.")

	b.many("Customers", "Conversations", "Conversations", "customerId", "Conversations of the customer.")

	b.many("Campaigns", "Records", "CampaignRecords", "campaignId", "Records of the campaign.")
	b.one("CampaignRecords", "Campaign", "Campaigns", "campaignId", "Campaign of the record.")
	b.many("CampaignRecords", "Registrations", "CampaignRecordRegistrations", "campaignRecordId", "Uploads of the record.")
	b.many("CampaignRecords", "CustomFields", "CampaignRecordCustomFields", "campaignRecordId", "Custom fields of the record.")
	b.many("CampaignRecords", "AdditionalPhoneNumbers", "CampaignRecordAdditionalPhoneNumbers", "campaignRecordId", "Extra phone numbers of the record.")
	b.one("CampaignRecordRegistrations", "CampaignRecord", "CampaignRecords", "campaignRecordId", "Record that was registered.")
	b.one("CampaignRecordRegistrations", "Campaign", "Campaigns", "campaignId", "Campaign the record was uploaded to.")
	b.one("CampaignRecordCustomFields", "CampaignRecord", "CampaignRecords", "campaignRecordId", "Record the field belongs to.")
	b.one("CampaignRecordAdditionalPhoneNumbers", "CampaignRecord", "CampaignRecords", "campaignRecordId", "Record the number belongs to.")
}

var (
	defaultOnce  sync.Once
	defaultModel *Model
	defaultErr   error
)

// Namespace is the CSDL namespace of the model.
const Namespace = "ccfeed"

// Default returns the merged model. It is built once; a declaration error is
// a programming error caught by the package's tests, so Default panics on it.
func Default() *Model {
	defaultOnce.Do(func() {
		b := newBuilder(Namespace, "Feed")
		declareLookups(b)
		declareConversations(b)
		declareActivity(b)
		declareCampaigns(b)
		declareAdmin(b)
		declareNavigations(b)
		declareAdminNavigations(b)
		defaultModel, defaultErr = b.build()
	})
	if defaultErr != nil {
		panic(defaultErr)
	}
	return defaultModel
}
