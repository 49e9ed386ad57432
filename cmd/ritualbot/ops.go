package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ritualbot/ritualbot/store"
)

// unhealthyAfter is how long the Socket Mode connection may be down before /healthz says 503.
const unhealthyAfter = time.Minute

// opsMetrics are the process-wide metrics beyond the Slack edge's.
type opsMetrics struct {
	runs *prometheus.CounterVec
}

// newRegistry builds the Prometheus registry: Go runtime, process, the Slack edge's metrics, and
// gauges read from the outbox at scrape time.
func (m *Main) newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.ops.runs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ritualbot_ritual_runs_total", Help: "Scheduled ritual runs, by ritual and outcome (ran, skipped, failed).",
	}, []string{"ritual", "outcome"})
	reg.MustRegister(m.ops.runs)
	reg.MustRegister(outboxCollector{m})
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ritualbot_socket_connected", Help: "1 while the Socket Mode connection is up.",
	}, func() float64 {
		if m.Bot.Connected() {
			return 1
		}
		return 0
	}))
	return reg
}

// outboxCollector reads the outbox once per scrape for its depth and oldest age.
type outboxCollector struct{ m *Main }

var (
	outboxDepthDesc  = prometheus.NewDesc("ritualbot_outbox_depth", "Messages waiting in the outbox.", nil, nil)
	outboxOldestDesc = prometheus.NewDesc("ritualbot_outbox_oldest_seconds", "Age of the oldest message waiting in the outbox.", nil, nil)
	outboxFailedDesc = prometheus.NewDesc("ritualbot_outbox_failed", "Messages that failed for good and wait for an admin.", nil, nil)
)

// Describe implements prometheus.Collector.
func (outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepthDesc
	ch <- outboxOldestDesc
	ch <- outboxFailedDesc
}

// Collect implements prometheus.Collector.
func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	s, err := c.m.DB.Stats()
	if err != nil {
		return
	}
	oldest := 0.0
	if !s.OldestQueued.IsZero() {
		oldest = c.m.Now().Sub(s.OldestQueued).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, float64(s.Pending))
	ch <- prometheus.MustNewConstMetric(outboxOldestDesc, prometheus.GaugeValue, oldest)
	ch <- prometheus.MustNewConstMetric(outboxFailedDesc, prometheus.GaugeValue, float64(s.Failed))
}

// health is the /healthz body.
type health struct {
	// Status is "ok", "degraded" (working, but an operator should look: see Problems) or
	// "unhealthy" (503).
	Status string `json:"status"`
	// Problems says in words what makes the status other than ok.
	Problems            []string   `json:"problems,omitempty"`
	Connected           bool       `json:"connected"`
	DownForSeconds      float64    `json:"down_for_seconds,omitempty"`
	LastEnvelope        *time.Time `json:"last_envelope,omitempty"`
	DatabaseWritable    bool       `json:"database_writable"`
	DatabaseError       string     `json:"database_error,omitempty"`
	FailedWrite         string     `json:"failed_write,omitempty"`
	FailedWriteAt       *time.Time `json:"failed_write_at,omitempty"`
	DiskFreeBytes       uint64     `json:"disk_free_bytes,omitempty"`
	DiskTotalBytes      uint64     `json:"disk_total_bytes,omitempty"`
	OutboxDepth         int        `json:"outbox_depth"`
	OutboxOldestSeconds float64    `json:"outbox_oldest_seconds"`
	NextRuns            []nextRun  `json:"next_runs"`
}

type nextRun struct {
	Ritual  string    `json:"ritual"`
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
}

// The disk holding the database is nearly full when less than diskLowShare of it, or less than
// diskLowBytes, is free, or less than the database's own size (compact writes a copy beside it).
const (
	diskLowShare = 0.05
	diskLowBytes = 100 << 20
)

// Health reports whether the bot is alive, and the figures behind the verdict: unhealthy (ok is
// false) when Slack has been unreachable for over a minute, the database refuses the probe, or
// the store's last write failed; degraded when the disk holding the database is nearly full.
func (m *Main) Health() (h health, ok bool) {
	h = health{Connected: m.Bot.Connected(), DownForSeconds: m.Bot.DownFor().Seconds()}
	var unhealthy, degraded []string
	if at := m.Bot.LastEnvelope(); !at.IsZero() {
		h.LastEnvelope = &at
	}
	if m.Bot.DownFor() > unhealthyAfter {
		unhealthy = append(unhealthy, fmt.Sprintf("disconnected from Slack for %s", m.Bot.DownFor().Round(time.Second)))
	}
	if err := m.DB.Writable(); err != nil {
		h.DatabaseError = err.Error()
		unhealthy = append(unhealthy, h.DatabaseError)
	} else {
		h.DatabaseWritable = true
	}
	if at, err := m.DB.FailedWrite(); err != nil {
		h.FailedWrite, h.FailedWriteAt = err.Error(), &at
		unhealthy = append(unhealthy, "the last write to the database failed: "+h.FailedWrite)
	}
	if low := m.diskLow(&h); low != "" {
		degraded = append(degraded, low)
	}
	if s, err := m.DB.Stats(); err == nil {
		h.OutboxDepth = s.Pending
		if !s.OldestQueued.IsZero() {
			h.OutboxOldestSeconds = m.Now().Sub(s.OldestQueued).Seconds()
		}
	}
	for _, u := range m.Scheduler.NextRuns(m.Now(), 5) {
		h.NextRuns = append(h.NextRuns, nextRun{Ritual: u.Ritual, Channel: u.Channel, At: u.At})
	}
	h.Problems = append(unhealthy, degraded...)
	switch {
	case len(unhealthy) > 0:
		h.Status = "unhealthy"
	case len(degraded) > 0:
		h.Status = "degraded"
	default:
		h.Status = "ok"
	}
	return h, len(unhealthy) == 0
}

// diskLow fills in the free space of the disk holding the database and says, in words, when it
// is nearly full ("" otherwise, or when the system cannot tell).
func (m *Main) diskLow(h *health) string {
	spaceOf := m.DiskSpace
	if spaceOf == nil {
		spaceOf = store.DiskSpaceOf
	}
	space, err := spaceOf(m.DB.Path())
	if err != nil {
		return ""
	}
	h.DiskFreeBytes, h.DiskTotalBytes = space.Free, space.Total
	size, _ := m.DB.Size()
	if space.Free >= diskLowBytes && float64(space.Free) >= diskLowShare*float64(space.Total) && space.Free >= uint64(size) {
		return ""
	}
	return fmt.Sprintf("the disk holding the database is nearly full: %s free of %s", humanBytes(int64(space.Free)), humanBytes(int64(space.Total)))
}

// opsHandler serves /healthz and /metrics, and nothing else: people bind ops.listen to 0.0.0.0 so
// that Prometheus can scrape it. What only an operator may ask goes over the control socket.
func (m *Main) opsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		h, ok := m.Health()
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(h)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	return mux
}

// runOps serves the ops listener until ctx is done.
func (m *Main) runOps(ctx context.Context) error {
	ln, err := net.Listen("tcp", m.Config.Ops.Listen)
	if err != nil {
		return fmt.Errorf("ops.listen %s: %w", m.Config.Ops.Listen, err)
	}
	m.opsAddr.Store(ln.Addr().String())
	srv := &http.Server{Handler: m.opsHandler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	m.Logger.Info("ops listener serving /healthz and /metrics", "component", "ops", "addr", m.OpsAddr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
