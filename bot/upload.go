package bot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/rituals"
)

// File is a file a rendered message carries: uploaded after the message, in its thread (or in the
// thread the message replies in), all of a message's files shared together.
type File struct {
	// Name is the file name shown, e.g. "ritualbot-checkins.png"; delivery adds a short tag of
	// the outbox key so that a resend after a crash can find it.
	Name  string
	Title string
	// Alt describes the picture for people who cannot see it (at most 1000 characters).
	Alt  string
	Data []byte
}

// Uploaded is a file delivery shared in Slack.
type Uploaded struct {
	ID, Name, Title, Alt string
	Channel              string
}

// uploadAPI is what uploading needs from Slack: the two Web API methods of the upload flow and
// the POST of the bytes to the URL the first returns.
type uploadAPI interface {
	GetUploadURLExternalContext(ctx context.Context, params slack.GetUploadURLExternalParameters) (*slack.GetUploadURLExternalResponse, error)
	CompleteUploadExternalContext(ctx context.Context, params slack.CompleteUploadExternalParameters) (*slack.CompleteUploadExternalResponse, error)
	UploadBytes(ctx context.Context, url string, data []byte) error
}

// UploadBytes POSTs data to an upload URL from files.getUploadURLExternal. The URL is Slack's file
// host, not the API's, and needs no token: none is sent.
func (w *webAPI) UploadBytes(ctx context.Context, url string, data []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := w.hooks.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
	}
	return nil
}

// uploads holds what delivery tells others about files it shared.
type uploads struct {
	mu     sync.Mutex
	onDone map[string]func(item rituals.OutboxItem, files []Uploaded) // by message kind
}

// OnUploaded registers fn, called after the files of a message of kind were shared (or found
// shared after a crash), e.g. to remember the latest chart for the Home tab.
func (d *Delivery) OnUploaded(kind string, fn func(item rituals.OutboxItem, files []Uploaded)) {
	d.up.mu.Lock()
	defer d.up.mu.Unlock()
	if d.up.onDone == nil {
		d.up.onDone = map[string]func(rituals.OutboxItem, []Uploaded){}
	}
	d.up.onDone[kind] = fn
}

// uploadFiles shares files in channel (in threadTS's thread) with Slack's three-step upload, once:
// after an earlier attempt (check) it first looks for them there. A final refusal (the app lacks
// files:write, uploads are turned off in the workspace) is logged and the message counts as
// delivered, since its text already says the same; other errors are returned to be retried.
func (d *Delivery) uploadFiles(ctx context.Context, item rituals.OutboxItem, channel, threadTS string, files []File, check bool) error {
	if len(files) == 0 {
		return nil
	}
	api, ok := d.api.(uploadAPI)
	if !ok {
		d.log.Warn("this Slack client cannot upload files; the message went without them", "key", item.Key)
		return nil
	}
	tag := uploadTag(item.Key)
	names := make([]string, len(files))
	for i, f := range files {
		ext := path.Ext(f.Name)
		names[i] = strings.TrimSuffix(f.Name, ext) + "-" + tag + ext
	}
	if check {
		found, err := d.findUploaded(ctx, item, channel, threadTS, names)
		var se slack.SlackErrorResponse
		switch {
		case errors.As(err, &se) && se.Err == "missing_scope":
			// The app may not read this conversation (a DM without im:history): upload again,
			// at least once, as delivery does for the text.
		case err != nil:
			return err
		case len(found) > 0:
			d.log.Info("files were already in Slack; not uploading them again", "key", item.Key)
			d.uploaded(item, found)
			return nil
		}
	}
	summaries := make([]slack.FileSummary, len(files))
	for i, f := range files {
		if err := d.limits.wait(ctx, "files.getUploadURLExternal", ""); err != nil {
			return err
		}
		u, err := api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: names[i], FileSize: len(f.Data), AltTxt: f.Alt})
		if err != nil {
			d.limits.observe("files.getUploadURLExternal", err)
			return d.uploadRefused(item, err)
		}
		if err := api.UploadBytes(ctx, u.UploadURL, f.Data); err != nil {
			return fmt.Errorf("upload %s: %w", names[i], err)
		}
		summaries[i] = slack.FileSummary{ID: u.FileID, Title: f.Title}
	}
	if err := d.limits.wait(ctx, "files.completeUploadExternal", ""); err != nil {
		return err
	}
	if _, err := api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files: summaries, Channel: channel, ThreadTimestamp: threadTS,
	}); err != nil {
		d.limits.observe("files.completeUploadExternal", err)
		return d.uploadRefused(item, err)
	}
	shared := make([]Uploaded, len(files))
	for i, f := range files {
		shared[i] = Uploaded{ID: summaries[i].ID, Name: names[i], Title: f.Title, Alt: f.Alt, Channel: channel}
	}
	d.uploaded(item, shared)
	return nil
}

// uploadRefused logs a permanent refusal and lets the message count as delivered; other errors
// are returned to be retried.
func (d *Delivery) uploadRefused(item rituals.OutboxItem, err error) error {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && (finalErrors[se.Err] || se.Err == "file_uploads_disabled") {
		d.log.Warn("Slack refused the files; the message went without them", "key", item.Key, "error", se.Err)
		return nil
	}
	return err
}

// uploaded tells whoever registered for the item's kind.
func (d *Delivery) uploaded(item rituals.OutboxItem, files []Uploaded) {
	d.up.mu.Lock()
	fn := d.up.onDone[item.Kind]
	d.up.mu.Unlock()
	if fn != nil {
		fn(item, files)
	}
}

// findUploaded returns the files named names that the bot shared in channel (in threadTS's thread
// when set) since the item's first attempt, reading as findSent does.
func (d *Delivery) findUploaded(ctx context.Context, item rituals.OutboxItem, channel, threadTS string, names []string) ([]Uploaded, error) {
	var oldest string
	if !item.CheckFrom.IsZero() {
		oldest = slackTS(item.CheckFrom.Add(-checkMargin))
	}
	var found []Uploaded
	cursor := ""
	for range maxCheckPages {
		msgs, next, err := d.readPage(ctx, channel, threadTS, oldest, cursor)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			for _, f := range m.Files {
				if slices.Contains(names, f.Name) {
					found = append(found, Uploaded{ID: f.ID, Name: f.Name, Title: f.Title, Channel: channel})
				}
			}
		}
		if len(found) > 0 || next == "" {
			return found, nil
		}
		cursor = next
	}
	return found, nil
}

// uploadTag is a short tag of an outbox key for file names: it tells this message's files from
// those of any other message in the conversation.
func uploadTag(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:4])
}
