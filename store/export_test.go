package store

// SetCountWindow lets the black-box tests count added rows in windows small
// enough to cross; it returns a function that restores the window.
func SetCountWindow(n int64) (restore func()) {
	old := countWindow
	countWindow = n
	return func() { countWindow = old }
}
