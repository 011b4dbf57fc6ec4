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
		key("name", "Display name of the agent."),
		str("firstName", "Given name of the agent, where the source splits names."),
		str("lastName", "Family name of the agent, where the source splits names."),
		key("emailAddress", "Email address of the agent, lower-cased. The same address in two sources is the same agent."),
		str("customId", "Identifier an administrator gave the agent in the source's portal."),
		str("roles", "Roles the agent holds in the source, as the source lists them."),
		str("controlGroup", "Group of agents that controls which conversations an agent may see (two-way messaging)."),
		deleted("agent"),
	)
	s := b.entity(agents, "Agents", "Agent",
		"People who handle conversations. One row per person and tenant, merged across sources by email address.",
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
		key("phoneNumber", "Phone number of the customer, in international format where the source gives one."),
		key("emailAddress", "Email address of the customer, lower-cased."),
		str("productGroup", "Product group the customer belongs to (two-way messaging)."),
	)
	s = b.entity(customers, "Customers", "Customer",
		"Customers (or patients) who contacted the center, matched across sources where they share an identifier.",
		"A customer.")
	s.Lookup = true
}
