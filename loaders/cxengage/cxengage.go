// Package cxengage loads cxengage data (work in progress).
package cxengage
