package loaders

// SetPeopleCached bounds the people cache for a test and returns a function
// that restores the bound.
func SetPeopleCached(n int) func() {
	old := peopleCached
	peopleCached = n
	return func() { peopleCached = old }
}
