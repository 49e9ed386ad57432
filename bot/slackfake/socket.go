package slackfake

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

type socketState struct {
	conns         []*sockConn        // live: hello sent, not told to disconnect
	all           map[*sockConn]bool // every socket not yet closed
	total         int                // connections accepted so far
	tickets       map[string]bool    // unused apps.connections.open tickets
	refuseUntil   time.Time
	ackDelay      time.Duration
	deliveryDelay time.Duration
	pending       map[string]chan ackMsg // envelope id → waiting deliverer
	rr            int
	lateAcks      int
}

func (st *socketState) init() {
	st.all = map[*sockConn]bool{}
	st.tickets = map[string]bool{}
	st.pending = map[string]chan ackMsg{}
}

type ackMsg struct {
	payload []byte
	at      time.Time
}

// sockConn is one Socket Mode WebSocket. Writes are serialized by wmu;
// gorilla allows WriteControl (pings) concurrently with them.
type sockConn struct {
	s    *Server
	id   int
	ws   *websocket.Conn
	wmu  sync.Mutex
	once sync.Once
	done chan struct{}
}

func (c *sockConn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// kill closes the TCP connection without a close frame.
func (c *sockConn) kill() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.NetConn().Close()
		c.s.mu.Lock()
		delete(c.s.sock.all, c)
		c.s.removeConnLocked(c)
		c.s.mu.Unlock()
	})
}

// closeAfter kills the socket after d unless it closes first.
func (c *sockConn) closeAfter(d time.Duration) {
	c.s.bg.Go(func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.done:
		case <-c.s.done:
		}
		c.kill()
	})
}

func (s *Server) removeConnLocked(c *sockConn) {
	for i, x := range s.sock.conns {
		if x == c {
			s.sock.conns = append(s.sock.conns[:i:i], s.sock.conns[i+1:]...)
			s.notifyLocked()
			return
		}
	}
}

func (s *Server) refusingLocked() bool { return time.Now().Before(s.sock.refuseUntil) }

// serveSocket upgrades a one-time /link/?ticket=… URL to a Socket Mode
// connection, sends hello, pings periodically and reads acks.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	switch {
	case s.closed || s.refusingLocked():
		s.mu.Unlock()
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	case !s.sock.tickets[ticket]:
		s.mu.Unlock()
		http.Error(w, "invalid or already used ticket", http.StatusUnauthorized)
		return
	}
	delete(s.sock.tickets, ticket)
	s.mu.Unlock()

	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.log.Warn("socket upgrade", "err", err)
		return
	}
	c := &sockConn{s: s, ws: ws, done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.NetConn().Close()
		return
	}
	s.sock.total++
	c.id = s.sock.total
	s.sock.all[c] = true
	num := len(s.sock.conns) + 1
	s.mu.Unlock()

	hello := mustJSON(map[string]any{
		"type": "hello", "num_connections": num,
		"debug_info": map[string]any{"host": "applink-slackfake-1", "build_number": 1,
			"approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": s.appID},
	})
	if err := c.write(hello); err != nil {
		c.kill()
		return
	}
	s.mu.Lock()
	s.sock.conns = append(s.sock.conns, c)
	s.notifyLocked()
	s.mu.Unlock()
	s.log.Info("socket connected", "conn", c.id, "num_connections", num)

	s.bg.Go(func() { s.pingLoop(c) })
	s.readLoop(c)
}

func (s *Server) pingLoop(c *sockConn) {
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-s.done:
			return
		case <-t.C:
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second)); err != nil {
				c.kill()
				return
			}
		}
	}
}

// readLoop reads acks until the socket fails.
func (s *Server) readLoop(c *sockConn) {
	defer c.kill()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			s.log.Info("socket closed", "conn", c.id, "err", err)
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(data, &ack); err != nil || ack.EnvelopeID == "" {
			s.log.Warn("unreadable frame from app", "conn", c.id, "frame", string(data))
			continue
		}
		s.mu.Lock()
		delay := s.sock.ackDelay
		s.mu.Unlock()
		if delay <= 0 {
			s.receiveAck(ack.EnvelopeID, ack.Payload)
			continue
		}
		s.bg.Go(func() {
			if s.sleep(context.Background(), delay) == nil {
				s.receiveAck(ack.EnvelopeID, ack.Payload)
			}
		})
	}
}

func (s *Server) receiveAck(id string, payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.sock.pending[id]
	if !ok {
		s.sock.lateAcks++
		s.log.Info("ack for unknown or expired envelope", "envelope_id", id)
		return
	}
	delete(s.sock.pending, id)
	ch <- ackMsg{payload: payload, at: time.Now()}
}

// WaitConnected blocks until a socket has received hello (or ctx ends).
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.waitFor(ctx, func() bool { return len(s.sock.conns) > 0 })
}

// WaitConnections blocks until n socket connections have been made in total.
func (s *Server) WaitConnections(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return s.sock.total >= n && len(s.sock.conns) > 0 })
}

// Connections is the number of socket connections accepted so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sock.total
}

// LiveConnections is the number of sockets currently receiving envelopes.
func (s *Server) LiveConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sock.conns)
}

// LateAcks counts acks that arrived for unknown or already timed-out envelopes.
func (s *Server) LateAcks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sock.lateAcks
}

// pickConn waits for a live socket and returns one (round robin).
func (s *Server) pickConn(ctx context.Context) (*sockConn, error) {
	var c *sockConn
	err := s.waitFor(ctx, func() bool {
		if len(s.sock.conns) == 0 {
			return false
		}
		s.sock.rr++
		c = s.sock.conns[s.sock.rr%len(s.sock.conns)]
		return true
	})
	return c, err
}

// SendRaw writes an arbitrary frame (e.g. a malformed envelope) on a live
// socket, waiting for one if needed.
func (s *Server) SendRaw(ctx context.Context, raw []byte) error {
	c, err := s.pickConn(ctx)
	if err != nil {
		return err
	}
	return c.write(raw)
}
