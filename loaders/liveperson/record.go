package liveperson

import (
	"bytes"
	"encoding/json"
)

// record is one element of conversationHistoryRecords: a whole conversation
// as the API knows it at the time of the request.
type record struct {
	Info       json.RawMessage `json:"info"`
	Campaign   json.RawMessage `json:"campaign"`
	Monitoring json.RawMessage `json:"monitoring"`

	MessageRecords         list[message]     `json:"messageRecords"`
	AgentParticipants      list[participant] `json:"agentParticipants"`
	AgentParticipantsLeave list[participant] `json:"agentParticipantsLeave"`
	// The documentation says consumerParticipants and messageScores, its
	// examples consumerParticipant and messageScore; both are read.
	ConsumerParticipant  list[consumer] `json:"consumerParticipant"`
	ConsumerParticipants list[consumer] `json:"consumerParticipants"`
	MessageScore         list[score]    `json:"messageScore"`
	MessageScores        list[score]    `json:"messageScores"`

	Transfers           list[transfer]    `json:"transfers"`
	Interactions        list[interaction] `json:"interactions"`
	MessageStatuses     list[status]      `json:"messageStatuses"`
	ConversationSurveys list[survey]      `json:"conversationSurveys"`
	DialogsRaw          json.RawMessage   `json:"dialogs"`
	Sdes                sdeList           `json:"sdes"`
	UnAuthSdes          sdeList           `json:"unAuthSdes"`
	Summary             struct {
		Text            scalar `json:"text"`
		LastUpdatedTime scalar `json:"lastUpdatedTime"`
	} `json:"summary"`

	// Parts the model has no set for, kept whole as captured values.
	CoBrowseSessions        json.RawMessage `json:"coBrowseSessions"`
	ResponseTime            json.RawMessage `json:"responseTime"`
	AgentParticipantsActive json.RawMessage `json:"agentParticipantsActive"`
}

// extras are the record's parts kept as captured values under their own
// name as category; dialogs are read for their skills and kept as well.
func (r *record) extras() []struct {
	category string
	raw      json.RawMessage
} {
	return []struct {
		category string
		raw      json.RawMessage
	}{
		{"coBrowseSessions", r.CoBrowseSessions},
		{"responseTime", r.ResponseTime},
		{"agentParticipantsActive", r.AgentParticipantsActive},
		{"dialogs", r.DialogsRaw},
	}
}

// info is the fields of the conversation info the loader maps to columns;
// the others become captured values (see captured.go).
type info struct {
	ConversationID         scalar `json:"conversationId"`
	StartTime              scalar `json:"startTime"`
	StartTimeL             scalar `json:"startTimeL"`
	EndTime                scalar `json:"endTime"`
	EndTimeL               scalar `json:"endTimeL"`
	Duration               scalar `json:"duration"`
	Status                 scalar `json:"status"`
	CloseReason            scalar `json:"closeReason"`
	CloseReasonDescription scalar `json:"closeReasonDescription"`
	Source                 scalar `json:"source"`
	Device                 scalar `json:"device"`
	CSAT                   scalar `json:"csat"`
	CSATRate               scalar `json:"csatRate"`
	LatestSkillID          scalar `json:"latestSkillId"`
	LatestSkillName        scalar `json:"latestSkillName"`
	LatestAgentID          scalar `json:"latestAgentId"`
	LatestAgentLoginName   scalar `json:"latestAgentLoginName"`
	LatestAgentNickname    scalar `json:"latestAgentNickname"`
	LatestAgentFullName    scalar `json:"latestAgentFullName"`
	LatestAgentGroupID     scalar `json:"latestAgentGroupId"`
	LatestAgentGroupName   scalar `json:"latestAgentGroupName"`
	IsPartial              scalar `json:"isPartial"`
}

// infoColumns are the info fields info maps (lower case); the rest of the
// info object is kept as captured values.
var infoColumns = map[string]bool{
	"conversationid": true, "starttime": true, "starttimel": true, "endtime": true, "endtimel": true,
	"duration": true, "status": true, "closereason": true, "closereasondescription": true, "source": true,
	"device": true, "csat": true, "csatrate": true, "latestskillid": true, "latestskillname": true,
	"latestagentid": true, "latestagentloginname": true, "latestagentnickname": true,
	"latestagentfullname": true, "latestagentgroupid": true, "latestagentgroupname": true, "ispartial": true,
}

