package query

// Request limits. Each is named, documented in README.md, and crossing one
// is a 400 with its own message, never a slow request or a crash.
const (
	// MaxURLLength is the longest request URL accepted, in bytes. Power
	// Query stops at 2,048 characters by default; 16 KB leaves room for
	// long "in" lists written by scripts.
	MaxURLLength = 16 << 10
	// MaxExprDepth bounds the nesting of an expression, which the parser
	// and binder walk recursively.
	MaxExprDepth = 64
	// MaxExprNodes bounds the size of one option's syntax tree.
	MaxExprNodes = 2000
	// MaxExpandDepth bounds $expand nesting and $levels.
	MaxExpandDepth = 4
	// MaxOrderByKeys bounds the keys of one $orderby.
	MaxOrderByKeys = 16
	// MaxInListLength bounds the items of one "in" list.
	MaxInListLength = 1000
	// MaxTop is the largest $top accepted; beyond it a client should page.
	MaxTop = 10_000_000
	// MaxSkip is the largest $skip accepted: an offset is read and
	// discarded row by row, so huge skips are refused; use the nextLink.
	MaxSkip = 10_000_000
	// MaxApplyTransforms bounds the transformations of one $apply value,
	// nested pipelines (groupby, concat, hierarchies) included. Each one
	// becomes a layer of SQL; BI tools send three or four, and 32 leaves
	// room for hand-written queries without letting one URL build a
	// statement SQLite spends seconds preparing.
	MaxApplyTransforms = 32
	// MaxSearchTerms bounds the words and phrases of one $search (or
	// search() in $apply). Each becomes an FTS5 term, and SQLite's FTS5
	// parser has a fixed stack: 97 terms overflowed it (a 500). People
	// type a handful of words.
	MaxSearchTerms = 64
	// MaxSearchDepth bounds the nesting of parentheses and NOT in a
	// $search, for the same parser.
	MaxSearchDepth = 16
)
