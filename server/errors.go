package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/query"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[string]int{
	ccfeed.EINVALID:        http.StatusBadRequest,
	ccfeed.ELIMIT:          http.StatusBadRequest,
	ccfeed.ENOTFOUND:       http.StatusNotFound,
	ccfeed.ENOTIMPLEMENTED: http.StatusNotImplemented,
	ccfeed.ENOTACCEPTABLE:  http.StatusNotAcceptable,
	ccfeed.EUNAUTHORIZED:   http.StatusUnauthorized,
	ccfeed.EFORBIDDEN:      http.StatusForbidden,
	ccfeed.ETOOMANY:        http.StatusTooManyRequests,
	ccfeed.EUNAVAILABLE:    http.StatusServiceUnavailable,
	ccfeed.EINTERNAL:       http.StatusInternalServerError,
}

type errorBody struct {
	Error errorInner `json:"error"`
}

type errorInner struct {
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Target  string        `json:"target"`
	Details []errorDetail `json:"details"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target"`
}

// toError converts any error into the service vocabulary. Parse errors carry
// their positions into the message; unknown errors become a bare internal
// error, their text kept for the log only.
func toError(err error) *ccfeed.Error {
	var se *query.SyntaxError
	if errors.As(err, &se) {
		return se.AsOData()
	}
	return ccfeed.AsError(err)
}

// writeError is the one writer of OData error bodies. Handlers return errors;
// they never write error responses themselves.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := toError(err)
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	info := requestInfo(r)
	if status == http.StatusInternalServerError {
		if info != nil {
			info.err = err
		}
		e = &ccfeed.Error{Code: ccfeed.EINTERNAL, Message: "internal error"}
	} else if info != nil {
		info.errCode = e.Code
	}
	body := errorBody{Error: errorInner{Code: e.Code, Message: e.Message, Target: e.Target, Details: []errorDetail{}}}
	for _, d := range e.Details {
		body.Error.Details = append(body.Error.Details, errorDetail(d))
	}
	h := w.Header()
	h.Del("Content-Encoding")
	// An error applies no preference, whatever a handler set before failing.
	h.Del("Preference-Applied")
	h.Set("Content-Type", "application/json;odata.metadata=minimal;charset=utf-8")
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}
