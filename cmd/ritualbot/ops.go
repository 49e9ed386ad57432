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
	Status              string     `json:"status"`
	Connected           bool       `json:"connected"`
	DownForSeconds      float64    `json:"down_for_seconds,omitempty"`
	LastEnvelope        *time.Time `json:"last_envelope,omitempty"`
	DatabaseWritable    bool       `json:"database_writable"`
	DatabaseError       string     `json:"database_error,omitempty"`
	OutboxDepth         int        `json:"outbox_depth"`
	OutboxOldestSeconds float64    `json:"outbox_oldest_seconds"`
	NextRuns            []nextRun  `json:"next_runs"`
}

type nextRun struct {
	Ritual  string    `json:"ritual"`
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
}

// Health reports whether the bot is alive, and the figures behind the verdict.
func (m *Main) Health() (health, bool) {
	h := health{Connected: m.Bot.Connected(), DownForSeconds: m.Bot.DownFor().Seconds()}
	if at := m.Bot.LastEnvelope(); !at.IsZero() {
		h.LastEnvelope = &at
	}
	if err := m.DB.Writable(); err != nil {
		h.DatabaseError = err.Error()
	} else {
		h.DatabaseWritable = true
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
	ok := h.DatabaseWritable && m.Bot.DownFor() <= unhealthyAfter
	h.Status = "ok"
	if !ok {
		h.Status = "unhealthy"
	}
	return h, ok
}

// opsHandler serves /healthz, /metrics, and for the CLI /status and /backup.
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
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		stats, err := m.DB.Stats()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, formatOutboxStats(stats, m.Now())+formatUpcoming(m.Scheduler.NextRuns(m.Now(), 5))+formatSettings(m.effective()))
	})
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		if _, err := m.DB.CompactBackup(w); err != nil {
			m.Logger.Error("backup over the ops listener failed", "component", "ops", "err", err)
		}
	})
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
