package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Files are uploaded the way Slack has them uploaded since 2024, in three steps:
//
//  1. files.getUploadURLExternal (filename, length, alt_txt) answers an upload_url and a file_id.
//     The URL is on a server of its own, as Slack's is (files.slack.com), and needs no token.
//  2. The client POSTs the bytes there, raw or as a multipart "file" field; a body whose length is
//     not the length announced is refused with HTTP 400 and the upload stays incomplete.
//  3. files.completeUploadExternal (files=[{id,title}], channel_id, thread_ts, initial_comment)
//     shares the uploaded files in one message of the bot in that channel or thread. A file whose
//     bytes never arrived answers file_not_found (a guess: Slack does not document it). Without
//     channel_id the files stay private, as in Slack.
//
// Both methods need the files:write scope when scopes are set (SetScopes).

// File is an uploaded file as the workspace keeps it.
type File struct {
	ID, Name, Title, Alt string
	Size                 int
	Data                 []byte
	// Path is where the file was written when Options.FilesDir is set.
	Path string
	// Channel and ThreadTS say where it was shared; empty while private.
	Channel, ThreadTS string
}

// maxUpload is the largest file the emulator takes (Slack's limit is 1 GB).
const maxUpload = 8 << 20

// fileState is the upload server and the files; guarded by Server.mu except ln, hs and base.
type fileState struct {
	ln    net.Listener
	hs    *http.Server
	base  string
	byID  map[string]*File
	tickt map[string]*pendingUpload // upload URL ticket → upload
}

type pendingUpload struct {
	file   *File
	length int
	done   bool
}

// startFiles starts the upload server on its own loopback port.
func (s *Server) startFiles() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("slackfake: listen for uploads: %w", err)
	}
	s.files = fileState{ln: ln, base: "http://" + ln.Addr().String(), byID: map[string]*File{}, tickt: map[string]*pendingUpload{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/upload/v1/", s.serveUpload)
	s.files.hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.bg.Go(func() {
		if err := s.files.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve uploads", "err", err)
		}
	})
	return nil
}

// stopFiles stops the upload server.
func (s *Server) stopFiles(ctx context.Context) error {
	if s.files.hs == nil {
		return nil
	}
	return s.files.hs.Shutdown(ctx)
}

// UploadURLBase is the root of the upload server ("http://127.0.0.1:PORT"), apart from the API's.
func (s *Server) UploadURLBase() string { return s.files.base }

// Files returns every file uploaded and completed, shared or not, in upload order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []File
	for _, id := range s.files.order() {
		out = append(out, *s.files.byID[id])
	}
	return out
}

// order lists the file ids in the order they were handed out.
func (f *fileState) order() []string {
	ids := make([]string, 0, len(f.byID))
	for id := range f.byID {
		ids = append(ids, id)
	}
	// ids are F + a zero-padded sequence: sorting them sorts by age.
	slices.Sort(ids)
	return ids
}

func (s *Server) filesGetUploadURLExternal(q *apiReq) (map[string]any, *apiErr) {
	if e := s.needScopeLocked("files:write"); e != nil {
		return nil, e
	}
	name := q.str("filename")
	if strings.TrimSpace(name) == "" {
		return nil, errf("invalid_arguments", "[ERROR] missing required field: filename")
	}
	length, err := strconv.Atoi(q.str("length"))
	if err != nil || length <= 0 {
		return nil, errf("invalid_arguments", "[ERROR] length must be a positive integer")
	}
	if length > maxUpload {
		return nil, errf("file_too_large")
	}
	if alt := q.str("alt_txt"); len([]rune(alt)) > 1000 {
		return nil, errf("invalid_arguments", "[ERROR] alt_txt must be at most 1000 characters")
	}
	f := &File{ID: s.newIDLocked('F'), Name: name, Alt: q.str("alt_txt")}
	ticket := randHex(24)
	s.files.tickt[ticket] = &pendingUpload{file: f, length: length}
	return map[string]any{"upload_url": s.files.base + "/upload/v1/" + ticket, "file_id": f.ID}, nil
}

// serveUpload takes a file's bytes at its one-time upload URL.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	ticket := strings.TrimPrefix(r.URL.Path, "/upload/v1/")
	if r.Method != http.MethodPost {
		http.Error(w, "POST the file's bytes", http.StatusMethodNotAllowed)
		return
	}
	data, err := readUploadBody(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	up := s.files.tickt[ticket]
	switch {
	case up == nil:
		http.Error(w, "unknown upload URL", http.StatusNotFound)
		return
	case up.done:
		http.Error(w, "this upload URL was used already", http.StatusGone)
		return
	case len(data) != up.length:
		s.addEntryLocked(Entry{Kind: "api-error", Who: s.opts.BotName, Where: "upload",
			Text: fmt.Sprintf("upload of %s refused: %d bytes sent, %d announced", up.file.Name, len(data), up.length)})
		http.Error(w, fmt.Sprintf("length mismatch: got %d bytes, expected %d", len(data), up.length), http.StatusBadRequest)
		return
	}
	up.done = true
	up.file.Data, up.file.Size = data, len(data)
	_, _ = fmt.Fprintf(w, "OK - %d", len(data))
}

