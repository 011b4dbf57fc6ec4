// Package query is the OData URL grammar: it splits and decodes query
// options, lexes and parses expressions and resource paths into an AST with
// byte positions, and binds that AST against the model into typed plans. It
// knows nothing of SQL or HTTP.
package query

import "fmt"

// TokenKind classifies a token.
type TokenKind int

// Token kinds. Words such as eq, and, not, true and null are Ident tokens:
// whether a word is an operator depends on where it stands.
const (
	TokEOF            TokenKind = iota
	TokIdent                    // odataIdentifier, possibly qualified: a.b.c; also $it, $count
	TokString                   // 'it''s'
	TokJSONString               // "text" inside JSON arrays/objects
	TokInt                      // 42
	TokDecimal                  // 4.2
	TokDouble                   // 4.2e1
	TokDate                     // 2024-03-09
	TokDateTimeOffset           // 2024-03-09T10:00:00Z
	TokTimeOfDay                // 10:00:00.5
	TokGuid                     // 01234567-89ab-cdef-0123-456789abcdef
	TokTypedLiteral             // duration'P1D', binary'AQID', geography'...', Ns.Enum'Member'
	TokAlias                    // @name
	TokLParen                   // (
	TokRParen                   // )
	TokLBracket                 // [
	TokRBracket                 // ]
	TokLBrace                   // {
	TokRBrace                   // }
	TokComma                    // ,
	TokSlash                    // /
	TokColon                    // :
	TokSemicolon                // ;
	TokEquals                   // =
	TokStar                     // *
	TokMinus                    // -
)

var tokenNames = map[TokenKind]string{
	TokEOF: "end of input", TokIdent: "name", TokString: "string", TokJSONString: "JSON string",
	TokInt: "integer", TokDecimal: "decimal", TokDouble: "number",
	TokDate: "date", TokDateTimeOffset: "date-time", TokTimeOfDay: "time of day", TokGuid: "GUID",
	TokTypedLiteral: "typed literal", TokAlias: "parameter alias",
	TokLParen: "'('", TokRParen: "')'", TokLBracket: "'['", TokRBracket: "']'",
	TokLBrace: "'{'", TokRBrace: "'}'", TokComma: "','", TokSlash: "'/'", TokColon: "':'",
	TokSemicolon: "';'", TokEquals: "'='", TokStar: "'*'", TokMinus: "'-'",
}

func (k TokenKind) String() string {
	if s, ok := tokenNames[k]; ok {
		return s
	}
	return fmt.Sprintf("token(%d)", int(k))
}

// Token is one lexeme. Pos is the byte offset of its first character in the
// decoded option value; Text is the exact source text.
type Token struct {
	Kind TokenKind
	Pos  int
	Text string
}

// describe renders a token for "found X" messages.
func (t Token) describe() string {
	switch t.Kind {
	case TokEOF:
		return "end of input"
	case TokIdent:
		return "'" + t.Text + "'"
	case TokString:
		return "string " + t.Text
	}
	if t.Kind >= TokLParen {
		return t.Kind.String() // punctuation: the name is the text
	}
	if len(t.Text) > 0 {
		return t.Kind.String() + " " + t.Text
	}
	return t.Kind.String()
}
