package ino

import "github.com/ccfeed/ccfeed/loaders/csvin"

// Column names are the English headers of the Reporter's documentation,
// normalized (csvin.Normalize). French exports are recognised through
// frenchHeaders. The Reporter's export format is not publicly documented:
// the French names below are the product's French interface wording as far
// as it is known, and unknown columns are ignored rather than refused.
const (
	colDistDate       = "distribution date"
	colDistEnd        = "distribution end date"
	colType           = "type"
	colMessagingType  = "messaging type"
	colSender         = "sender"
	colRecipient      = "recipient"
	colQueue          = "queue"
	colUser           = "user"
	colWait           = "wait time"
	colExchange       = "exchange time"
	colPost           = "post-interaction time"
	colTotal          = "total interaction time"
	colStatus         = "interaction status"
	colTransferred    = "transferred"
	colDetailed       = "detailed interaction status"
	colTransferDate   = "transfer date"
	colTransferRel    = "transfer release date"
	colTransferUser   = "transfer to user"
	colTransferQueue  = "transfer to the queue"
	colTransferGroup  = "transfer to the queue group"
	colTransferSmart  = "transfer to smart routing"
	colTransferEntry  = "transfer to entry point"
	colInteractionID  = "interaction id"
	colRoutingType    = "routing type"
	colVideo          = "call switched to video"
	colQueueTag       = "queue tag"
	colSessionStart   = "session start"
	colSessionEnd     = "session end"
	colEntryPoint     = "entry point"
	colMsgStatus      = "status"
	colDirection      = "direction"
	colSmartRouting   = "smart routing name"
	colCorrespondent  = "correspondent"
	colTransfer       = "transfer"
	colSMSID          = "sms id"
	colSendDate       = "send date"
	colSMSTemplate    = "sms template"
	colOrigin         = "origin"
	colSMSType        = "sms type"
	colSMSCategory    = "sms category"
	colCredits        = "credits"
	colContent        = "content"
	colDistributionID = "distribution id"
)

var frenchHeaders = map[string]string{
	"date de distribution":              colDistDate,
	"date de fin de distribution":       colDistEnd,
	"type de messagerie":                colMessagingType,
	"expéditeur":                        colSender,
	"destinataire":                      colRecipient,
	"file d'attente":                    colQueue,
	"utilisateur":                       colUser,
	"temps d'attente":                   colWait,
	"temps d'échange":                   colExchange,
	"temps de post-interaction":         colPost,
	"temps total d'interaction":         colTotal,
	"statut de l'interaction":           colStatus,
	"transférée":                        colTransferred,
	"transféré":                         colTransferred,
	"statut détaillé de l'interaction":  colDetailed,
	"date de transfert":                 colTransferDate,
	"date de libération du transfert":   colTransferRel,
	"transfert vers utilisateur":        colTransferUser,
	"transfert vers la file":            colTransferQueue,
	"transfert vers la file d'attente":  colTransferQueue,
	"transfert vers le groupe de files": colTransferGroup,
	"transfert vers le smart routing":   colTransferSmart,
	"transfert vers le point d'entrée":  colTransferEntry,
	"id de l'interaction":               colInteractionID,
	"type de routage":                   colRoutingType,
	"appel basculé en vidéo":            colVideo,
	"tag de file":                       colQueueTag,
	"tag de la file":                    colQueueTag,
	"début de session":                  colSessionStart,
	"fin de session":                    colSessionEnd,
	"point d'entrée":                    colEntryPoint,
	"statut":                            colMsgStatus,
	"sens":                              colDirection,
	"nom du smart routing":              colSmartRouting,
	"correspondant":                     colCorrespondent,
	"transfert":                         colTransfer,
	"id du sms":                         colSMSID,
	"id sms":                            colSMSID,
	"date d'envoi":                      colSendDate,
	"modèle de sms":                     colSMSTemplate,
	"origine":                           colOrigin,
	"type de sms":                       colSMSType,
	"catégorie de sms":                  colSMSCategory,
	"crédits":                           colCredits,
	"contenu":                           colContent,
	"id de la distribution":             colDistributionID,
	"id de distribution":                colDistributionID,
	"interaction id":                    colInteractionID,
	"post interaction time":             colPost,
	"transfer to queue":                 colTransferQueue,
}

// aliases maps every known header spelling to its canonical name.
var aliases = func() map[string]string {
	m := map[string]string{}
	for k, v := range frenchHeaders {
		m[csvin.Normalize(k)] = v
	}
	return m
}()

// dataSource is one of the Reporter's four messaging data sources.
type dataSource int

const (
	unknownSource dataSource = iota
	incomingDistributions
	outgoingDistributions
	messagesSource
	smsSource
)

func (d dataSource) String() string {
	return [...]string{"unknown", "incoming message distributions", "outgoing message distributions", "messages", "SMS"}[d]
}

// classify names the data source from the columns present.
func classify(has func(string) bool) dataSource {
	switch {
	case has(colSMSID):
		return smsSource
	case has(colSessionStart) && has(colInteractionID):
		return messagesSource
	case has(colDistDate) && has(colInteractionID) && has(colRecipient) && !has(colSender):
		return outgoingDistributions
	case has(colDistDate) && has(colInteractionID):
		return incomingDistributions
	}
	return unknownSource
}
