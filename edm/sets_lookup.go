package edm

// Lookup sets: reference data that turns ids in the fact sets into names.
// Sources refresh them less often than facts (Buzzeasy once a day), so a
// deletedAtUTC value records when ccfeed learned of a deletion, not when it
// happened.

func declareLookups(b *builder) {
	deleted := func(what string) *Property {
		return utc("deletedAtUTC", "When the "+what+" was seen as deleted by its source; empty while it exists. Not an audit time: sources report deletions late.")
	}

	agents := b.table("Agents", "agent",
		str("name", "Display name of the agent."),
		str("firstName", "Given name of the agent, where the source splits names."),
		str("lastName", "Family name of the agent, where the source splits names."),
		str("emailAddress", "Email address of the agent, lower-cased. The same address in two sources is the same agent."),
		str("customId", "Identifier an administrator gave the agent in the source's portal."),
		str("roles", "Roles the agent holds in the source, as the source lists them."),
		str("controlGroup", "Group of agents that controls which conversations an agent may see (two-way messaging)."),
		deleted("agent"),
		flag("isBot", "True when a source reports this participant as a bot rather than a person (LivePerson's bot user type). Bots get no workitems."),
		str("buzzeasyAgentId", "The agent's own id in Buzzeasy; several ids, when Buzzeasy has more than one for the person, are listed smallest first, separated by commas."),
		str("cxengageAgentId", "The agent's own id in CxEngage (its user id); several are listed smallest first, separated by commas."),
		str("livepersonAgentId", "The agent's own id in LivePerson; several (one login address, several ids) are listed smallest first, separated by commas."),
	)
	personIdentity(agents, "agent")
	s := b.entity(agents, "Agents", "Agent",
		"People who handle conversations: one row per person and tenant, derived from what every source says about them. Sources name the same person by the same email address; a source that gives only a name (CxEngage, ino) is matched by name while exactly one person has it.",
		"A person who handles conversations.")
	s.Lookup = true

	users := b.table("Users", "user",
		str("name", "Display name of the user."),
		str("emailAddress", "Email address of the user."),
		str("customId", "Identifier an administrator gave the user in the source's portal."),
		str("userType", "Kind of user: Agent, Supervisor or User."),
		deleted("user"),
	)
	s = b.entity(users, "Users", "User",
		"Portal users of every kind: agents, supervisors and other users. Evaluations name their author here.",
		"A portal user.")
	s.Lookup = true

	bus := b.table("BusinessUnits", "business unit",
		str("name", "Name of the business unit."),
		deleted("business unit"),
	)
	s = b.entity(bus, "BusinessUnits", "BusinessUnit",
		"Business units, which partition channels, customers and agents inside a tenant.",
		"A business unit.")
	s.Lookup = true

	channels := b.table("Channels", "channel",
		str("name", "Name of the channel as shown in the source's portal."),
		str("channelType", "Medium of the channel, for example Voice, Webchat, WhatsApp, SMS or Email."),
		fk("businessUnitId", "Business unit the channel belongs to; joins to BusinessUnits.id."),
		deleted("channel"),
	)
	s = b.entity(channels, "Channels", "Channel",
		"Entry points customers use: phone numbers, chat widgets, messaging accounts, mailboxes.",
		"An entry point customers contact.")
	s.Lookup = true

	queues := b.table("Queues", "queue",
		str("name", "Name of the queue. Sources that route by skill (LivePerson) report skills here."),
		fk("channelId", "Channel the queue serves; joins to Channels.id."),
		str("routingMode", "How the queue hands out conversations: Automatic or Manual."),
		str("platformQueueId", "Number CxEngage gives the queue for workforce-management tools that cannot use its UUIDs."),
		deleted("queue"),
	)
	s = b.entity(queues, "Queues", "Queue",
		"Queues (and skills) where conversations wait for an agent.",
		"A queue or skill.")
	s.Lookup = true

	steps := b.table("BotSteps", "bot step",
		str("name", "Name of the bot step in its workflow."),
		str("type", "Kind of bot, for example qna, menuSelection, customBot or identifyCustomer."),
		str("mediaGroup", "Media group of the workflow the step is in: Chat, Email or Voice."),
		deleted("bot step"),
	)
	s = b.entity(steps, "BotSteps", "BotStep",
		"Bot nodes of workflows; names and types for the bot steps that BotSegments refer to.",
		"A bot node of a workflow.")
	s.Lookup = true

	campaigns := b.table("Campaigns", "campaign",
		str("name", "Name of the campaign."),
		str("campaignType", "Kind of campaign: Preview or Callback."),
		deleted("campaign"),
	)
	s = b.entity(campaigns, "Campaigns", "Campaign",
		"Outbound campaigns whose records are in the CampaignRecord sets.",
		"An outbound campaign.")
	s.Lookup = true

	customers := b.table("Customers", "customer",
		str("firstName", "Given name of the customer."),
		str("lastName", "Family name of the customer."),
		str("phoneNumber", "Phone number of the customer, in international format where the source gives one."),
		str("emailAddress", "Email address of the customer, lower-cased."),
		str("productGroup", "Product group the customer belongs to (two-way messaging)."),
		str("ccid", "The customer's id in the two-way messaging report (its ccid), the key patients are known by there; several are listed smallest first, separated by commas."),
		str("messagingId", "The customer's id in a messaging app (a Messenger page-scoped id, a Telegram id, a WhatsApp number) as ino reports it when there is no phone number; several are listed smallest first, separated by commas."),
		str("livepersonConsumerId", "The customer's participant id in LivePerson; several are listed smallest first, separated by commas."),
		str("buzzeasyCustomerId", "The customer's id in Buzzeasy; several are listed smallest first, separated by commas."),
	)
	personIdentity(customers, "customer")
	s = b.entity(customers, "Customers", "Customer",
		"Customers (or patients) who contacted the center: one row per person and tenant, derived from what every source says about them, matched across sources by a shared email address, phone number or customer id.",
		"A customer.")
	s.Lookup = true
}

// personIdentity rewrites the identity descriptions of a people table: its
// rows are derived from every source's mentions, not written by one source.
func personIdentity(t *Table, what string) {
	t.byName["id"].Description = "Key of the " + what + ": the tenant, the word " + what +
		" and a hash of the person's smallest strong identifier (or, for a person known by name or a source id only, of the smallest mention), joined by colons. It depends only on what was loaded, never on the order; treat it as opaque."
	t.byName["source"].Description = "Sources that mention the " + what + ", in alphabetical order, separated by commas."
	t.byName["sourceId"].Description = "The last part of the key: the hash that identifies the " + what + "."
}
