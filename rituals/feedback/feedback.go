// Package feedback runs anonymous feedback: on a schedule each member of a channel gets a private
// prompt with one question; answers (and free-form notes sent at any time) are released to the
// channel together, shuffled and without names, once a prompt closes with at least MinAnswers of
// them; a smaller batch is held and joins the next one. Admins (or configured responders) answer a
// release in its thread ("you said, we did"), and the digest counts releases and responses.
//
// What anonymous means here: an operator who reads the database file (free pages included), its
// backups and every log line must learn neither who wrote which answer nor who answered at all.
// Creating a prompt draws a random secret kept only in the Service's memory; the prompt's
// transaction stores the full set of valid one-time tokens HMAC-SHA256(secret, prompt id|user id),
// one per recipient, keyed by the token. The Slack edge puts a recipient's token (TokenFor) in the
// button of their prompt DM when it renders it; Slack holds it, the database never links it to
// anyone. An answer brings the token back: one transaction deletes the token and stores the
// answer under a random key, with no user, no time and nothing derived from the person. Nothing is
// logged when an answer or a note arrives. The records that name the people asked (the prompt's
// recipients, the outbox) are written before anyone can answer and never change when they do, and
// answers are taken only once every prompt message is delivered, so that the order in which bbolt
// wrote its pages cannot place an answer among the deliveries (ErrDelivering).
package feedback

