package bot

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Slack edge's Prometheus metrics. Labels are bounded: envelope types, Web API
// method names, outcomes and ritual names; never a user, channel or message id.
type Metrics struct {
	Envelopes  *prometheus.CounterVec
	AckSeconds prometheus.Histogram
	APICalls   *prometheus.CounterVec
	Deliveries *prometheus.CounterVec
	// Refused counts envelopes refused because their lane was full, by kind.
	Refused *prometheus.CounterVec
}

// NewMetrics registers the metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ritualbot_envelopes_total", Help: "Socket Mode envelopes received, by type.",
		}, []string{"type"}),
		AckSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ritualbot_ack_seconds", Help: "Time from receiving an envelope to its ack being sent.",
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2, 3},
		}),
		APICalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ritualbot_api_calls_total", Help: "Slack Web API calls, by method and outcome (ok, rate_limited, error).",
		}, []string{"method", "outcome"}),
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ritualbot_deliveries_total", Help: "Outbox messages delivered or failed for good, by ritual.",
		}, []string{"ritual", "outcome"}),
		Refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ritualbot_envelopes_refused_total", Help: "Envelopes refused because every worker was busy and the queue full, by kind.",
		}, []string{"kind"}),
	}
	reg.MustRegister(m.Envelopes, m.AckSeconds, m.APICalls, m.Deliveries, m.Refused)
	return m
}

// knownMethods bounds the method label; anything else is "other".
var knownMethods = map[string]bool{}

func init() {
	for _, m := range []string{"auth.test", "apps.connections.open", "chat.postMessage", "chat.postEphemeral", "chat.update",
		"conversations.open", "conversations.members", "conversations.info", "conversations.history", "conversations.replies",
		"users.info", "users.list", "views.publish", "views.open", "views.update", "reactions.add"} {
		knownMethods[m] = true
	}
}

// InstrumentedClient returns an HTTP client for slack-go that counts every Web API call by method
// and outcome.
func (m *Metrics) InstrumentedClient(base *http.Client) *http.Client {
	if base == nil {
		base = &http.Client{Timeout: 30 * time.Second}
	}
	transport := base.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	c := *base
	c.Transport = countingTransport{next: transport, calls: m.APICalls}
	return &c
}

type countingTransport struct {
	next  http.RoundTripper
	calls *prometheus.CounterVec
}

// RoundTrip implements http.RoundTripper.
func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:]
	if !knownMethods[method] {
		method = "other"
	}
	resp, err := t.next.RoundTrip(req)
	switch {
	case err != nil:
		t.calls.WithLabelValues(method, "error").Inc()
		return resp, err
	case resp.StatusCode == http.StatusTooManyRequests:
		t.calls.WithLabelValues(method, "rate_limited").Inc()
		return resp, nil
	case resp.StatusCode != http.StatusOK:
		t.calls.WithLabelValues(method, "error").Inc()
		return resp, nil
	}
	body, readErr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	outcome := "ok"
	if readErr != nil || bytes.Contains(body, []byte(`"ok":false`)) {
		outcome = "error"
	}
	t.calls.WithLabelValues(method, outcome).Inc()
	return resp, nil
}
