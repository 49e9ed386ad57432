package slackfake

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// post sends data to an upload URL as raw bytes and returns the HTTP status.
func post(t *testing.T, url string, data []byte) int {
	t.Helper()
	resp, err := http.Post(url, "application/octet-stream", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestUploadInThreeStepsSharesTheFileInTheThread(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, Options{FilesDir: dir})
	ctx := ctxT(t)
	_, parent, err := f.api.PostMessageContext(ctx, f.general, slack.MsgOptionText("the digest", false))
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("\x89PNG pretend picture")
	u, err := f.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: "chart.png", FileSize: len(data), AltTxt: "Bars: 6 of 8"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.UploadURL, f.srv.UploadURLBase()+"/") || strings.HasPrefix(u.UploadURL, f.srv.BaseURL()) || !strings.HasPrefix(u.FileID, "F") {
		t.Fatalf("upload URL %q (API at %s), file %q", u.UploadURL, f.srv.BaseURL(), u.FileID)
	}
	// Completing before the bytes arrived fails; so does an upload of the wrong length.
	_, err = f.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{Files: []slack.FileSummary{{ID: u.FileID}}, Channel: f.general})
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "file_not_found" {
		t.Fatalf("completion before upload: %v", err)
	}
	if code := post(t, u.UploadURL, data[:3]); code != http.StatusBadRequest {
		t.Fatalf("short upload answered %d", code)
	}
	if code := post(t, u.UploadURL, data); code != http.StatusOK {
		t.Fatalf("upload answered %d", code)
	}
	if code := post(t, u.UploadURL, data); code != http.StatusGone {
		t.Fatalf("a second upload to the same URL answered %d", code)
	}
	done, err := f.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: u.FileID, Title: "Check-ins"}}, Channel: f.general, ThreadTimestamp: parent})
	if err != nil || len(done.Files) != 1 || done.Files[0].ID != u.FileID {
		t.Fatalf("completion: %+v %v", done, err)
	}
	msgs := f.srv.Messages(f.general)
	if len(msgs) != 2 || msgs[1].ThreadTS != parent || len(msgs[1].Files) != 1 {
		t.Fatalf("messages %+v", msgs)
	}
	got := msgs[1].Files[0]
	if got.Name != "chart.png" || got.Title != "Check-ins" || got.Alt != "Bars: 6 of 8" || !bytes.Equal(got.Data, data) || got.Size != len(data) {
		t.Errorf("file %+v", got)
	}
	if b, err := os.ReadFile(got.Path); err != nil || !bytes.Equal(b, data) {
		t.Errorf("file written at %q: %v", got.Path, err)
	}
	// The thread read back through the Web API shows the file, as Slack does.
	replies, _, _, err := f.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: f.general, Timestamp: parent})
	if err != nil || len(replies) != 2 || len(replies[1].Files) != 1 || replies[1].Files[0].Name != "chart.png" {
		t.Fatalf("replies %+v %v", replies, err)
	}
	var b strings.Builder
	_ = f.srv.WriteTranscript(&b)
	if !strings.Contains(b.String(), "[file chart.png “Check-ins”") || !strings.Contains(b.String(), "alt: Bars: 6 of 8") || !strings.Contains(b.String(), "saved as "+filepath.Base(got.Path)) {
		t.Errorf("transcript:\n%s", b.String())
	}
}

func TestUploadNeedsFilesWrite(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.SetScopes([]string{"chat:write"})
	_, err := f.api.GetUploadURLExternalContext(ctxT(t), slack.GetUploadURLExternalParameters{FileName: "a.png", FileSize: 3})
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "missing_scope" || se.Needed != "files:write" {
		t.Fatalf("without files:write: %v", err)
	}
}