import (
	"strconv"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// Ritual is the ritual's name in run keys, logs and stats.
const Ritual = "feedback"

// Message and task kinds this ritual produces.
const (
	// KindPrompt is the private prompt to one member (To.User); its data is a PromptData. The Slack
	// edge adds the member's token (Service.TokenFor) to the "Answer anonymously" button when it
	// renders it: the token is never in the outbox.
	KindPrompt = "feedback.prompt"
	// KindRelease is the post in the channel (To.Channel) that shows a batch; its data is a
	// ReleaseData. It carries a "Respond" button whose value is the message's key (Release.Key).
	KindRelease = "feedback.release"
	// KindHeld tells the channel (To.Channel) that a prompt closed with too few answers to show;
	// its data is a HeldData.
	KindHeld = "feedback.held"
	// KindResponse is a responder's answer in the thread of a release (ThreadOf the release key);
	// its data is a ResponseData.
	KindResponse = "feedback.response"
	// TaskClose closes a prompt when its time is up; Service.Close handles it.
	TaskClose = "feedback.close"
)

// Limits of what people type and of batches.
const (
	// MinAnswersFloor is the smallest batch ever released, whatever the configuration says.
	MinAnswersFloor = 3
	// MinAnswerLength and MaxAnswerLength bound an answer or a note, in characters after trimming.
	MinAnswerLength = 10
	MaxAnswerLength = 2000
	// MaxResponseLength bounds a responder's text, in characters.
	MaxResponseLength = 2000
	// DefaultNoteLimit notes per person per DefaultNoteWindow, counted in memory only.
	DefaultNoteLimit  = 3
	DefaultNoteWindow = 24 * time.Hour
)

// Channel is one channel's feedback settings.
type Channel struct {
	// ID is the channel's id.
	ID string
	// OpenFor is how long a prompt collects answers.
	OpenFor time.Duration
	// MinAnswers is the smallest batch released; values below MinAnswersFloor are raised to it.
	MinAnswers int
	// Bank holds the questions asked here; nil means the built-in questions.Feedback().
	Bank *questions.Bank
	// Responders may respond to released feedback; nil means the Service's Admins.
	Responders []string
}

// minAnswers is the channel's threshold, never below MinAnswersFloor.
func (c Channel) minAnswers() int { return max(c.MinAnswers, MinAnswersFloor) }

// bank is the channel's question bank, the built-in one by default.
func (c Channel) bank() *questions.Bank {
	if c.Bank == nil {
		return questions.Feedback()
	}
	return c.Bank
}

// Prompt is one question sent privately to the members of a channel.
type Prompt struct {
	// ID is the run key that created it, e.g. "feedback/C0123/2026-11-25T09:00".
	ID         string `json:"id"`
	Channel    string `json:"channel"`
	QuestionID string `json:"question_id"`
	Question   string `json:"question"`
	// Scale is set for a 1–5 pulse question.
	Scale *questions.Scale `json:"scale,omitempty"`
	// Recipients are the people asked, sorted; cleared when the prompt closes. The record is written
	// once, before anyone can answer, and does not change when someone does.
	Recipients []string `json:"recipients,omitempty"`
	// Asked counts the recipients; it stays when Recipients is cleared.
	Asked      int       `json:"asked"`
	MinAnswers int       `json:"min_answers"`
	OpenedAt   time.Time `json:"opened_at"`
	ClosesAt   time.Time `json:"closes_at"`
	Closed     bool      `json:"closed,omitempty"`
	// Outcome is OutcomeReleased or OutcomeHeld once closed.
	Outcome string `json:"outcome,omitempty"`
}

// Prompt outcomes.
const (
	OutcomeReleased = "released"
	OutcomeHeld     = "held"
)

// Answer is one anonymous answer or free-form note, as stored: no author, no time, no order.
type Answer struct {
	// Text is what the person wrote, cleaned (trimmed, control characters removed).
	Text string `json:"text"`
	// Scale is the 1–5 rating, 0 when the question has none (and for notes).
	Scale int `json:"scale,omitempty"`
	// Question is the question answered; empty for a free-form note.
	Question string `json:"question,omitempty"`
	// Labels are the question's scale labels, when it has a scale.
	Labels *questions.Scale `json:"labels,omitempty"`
}

// Release is one batch shown in a channel, as the digest counts it.
type Release struct {
	// Key is the outbox key of the release post; responses thread under it.
	Key      string `json:"key"`
	PromptID string `json:"prompt_id"`
	Channel  string `json:"channel"`
	Question string `json:"question"`
	// Answers counts the answers and notes shown, carried ones included.
	Answers int       `json:"answers"`
	At      time.Time `json:"at"`
}

// Response is what a responder said about a release ("you said, we did"). It is not anonymous.
type Response struct {
	ID         string    `json:"id"`
	ReleaseKey string    `json:"release_key"`
	PromptID   string    `json:"prompt_id"`
	Channel    string    `json:"channel"`
	Question   string    `json:"question"`
	By         string    `json:"by"`
	Text       string    `json:"text"`
	At         time.Time `json:"at"`
}

// Batch is what a prompt's closing decides on: the prompt, its answers and notes, and the
// channel's carried answers from earlier batches that were too small.
type Batch struct {
	Prompt  Prompt
	Answers []Answer
	Carried []Answer
}

// Outcome is what closing a prompt does, decided by the Service inside the store's transaction.
type Outcome struct {
	// Keep leaves the prompt open and writes nothing (an admin's release with too few answers).
	Keep bool
	// Release is set when the batch is shown: tokens, answers and carried answers are deleted and
	// the release is recorded. Otherwise (and not Keep) the prompt is held: its tokens are deleted
	// and its answers move to the channel's carry pool under new random keys.
	Release *Release
	// Count is how many answers (carried included) were released, or are held or kept.
	Count int
	// Needed is how many more answers a release would need; 0 when released.
	Needed int
	// Msgs are queued in the same transaction.
	Msgs []rituals.Message
}

// Store keeps the ritual's records; the store package implements it. No method takes or keeps
// anything that names the author of an answer or a note.
type Store interface {
	// Asked returns when each question was last asked in channel.
	Asked(channel string) (map[string]time.Time, error)
	// CreatePrompt records key as run, the question as asked, the prompt as the channel's open
	// one, the tokens, the messages and the closing task, in one transaction.
	// schedule.ErrAlreadyRan if key is recorded; ErrPromptOpen if the channel has an open prompt.
	CreatePrompt(key schedule.Key, p Prompt, tokens [][]byte, msgs []rituals.Message, tasks []timers.Task) error
	// Prompt returns a prompt by id.
	Prompt(id string) (Prompt, bool, error)
	// OpenPrompt returns the channel's open prompt, if any.
	OpenPrompt(channel string) (Prompt, bool, error)
	// RenewTokens adds, in one transaction, token(u) for each recipient u of an open prompt whose
	// prompt message (PromptMessageKey) is not delivered yet, and returns those recipients.
	// ErrUnknownPrompt or ErrClosed.
	RenewTokens(promptID string, token func(userID string) []byte) ([]string, error)
	// HasToken reports whether token is valid for the prompt.
	HasToken(promptID string, token []byte) (bool, error)
	// Delivering counts the recipients whose prompt message (PromptMessageKey) is still queued in
	// the outbox: neither delivered nor failed for good.
	Delivering(promptID string) (int, error)
	// PutAnswer deletes token and stores a under a random key, in one transaction. ErrUnknownPrompt,
	// ErrClosed, ErrDelivering while Delivering is not 0, or ErrAlreadyAnswered when the token is
	// not in the set.
	PutAnswer(promptID string, token []byte, a Answer) error
	// AddNote stores a under a random key in the channel's open prompt, or in its carry pool when
	// none is open; it returns the open prompt's id, or "".
	AddNote(channel string, a Answer) (string, error)
	// CountAnswers counts the answers and notes a prompt has collected.
	CountAnswers(promptID string) (int, error)
	// ClosePrompt reads the prompt's batch and applies the Outcome decide returns, then completes
	// taskKey and queues the outcome's messages, all in one transaction (nothing at all when the
	// outcome is Keep). ErrUnknownPrompt, or ErrClosed (after completing taskKey) when closed.
	ClosePrompt(promptID, taskKey string, decide func(Batch) (Outcome, error)) (Outcome, error)
	// Release returns a release by key.
	Release(key string) (Release, bool, error)
	// AddResponse stores a response and queues msgs in one transaction.
	AddResponse(r Response, msgs []rituals.Message) error
	// Releases returns the channel's releases at or after since, oldest first.
	Releases(channel string, since time.Time) ([]Release, error)
	// Responses returns the channel's responses at or after since, oldest first.
	Responses(channel string, since time.Time) ([]Response, error)
}

// PromptMessageKey is the outbox key of the prompt DM to one recipient.
func PromptMessageKey(promptID, userID string) string { return promptID + "/dm/" + userID }

// ReleaseKey is the outbox key of a prompt's release post; it is also Release.Key.
func ReleaseKey(promptID string) string { return promptID + "/release" }

// PromptData is the data of a KindPrompt message. It holds no token: the Slack edge asks
// Service.TokenFor for it when it renders the message.
type PromptData struct {
	PromptID string `json:"prompt_id"`
	Channel  string `json:"channel"`
	Question string `json:"question"`
	// Scale is set for a 1–5 pulse question: the modal then asks for a rating too.
	Scale      *questions.Scale `json:"scale,omitempty"`
	ClosesAt   time.Time        `json:"closes_at"`
	MinAnswers int              `json:"min_answers"`
	// Explanation says in plain words what anonymity means here; show it in the DM.
	Explanation string `json:"explanation"`
}

// ReleaseData is the data of a KindRelease message. Every list is shuffled; nothing in it says who
// wrote what, when, or in which order answers arrived. Texts are as typed: escape them.
type ReleaseData struct {
	PromptID string `json:"prompt_id"`
	// Question is the prompt's question; Answers and Distribution are about it.
	Question string           `json:"question"`
	Scale    *questions.Scale `json:"scale,omitempty"`
	// Count is every text in the post: Answers, Earlier and Notes together.
	Count   int      `json:"count"`
	Answers []string `json:"answers"`
	// Distribution counts the ratings 1 to 5 (index 0 is 1) when the question has a scale.
	Distribution [5]int `json:"distribution"`
	// Earlier are answers to earlier prompts, held until now because their batch was too small.
	Earlier []EarlierGroup `json:"earlier,omitempty"`
	// Notes are free-form notes sent with the feedback command.
	Notes []string `json:"notes,omitempty"`
}

// EarlierGroup is the carried answers to one earlier question.
type EarlierGroup struct {
	Question     string           `json:"question"`
	Scale        *questions.Scale `json:"scale,omitempty"`
	Answers      []string         `json:"answers"`
	Distribution [5]int           `json:"distribution"`
}

// HeldData is the data of a KindHeld message: "2 answers; they will be released with the next
// batch so that nobody can be singled out".
type HeldData struct {
	PromptID string `json:"prompt_id"`
	Question string `json:"question"`
	// Count is the answers held, carried ones included (0 when nobody answered).
	Count int `json:"count"`
	// Needed is how many more a release needs.
	Needed     int `json:"needed"`
	MinAnswers int `json:"min_answers"`
}

// ResponseData is the data of a KindResponse message.
type ResponseData struct {
	ReleaseKey string `json:"release_key"`
	Text       string `json:"text"`
	// Responder is the user id of the person responding; responses are signed.
	Responder string `json:"responder"`
}

// closeData is the data of a TaskClose task.
type closeData struct {
	PromptID string `json:"prompt_id"`
	Channel  string `json:"channel"`
}

// Explanation is the plain account of anonymity shown in every prompt.
func Explanation(minAnswers int) string {
	return "Your answer is stored without your name, your Slack id or the time you sent it, and the bot " +
		"keeps no record of who answered. Answers are posted in the channel together, shuffled and " +
		"without names, only once at least " + strconv.Itoa(max(minAnswers, MinAnswersFloor)) +
		" have come in; a smaller batch waits for the next one. You can answer once. Your words can " +
		"still give you away, so write with that in mind."
}
