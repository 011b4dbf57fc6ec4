package demo

import "strings"

// What people write. Lines mix languages and emoji on purpose: bodies
// travel through every vendor format and must arrive intact. %s is the
// topic of the conversation.
var (
	customerLines = []string{
		"Hello, I have a question about my %s.",
		"Hi! Can you help me with a %s please?",
		"Bonjour, j'ai un souci avec ma facture (%s).",
		"I was charged twice, this is about my %s 😕",
		"Is there any update on the %s?",
		"Thanks, that solved my %s problem 👍",
		"Hola, necesito ayuda con mi %s, por favor.",
	}
	agentLines = []string{
		"Thanks for reaching out, let me look into your %s.",
		"I can help with the %s. Could you confirm your account number?",
		"I've updated the %s for you.",
		"Is there anything else I can help with today?",
		"I'm transferring you to a colleague who handles %s.",
	}
	botLines = []string{"Welcome! Choose 1 for billing, 2 for support.", "Please describe your issue in a few words."}
)

// fill puts the topic into a line.
func fill(line, topic string) string { return strings.ReplaceAll(line, "%s", topic) }