type message struct {
	Type          scalar          `json:"type"`
	MessageData   json.RawMessage `json:"messageData"`
	MessageID     scalar          `json:"messageId"`
	Seq           scalar          `json:"seq"`
	ParticipantID scalar          `json:"participantId"`
	Time          scalar          `json:"time"`
	TimeL         scalar          `json:"timeL"`
	SentBy        scalar          `json:"sentBy"`
	// ContextData is what a bot said about the message (intents, the
	// reason of an escalation); kept as captured values.
	ContextData json.RawMessage `json:"contextData"`
}

// participant is an agent participant (or one leaving).
type participant struct {
	AgentID        scalar `json:"agentId"`
	AgentLoginName scalar `json:"agentLoginName"`
	AgentNickname  scalar `json:"agentNickname"`
	AgentFullName  scalar `json:"agentFullName"`
	UserType       scalar `json:"userType"`
	UserTypeName   scalar `json:"userTypeName"`
	Role           scalar `json:"role"`
	Permission     scalar `json:"permission"`
	Time           scalar `json:"time"`
	TimeL          scalar `json:"timeL"`
}

type consumer struct {
	ParticipantID scalar `json:"participantId"`
	FirstName     scalar `json:"firstName"`
	LastName      scalar `json:"lastName"`
	Email         scalar `json:"email"`
	Phone         scalar `json:"phone"`
	ConsumerName  scalar `json:"consumerName"`
}

type transfer struct {
	Time                   scalar `json:"time"`
	TimeL                  scalar `json:"timeL"`
	AssignedAgentID        scalar `json:"assignedAgentId"`
	AssignedAgentLoginName scalar `json:"assignedAgentLoginName"`
	AssignedAgentNickname  scalar `json:"assignedAgentNickname"`
	AssignedAgentFullName  scalar `json:"assignedAgentFullName"`
	TargetSkillID          scalar `json:"targetSkillId"`
	TargetSkillName        scalar `json:"targetSkillName"`
	SourceSkillID          scalar `json:"sourceSkillId"`
	SourceSkillName        scalar `json:"sourceSkillName"`
	SourceAgentID          scalar `json:"sourceAgentId"`
	SourceAgentLoginName   scalar `json:"sourceAgentLoginName"`
	SourceAgentNickname    scalar `json:"sourceAgentNickname"`
	SourceAgentFullName    scalar `json:"sourceAgentFullName"`
	Reason                 scalar `json:"reason"`
	By                     scalar `json:"by"`
}

type interaction struct {
	AssignedAgentID        scalar `json:"assignedAgentId"`
	AssignedAgentLoginName scalar `json:"assignedAgentLoginName"`
	AssignedAgentNickname  scalar `json:"assignedAgentNickname"`
	AssignedAgentFullName  scalar `json:"assignedAgentFullName"`
	InteractionTime        scalar `json:"interactionTime"`
	InteractionTimeL       scalar `json:"interactionTimeL"`
}

type score struct {
	MessageID       scalar `json:"messageId"`
	MessageRawScore scalar `json:"messageRawScore"`
	Time            scalar `json:"time"`
	TimeL           scalar `json:"timeL"`
}

type status struct {
	MessageID             scalar `json:"messageId"`
	Seq                   scalar `json:"seq"`
	Time                  scalar `json:"time"`
	TimeL                 scalar `json:"timeL"`
	MessageDeliveryStatus scalar `json:"messageDeliveryStatus"`
}

type survey struct {
	SurveyType   scalar `json:"surveyType"`
	SurveyStatus scalar `json:"surveyStatus"`
	SurveyData   list[struct {
		Question scalar `json:"question"`
		Answer   scalar `json:"answer"`
	}] `json:"surveyData"`
}

// dialogs reads the dialogs (a list that tolerates any shape: unreadable
// dialogs are only kept as captured values).
func (r *record) dialogs() list[dialog] {
	var ds list[dialog]
	if len(r.DialogsRaw) > 0 && json.Unmarshal(r.DialogsRaw, &ds) != nil {
		return nil
	}
	return ds
}

type dialog struct {
	SkillID   scalar `json:"skillId"`
	SkillName scalar `json:"skillName"`
	EndTimeL  scalar `json:"endTimeL"`
}

// sdeList is the sdes or unAuthSdes container: {"events": [...]}. Each
// event is kept raw and flattened in captured.go.
type sdeList struct {
	Events list[json.RawMessage] `json:"events"`
}

// list is an array field that tolerates null and a lone object where an
// array is documented.
type list[T any] []T

// UnmarshalJSON implements json.Unmarshaler.
func (l *list[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*l = nil
	switch {
	case len(b) == 0 || b[0] == 'n':
		return nil
	case b[0] == '{':
		var one T
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = list[T]{one}
		return nil
	}
	var many []T
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}