// readUploadBody reads raw bytes or the "file" field of a multipart form.
func readUploadBody(r *http.Request) ([]byte, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return io.ReadAll(io.LimitReader(r.Body, maxUpload+1))
	}
	if err := r.ParseMultipartForm(maxUpload); err != nil {
		return nil, err
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxUpload+1))
}

func (s *Server) filesCompleteUploadExternal(q *apiReq) (map[string]any, *apiErr) {
	if e := s.needScopeLocked("files:write"); e != nil {
		return nil, e
	}
	var summaries []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(q.str("files")), &summaries); err != nil || len(summaries) == 0 {
		return nil, errf("invalid_arguments", "[ERROR] files must be a JSON array of {id, title}")
	}
	if len(summaries) > 10 {
		return nil, errf("invalid_arguments", "[ERROR] at most 10 files at once")
	}
	var ups []*pendingUpload
	for _, sum := range summaries {
		var found *pendingUpload
		for _, up := range s.files.tickt {
			if up.file.ID == sum.ID {
				found = up
			}
		}
		if found == nil || !found.done {
			return nil, errf("file_not_found", "[ERROR] file "+sum.ID+" was not uploaded")
		}
		found.file.Title = sum.Title
		if found.file.Title == "" {
			found.file.Title = found.file.Name
		}
		ups = append(ups, found)
	}
	var c *channel
	var root *message
	if arg := q.str("channel_id"); arg != "" {
		var e *apiErr
		if c, e = s.postTargetLocked(arg); e != nil {
			return nil, e
		}
		if ts := q.str("thread_ts"); ts != "" {
			if root, e = s.threadRootLocked(c, ts); e != nil {
				return nil, e
			}
		}
	}
	out := make([]map[string]any, 0, len(ups))
	var files []*File
	for _, up := range ups {
		for t, other := range s.files.tickt {
			if other == up {
				delete(s.files.tickt, t)
			}
		}
		f := up.file
		if s.opts.FilesDir != "" {
			f.Path = filepath.Join(s.opts.FilesDir, f.ID+"-"+filepath.Base(f.Name))
			if err := os.WriteFile(f.Path, f.Data, 0o600); err != nil {
				s.log.Error("write uploaded file", "path", f.Path, "err", err)
				f.Path = ""
			}
		}
		s.files.byID[f.ID] = f
		files = append(files, f)
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	if c != nil {
		m := &message{channel: c.id, user: s.botUserID, botID: s.botID, text: q.str("initial_comment"), files: files}
		if root != nil {
			root.threadTS = root.ts
			m.threadTS = root.ts
		}
		m.ts = s.nextTSLocked()
		for _, f := range files {
			f.Channel, f.ThreadTS = c.id, m.threadTS
		}
		c.msgs = append(c.msgs, m)
		s.messageEntryLocked(c, m, "posted")
		s.notifyLocked()
	}
	return map[string]any{"files": out}, nil
}

// filesJSON renders a message's files as conversations.history shows them.
func filesJSON(files []*File) []map[string]any {
	out := make([]map[string]any, 0, len(files))
	for _, f := range files {
		j := map[string]any{"id": f.ID, "name": f.Name, "title": f.Title, "size": f.Size, "mode": "hosted", "is_external": false}
		if strings.HasSuffix(strings.ToLower(f.Name), ".png") {
			j["mimetype"], j["filetype"] = "image/png", "png"
		}
		if f.Alt != "" {
			j["alt_txt"] = f.Alt
		}
		out = append(out, j)
	}
	return out
}

// renderFiles shows a message's files in the transcript: name, title, alt text and the name the
// emulator wrote the file under in Options.FilesDir (the folder itself is not shown, so that two
// runs print the same transcript).
func renderFiles(files []*File) string {
	var lines []string
	for _, f := range files {
		line := fmt.Sprintf("[file %s “%s”, %d bytes", f.Name, f.Title, f.Size)
		if f.Path != "" {
			line += ", saved as " + filepath.Base(f.Path) + " in the files folder"
		}
		line += "]"
		if f.Alt != "" {
			line += "\n  alt: " + f.Alt
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// DeleteFile removes a file, as a person deleting it in Slack would: its messages lose it, and a
// block that names it is refused from then on.
func (s *Server) DeleteFile(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files.byID, id)
	for _, c := range s.ws.channels {
		for _, m := range c.msgs {
			m.files = slices.DeleteFunc(m.files, func(f *File) bool { return f.ID == id })
		}
	}
	s.notifyLocked()
}

// slackFilesLocked refuses image blocks whose slack_file names a file the workspace does not have
// (never uploaded, or deleted), as Slack answers "invalid slack file".
func (s *Server) slackFilesLocked(blocks []any, pointer string) *apiErr {
	for i, b := range blocks {
		m, _ := b.(map[string]any)
		sf, ok := m["slack_file"].(map[string]any)
		if !ok {
			continue
		}
		id, _ := sf["id"].(string)
		if _, known := s.files.byID[id]; id == "" || !known {
			return errf("invalid_arguments", fmt.Sprintf("[ERROR] invalid slack file [json-pointer:%s/%d/slack_file]", pointer, i))
		}
	}
	return nil
}
