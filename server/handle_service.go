package server

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/internal/jsonw"
	"github.com/ccfeed/ccfeed/query"
)

// handleServiceDocument lists the entity sets the caller may read.
func (s *Server) handleServiceDocument(w http.ResponseWriter, r *http.Request) error {
	q, err := query.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	f, err := negotiate(r.Header.Get("Accept"), q.Format)
	if err != nil {
		return err
	}
	p := principalOf(r)
	root := s.serviceRoot(r)
	w.Header().Set("Content-Type", f.contentType())
	bw := bufio.NewWriter(w)
	b := []byte(`{`)
	if f.metadata != "none" {
		b = append(b, `"@odata.context":`...)
		b = jsonw.AppendString(b, root+"$metadata")
		b = append(b, ',')
	}
	b = append(b, `"value":[`...)
	n := 0
	for _, set := range s.model.Sets {
		if set.AdminOnly && !p.IsAdmin() {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"name":`...)
		b = jsonw.AppendString(b, set.Name)
		b = append(b, `,"kind":"EntitySet","url":`...)
		b = jsonw.AppendString(b, set.Name)
		b = append(b, '}')
	}
	b = append(b, "]}\n"...)
	_, _ = bw.Write(b)
	return bw.Flush()
}

// handleMetadata serves CSDL XML whatever the Accept header says: Power
// Query's Accept prefers JSON, yet it can only read XML metadata. JSON is
// served only when asked for with $format.
func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) error {
	q, err := query.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	body, ctype := s.metaXML, "application/xml;charset=utf-8"
	switch f := strings.ToLower(strings.TrimSpace(q.Format)); {
	case f == "":
	case f == "json" || strings.HasPrefix(f, "application/json"):
		body, ctype = s.metaJSON, "application/json;charset=utf-8"
	case f == "xml" || strings.HasPrefix(f, "application/xml"):
	default:
		return &ccfeed.Error{Code: ccfeed.ENOTACCEPTABLE, Target: "$format",
			Message: "$metadata is available as $format=xml (the default) or $format=json"}
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.Header().Set("Content-Type", ctype)
	_, err = w.Write(body)
	return err
}
