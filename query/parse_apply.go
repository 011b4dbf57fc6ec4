package query

// Transform is one step of a $apply pipeline.
type Transform interface {
	Node
	transformNode()
}

// ParseApply parses a $apply value into its transformations.
func ParseApply(input string) ([]Transform, error) {
	return nil, &SyntaxError{Option: "$apply", Input: input, Pos: 0, Msg: "$apply is not supported yet", NotImplemented: true}
}
