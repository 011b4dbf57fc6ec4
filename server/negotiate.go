package server

import (
	"strconv"
	"strings"

	"github.com/ccfeed/ccfeed"
)

// format is the negotiated JSON flavour of a response.
type format struct {
	// metadata is "minimal", "full" or "none".
	metadata string
	// ieee754 writes Int64 and Decimal as strings.
	ieee754 bool
}

func (f format) contentType() string {
	return "application/json;odata.metadata=" + f.metadata + ";odata.streaming=true;IEEE754Compatible=" +
		strconv.FormatBool(f.ieee754) + ";charset=utf-8"
}

// mediaRange is one entry of an Accept header.
type mediaRange struct {
	typ, sub string
	params   map[string]string
	q        float64
}

func parseAccept(h string) []mediaRange {
	var out []mediaRange
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		fields := strings.Split(part, ";")
		mt := strings.ToLower(strings.TrimSpace(fields[0]))
		typ, sub, _ := strings.Cut(mt, "/")
		m := mediaRange{typ: typ, sub: sub, params: map[string]string{}, q: 1}
		for _, p := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			k, v = strings.ToLower(strings.TrimSpace(k)), strings.Trim(strings.TrimSpace(v), `"`)
			if k == "q" {
				if q, err := strconv.ParseFloat(v, 64); err == nil {
					m.q = q
				}
				continue
			}
			m.params[k] = strings.ToLower(v)
		}
		out = append(out, m)
	}
	return out
}

// jsonFormat reads the OData parameters of a JSON media range.
func jsonFormat(params map[string]string) (format, bool) {
	f := format{metadata: "minimal"}
	if m, ok := params["odata.metadata"]; ok {
		switch m {
		case "minimal", "full", "none":
			f.metadata = m
		default:
			return f, false
		}
	}
	// OData 3's verbose spelling, which Power Query lists second.
	switch params["odata"] {
	case "fullmetadata":
		f.metadata = "full"
	case "nometadata":
		f.metadata = "none"
	}
	if v, ok := params["ieee754compatible"]; ok {
		f.ieee754 = v == "true"
	}
	return f, true
}

// negotiate picks the response format from $format or, failing that, the
// Accept header's q-values. Only JSON is offered: Atom and XML payloads are
// not part of OData 4 JSON services, so an Accept that allows nothing else
// gets 406.
func negotiate(acceptHeader, formatOption string) (format, error) {
	if formatOption != "" {
		lower := strings.ToLower(strings.TrimSpace(formatOption))
		if lower == "json" {
			return format{metadata: "minimal"}, nil
		}
		ranges := parseAccept(formatOption)
		if len(ranges) == 1 && ranges[0].typ == "application" && ranges[0].sub == "json" {
			if f, ok := jsonFormat(ranges[0].params); ok {
				return f, nil
			}
		}
		return format{}, &ccfeed.Error{Code: ccfeed.ENOTACCEPTABLE, Target: "$format",
			Message: "$format=" + formatOption + " is not available; this feed answers JSON: use $format=json or application/json;odata.metadata=minimal|full|none"}
	}
	if strings.TrimSpace(acceptHeader) == "" {
		return format{metadata: "minimal"}, nil
	}
	best, bestQ := format{}, -1.0
	for _, m := range parseAccept(acceptHeader) {
		if m.q <= 0 || m.q <= bestQ {
			continue
		}
		switch {
		case m.typ == "application" && m.sub == "json":
			if f, ok := jsonFormat(m.params); ok {
				best, bestQ = f, m.q
			}
		case (m.typ == "application" && m.sub == "*") || (m.typ == "*" && m.sub == "*"):
			best, bestQ = format{metadata: "minimal"}, m.q
		}
	}
	if bestQ < 0 {
		return format{}, &ccfeed.Error{Code: ccfeed.ENOTACCEPTABLE, Target: "Accept",
			Message: "the Accept header allows no representation this feed has; it answers application/json"}
	}
	return best, nil
}

// preferences are the parsed Prefer header values this service honours.
type preferences struct {
	maxPageSize int
	omitNulls   bool
}

func parsePrefer(headers []string) preferences {
	var p preferences
	for _, h := range headers {
		for _, item := range strings.Split(h, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(item), "=")
			k = strings.ToLower(strings.TrimSpace(k))
			v = strings.Trim(strings.TrimSpace(v), `"`)
			switch k {
			case "odata.maxpagesize", "maxpagesize":
				if n, err := strconv.Atoi(v); err == nil && n > 0 {
					p.maxPageSize = n
				}
			case "omit-values":
				p.omitNulls = strings.EqualFold(v, "nulls")
			}
		}
	}
	return p
}
