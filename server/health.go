package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Check is one readiness check: Run returns nil when the part it checks
// can serve.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// readyTimeout bounds each readiness check. It is generous on purpose: a
// store busy with a load still answers a ping within milliseconds (readers
// never wait for the writer in WAL mode), and a probe that fails on a
// momentary stall would take the feed out of a load balancer in the middle
// of a refresh. Slowness belongs in /metrics, not in readiness.
const readyTimeout = 5 * time.Second

// readyChecks is the list /readyz runs: the store first (open, migrated,
// since Open migrates before it returns, and answering), then whatever the
// configuration adds.
func (s *Server) readyChecks() []Check {
	return append([]Check{{Name: "store", Run: s.store.Ping}}, s.cfg.ReadyChecks...)
}

// handleReady answers 200 when every readiness check passes and 503 naming
// the failing ones otherwise. No credential: orchestrators probe it, and
// the answer holds no data (check names and "ok"/"failing" only; the
// reason goes to the log).
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	type answer struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	a := answer{Status: "ok", Checks: map[string]string{}}
	for _, c := range s.readyChecks() {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		err := c.Run(ctx)
		cancel()
		if err != nil {
			s.log.Error().Err(err).Str("check", c.Name).Msg("not ready")
			a.Status, a.Checks[c.Name] = "unavailable", "failing"
			continue
		}
		a.Checks[c.Name] = "ok"
	}
	status := http.StatusOK
	if a.Status != "ok" {
		status = http.StatusServiceUnavailable
	}
	writeHealth(w, status, a)
}

// handleLive answers 200 while the process serves HTTP at all: it checks
// nothing else, so a slow or missing database never gets the process
// restarted (that is what readiness is for).
func (s *Server) handleLive(w http.ResponseWriter, r *http.Request) {
	writeHealth(w, http.StatusOK, map[string]string{"status": "ok"})
}

func writeHealth(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
