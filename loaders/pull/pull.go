// Package pull schedules and runs API pulls (work in progress).
package pull
