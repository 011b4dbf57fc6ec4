// Package buzzeasy loads buzzeasy data (work in progress).
package buzzeasy
