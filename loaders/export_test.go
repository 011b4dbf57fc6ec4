package loaders

// SetPeopleCached bounds the people cache for a test and returns a function
// that restores the bound.
func SetPeopleCached(n int) func() {
	old := peopleCached
	peopleCached = n
	return func() { peopleCached = old }
}

// SetBeforeLoad makes the inbox call f just before it loads a file, and
// returns a function that removes it.
func SetBeforeLoad(f func(path string)) func() {
	beforeLoad = f
	return func() { beforeLoad = nil }
}

// SetMoveBudget sets how many rows a load moves itself, for a test, and
// returns a function that restores it.
func SetMoveBudget(n int) func() {
	old := MoveBudget
	MoveBudget = n
	return func() { MoveBudget = old }
}

// SetDirtyPeople bounds the people a load derives at once, for a test.
func SetDirtyPeople(n int) func() {
	old := dirtyPeople
	dirtyPeople = n
	return func() { dirtyPeople = old }
}

// IdentityMention is a mention as the identity rule sees it, for tests that
// compare loads with the rule applied to every mention at once.
type IdentityMention struct {
	Key, Source string
	Strong      []string
	Name        string
}

// ExpectedPeople applies the identity rule (identity.go) to a whole set of
// agent or customer mentions and returns each mention's person key.
func ExpectedPeople(tenant, kind string, ms []IdentityMention) map[string]string {
	in := make([]idMention, len(ms))
	for i, x := range ms {
		in[i] = idMention{key: x.Key, source: x.Source, strong: x.Strong, name: x.Name}
	}
	out := map[string]string{}
	for k, v := range identify(in, nil, nil) {
		out[k] = personKey(tenant, kind, v)
	}
	return out
}

// FoldName is foldName, for tests.
func FoldName(s string) string { return foldName(s) }

// SetMentionsWritten bounds the mentions a flush encodes at once, for a
// test.
func SetMentionsWritten(n int) func() {
	old := mentionsWritten
	mentionsWritten = n
	return func() { mentionsWritten = old }
}
