// Package liveperson loads liveperson data (work in progress).
package liveperson
