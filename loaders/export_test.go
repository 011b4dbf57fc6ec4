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
