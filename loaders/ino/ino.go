// Package ino loads ino Reporter exports of the messaging data sources
// (incoming and outgoing message distributions, messages, SMS) as CSV (comma
// or semicolon, English or French headers, decimal comma, DD/MM/YYYY) or
// XLSX. Times are local to the tenant and converted to UTC, with the
// daylight-saving rules of loaders.ParseTime.
//
// Natural keys: a distribution is its interaction, type, queue, user and
// start (an interaction has several distributions; a re-export with a later
// end or status replaces the earlier copy); an interaction of the messages
// source is its Interaction ID; an SMS is its SMS ID.
package ino

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ccfeed/ccfeed/loaders"
	"github.com/ccfeed/ccfeed/loaders/csvin"
	"github.com/ccfeed/ccfeed/loaders/xlsx"
)

func init() { loaders.Register(Source{}) }

// Source is the ino Reporter.
type Source struct{}

// Kind implements loaders.Source.
func (Source) Kind() string { return loaders.KindIno }

// Sniff recognises a Reporter CSV by its columns, and any XLSX workbook
// (the only source that exports spreadsheets).
func (Source) Sniff(name string, head []byte) bool {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return strings.HasSuffix(strings.ToLower(name), ".xlsx")
	}
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	line, _, _ := bytes.Cut(head, []byte("\n"))
	cols := map[string]bool{}
	for _, sep := range []string{",", ";", "\t"} {
		for _, c := range strings.Split(string(line), sep) {
			n := csvin.Normalize(strings.Trim(c, `"`))
			if a, ok := aliases[n]; ok {
				n = a
			}
			cols[n] = true
		}
	}
	return classify(func(c string) bool { return cols[c] }) != unknownSource
}

// Load implements loaders.Source.
func (Source) Load(ctx context.Context, f *loaders.File, b *loaders.Batch) error {
	var r *csvin.Reader
	var err error
	if isXLSX(f) {
		lim := f.Limits.OrDefault()
		sheet, err := xlsx.Open(ctx, f.Name, f.RA, f.Size, xlsx.Limits{MaxField: lim.MaxField, MaxRecord: lim.MaxRecord, MaxInflated: lim.MaxInflated})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &loaders.FileError{File: f.Name, Msg: err.Error()}
		}
		defer sheet.Close()
		r, err = csvin.FromSource(f.Name, sheet, aliases)
		if err != nil {
			return asFileError(f.Name, err)
		}
	} else if r, err = csvin.Open(f.Name, f.R, aliases, f.CSVLimits()); err != nil {
		return asFileError(f.Name, err)
	}
	kind := classify(r.Has)
	if kind == unknownSource {
		return &loaders.FileError{File: f.Name, Line: 1,
			Msg: "the header matches none of the Reporter's messaging data sources (needs Interaction ID with Distribution date or Session start, or SMS ID)"}
	}
	l := &loader{b: b, r: r, kind: kind, pending: map[string]bool{}, pendingSMS: map[string]bool{}}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if re := csvin.AsRecordError(err); re != nil {
			// Past a limit, or not UTF-8: refused on its own.
			b.Read()
			if err := b.Reject(int64(re.Line), re.Column, re.Msg, re.Excerpt); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return asFileError(f.Name, err)
		}
		b.Read()
		if isBlank(rec) {
			continue
		}
		if err := r.Width(rec); err != nil {
			if err := b.Reject(int64(r.Line()), "", err.Error(), strings.Join(rec, string(r.Delim))); err != nil {
				return err
			}
			continue
		}
		if err := l.row(rec); err != nil {
			return err
		}
		if len(l.pending)+len(l.pendingSMS) >= 2000 {
			if err := l.flush(); err != nil {
				return err
			}
		}
	}
	return l.flush()
}

func isXLSX(f *loaders.File) bool {
	if f.RA == nil {
		return false
	}
	var magic [4]byte
	n, _ := f.RA.ReadAt(magic[:], 0)
	return n == 4 && string(magic[:]) == "PK\x03\x04"
}

func isBlank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func asFileError(file string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err // not the file's fault
	}
	var pe *csvin.ParseError
	if errors.As(err, &pe) {
		return &loaders.FileError{File: pe.File, Line: pe.Line, Col: pe.Col, Msg: pe.Msg}
	}
	return &loaders.FileError{File: file, Msg: err.Error()}
}

// loader holds the state of one file.
type loader struct {
	b    *loaders.Batch
	r    *csvin.Reader
	kind dataSource
	// pending are the interactions (pendingSMS the SMS) staged and not
	// yet rebuilt.
	pending, pendingSMS map[string]bool
}

func (l *loader) row(rec []string) error {
	switch l.kind {
	case incomingDistributions, outgoingDistributions:
		return l.distribution(rec)
	case messagesSource:
		return l.interaction(rec)
	case smsSource:
		return l.sms(rec)
	}
	return fmt.Errorf("ino: unexpected data source %v", l.kind)
}

// reject records a refused row; it is never fatal.
func (l *loader) reject(field, why, raw string) error {
	return l.b.Reject(int64(l.r.Line()), field, why, raw)
}
