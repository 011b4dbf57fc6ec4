package server

import "github.com/prometheus/client_golang/prometheus"

// admissionCollector exposes the read-connection pool's own counters (see
// admission) in /metrics: how full the pool is, who waits, and how often a
// request gave up waiting (answered 503).
type admissionCollector struct{ a *admission }

var (
	descReadSlots = prometheus.NewDesc("ccfeed_read_connections",
		"Read connections requests are admitted to.", nil, nil)
	descReadInUse = prometheus.NewDesc("ccfeed_read_connections_in_use",
		"Read connections held by requests, by tenant ('*' for tokens of every tenant).", []string{"tenant"}, nil)
	descReadWaiting = prometheus.NewDesc("ccfeed_read_waiting_requests",
		"Requests waiting for a read connection, by tenant.", []string{"tenant"}, nil)
	descReadAdmitted = prometheus.NewDesc("ccfeed_read_admitted_total",
		"Requests given a read connection.", nil, nil)
	descReadQueued = prometheus.NewDesc("ccfeed_read_queued_total",
		"Requests that had to wait for a read connection.", nil, nil)
	descReadTimedOut = prometheus.NewDesc("ccfeed_read_queue_timeouts_total",
		"Requests that got no read connection within --queue-wait (answered 503).", nil, nil)
)

func (c *admissionCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descReadSlots, descReadInUse, descReadWaiting, descReadAdmitted, descReadQueued, descReadTimedOut} {
		ch <- d
	}
}

func (c *admissionCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.a.snapshot()
	ch <- prometheus.MustNewConstMetric(descReadSlots, prometheus.GaugeValue, float64(s.Slots))
	for t, ta := range s.ByTenant {
		ch <- prometheus.MustNewConstMetric(descReadInUse, prometheus.GaugeValue, float64(ta.InUse), t)
		ch <- prometheus.MustNewConstMetric(descReadWaiting, prometheus.GaugeValue, float64(ta.Waiting), t)
	}
	ch <- prometheus.MustNewConstMetric(descReadAdmitted, prometheus.CounterValue, float64(s.Admitted))
	ch <- prometheus.MustNewConstMetric(descReadQueued, prometheus.CounterValue, float64(s.Queued))
	ch <- prometheus.MustNewConstMetric(descReadTimedOut, prometheus.CounterValue, float64(s.TimedOut))
}
