// Package feedback runs anonymous feedback: on a schedule each member of a channel gets a private
// prompt with one question; answers are released to the channel together, shuffled and without
// names, once a prompt closes with at least MinAnswers of them (distinct people: one token each);
// a smaller batch is held. Free-form notes from the channel's members go out with the next batch
// that reached the threshold, and never count toward it. Admins (or configured responders) answer
// a release in its thread ("you said, we did"), and the digest counts releases and responses.
//
// What anonymous means here, against the operator who runs the bot: they hold the database at any
// moment (free pages and backups included), every log line, /metrics, the bot's token with the
// scopes its manifest grants, and the power to restart the bot on a clock minutes off Slack's.
// From all of that they must learn neither who answered nor who wrote what.
//
//   - Creating a prompt draws a random secret kept only in the Service's memory; one transaction
//     stores the whole set of one-time tokens HMAC-SHA256(secret, prompt id|user id), keyed by the
//     token, so nothing on disk links a token to a person. The Slack edge puts a recipient's token
//     in the button of their prompt DM as it sends it (TokenFor): it is never in the outbox, and the
//     manifest does not let the bot's token read DMs, so the buttons cannot be read back.
//   - An answer spends its token: one transaction deletes it and stores the answer under a random
//     key, with no user, no time and nothing derived from the person. Nothing is logged or counted
//     when an answer or a note arrives, and nothing visible in Slack changes for the person.
//   - Answers are taken only once every prompt DM is delivered or has failed for good (failures are
//     bounded), so the order of bbolt's page writes cannot place an answer among the deliveries. A
//     restart before that point re-sends the prompt to every recipient under a new secret, dropping
//     every earlier token in the same transaction (Resume): nobody still waiting is singled out, and
//     each person holds exactly one valid button, however many DMs a crash left them.
//   - A release shows groups that each hold at least the threshold: the prompt's own answers (with
//     held answers to the same question from earlier rounds), and the notes. Held answers to other
//     questions wait until their question is asked again and that round reaches the threshold.
//
// Out of reach, and said plainly to people: a Slack org owner's export of DMs combined with the
// database, and what the words of an answer give away.
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
	// before anyone can answer, and does not change when someone does.
	Recipients []string `json:"recipients,omitempty"`
	// Generation counts the times the prompt was sent again to everyone after a restart during its
	// delivery (Service.Resume); only the current generation's tokens and messages are valid.
	Generation int `json:"generation,omitempty"`
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
	// Scale is set when the question is a 1–5 pulse question.
	Scale *questions.Scale `json:"scale,omitempty"`
	// Distribution counts the ratings 1 to 5 (index 0 is 1) shown with a pulse question: the
	// same figures as the release post, a whole batch that met the threshold, never one person's.
	// Nil when the question has no scale (and in releases recorded before it was kept).
	Distribution *[5]int `json:"distribution,omitempty"`
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

// Batch is what a prompt's closing decides on: the prompt, its own answers (one per token spent),
// and the channel's pool: answers held from earlier rounds that were too small, and notes.
type Batch struct {
	Prompt  Prompt
	Answers []Answer
	Pool    []Answer
}

// Outcome is what closing a prompt does, decided by the Service inside the store's transaction.
type Outcome struct {
	// Keep leaves the prompt open and writes nothing (an admin's release with too few answers).
	Keep bool
	// Release is set when the batch is shown: the prompt's tokens and answers and the pool entries
	// in Shown are deleted, and the release is recorded. Otherwise (and not Keep) the prompt is
	// held: its tokens are deleted and its answers move to the channel's pool under new random keys.
	Release *Release
	// Shown lists the indexes in Batch.Pool released with the batch.
	Shown []int
	// Count is how many answers (carried included) were released, or are held or kept.
	Count int
	// Needed is how many more answers a release would need; 0 when released.
	Needed int
	// Msgs are queued in the same transaction.
	Msgs []rituals.Message
}

// Prompts keeps prompts and the question rotation.
type Prompts interface {
	// Asked returns when each question was last asked in channel.
	Asked(channel string) (map[string]time.Time, error)
	// CreatePrompt records key as run, the question as asked, the prompt as the channel's open
	// one, the tokens, the messages and the closing task, in one transaction.
	// schedule.ErrAlreadyRan if key is recorded; ErrPromptOpen if the channel has an open prompt.
	CreatePrompt(key schedule.Key, p Prompt, tokens [][]byte, msgs []rituals.Message, tasks []timers.Task) error
	// ResendPrompt starts generation p.Generation+1 of an open prompt that is still being
	// delivered, in one transaction: every token of the prompt is replaced by tokens, its prompt
	// messages still queued (or failed) are dropped, msgs are queued, and the prompt records the
	// new generation. ErrUnknownPrompt, ErrClosed, or an error when p.Generation is no longer the
	// prompt's.
	ResendPrompt(p Prompt, tokens [][]byte, msgs []rituals.Message) error
	// Prompt returns a prompt by id.
	Prompt(id string) (Prompt, bool, error)
	// OpenPrompt returns the channel's open prompt, if any.
	OpenPrompt(channel string) (Prompt, bool, error)
	// Delivering counts the recipients whose prompt message of the prompt's current generation is
	// still queued in the outbox: neither delivered nor failed for good.
	Delivering(promptID string) (int, error)
}

// Answers keeps the anonymous answers and notes. No method takes or keeps anything that names
// the author of an answer or a note.
type Answers interface {
	// HasToken reports whether token is valid for the prompt.
	HasToken(promptID string, token []byte) (bool, error)
	// PutAnswer deletes token and stores a under a random key, in one transaction. ErrUnknownPrompt,
	// ErrClosed, ErrDelivering while Delivering is not 0, or ErrAlreadyAnswered when the token is
	// not in the set.
	PutAnswer(promptID string, token []byte, a Answer) error
	// AddNote stores a note under a random key in the channel's pool, for the next release.
	AddNote(channel string, a Answer) error
	// CountAnswers counts the answers a prompt has collected (notes are not counted).
	CountAnswers(promptID string) (int, error)
	// ClosePrompt reads the prompt's batch and applies the Outcome decide returns, then completes
	// taskKey and queues the outcome's messages, all in one transaction (nothing at all when the
	// outcome is Keep). ErrUnknownPrompt, or ErrClosed (after completing taskKey) when closed.
	ClosePrompt(promptID, taskKey string, decide func(Batch) (Outcome, error)) (Outcome, error)
}

// Releases keeps what was released and what responders said about it.
type Releases interface {
	// Release returns a release by key.
	Release(key string) (Release, bool, error)
	// AddResponse stores a response and queues msgs in one transaction.
	AddResponse(r Response, msgs []rituals.Message) error
	// Releases returns the channel's releases at or after since, oldest first.
	Releases(channel string, since time.Time) ([]Release, error)
	// Responses returns the channel's responses at or after since, oldest first.
	Responses(channel string, since time.Time) ([]Response, error)
}

// Store is everything the ritual keeps; the store package implements it.
type Store interface {
	Prompts
	Answers
	Releases
}

// PromptMessageKey is the outbox key of the first prompt DM to one recipient.
func PromptMessageKey(promptID, userID string) string { return promptID + "/dm/" + userID }

// MessageKey is the outbox key of the prompt DM to userID in the prompt's current generation.
func (p Prompt) MessageKey(userID string) string {
	if p.Generation == 0 {
		return PromptMessageKey(p.ID, userID)
	}
	return p.ID + "/dm" + strconv.Itoa(p.Generation) + "/" + userID
}

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
	// Resent is set on a prompt sent again after a restart: earlier buttons no longer work.
	Resent bool `json:"resent,omitempty"`
}

// ReleaseData is the data of a KindRelease message. Every list is shuffled; nothing in it says who
// wrote what, when, or in which order answers arrived. Texts are as typed: escape them. Each group
// (the answers with their ratings, the notes) holds at least the prompt's threshold, or is absent.
type ReleaseData struct {
	PromptID string `json:"prompt_id"`
	// Question is the prompt's question; Answers and Distribution are about it.
	Question string           `json:"question"`
	Scale    *questions.Scale `json:"scale,omitempty"`
	// Count is the number of Answers (held answers to the same question included), not notes.
	Count   int      `json:"count"`
	Answers []string `json:"answers"`
	// Distribution counts the ratings 1 to 5 (index 0 is 1) when the question has a scale.
	Distribution [5]int `json:"distribution"`
	// Notes are free-form notes sent with the feedback command.
	Notes []string `json:"notes,omitempty"`
}

// HeldData is the data of a KindHeld message: "2 answers; they wait until this question is asked
// again and enough people answer it, so that nobody can be singled out".
type HeldData struct {
	PromptID string `json:"prompt_id"`
	Question string `json:"question"`
	// Count is the prompt's own answers, held (0 when nobody answered).
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

// Explanation is the plain account of anonymity shown in every prompt: what is protected, and
// what is not.
func Explanation(minAnswers int) string {
	return "Nobody, not even whoever runs this bot, can see who answered or who wrote what: answers are " +
		"stored without names or times and shared in the channel only together, shuffled, once at least " +
		strconv.Itoa(max(minAnswers, MinAnswersFloor)) + " people have answered. Your own words can still give " +
		"you away, and a Slack org owner's export of DMs combined with the bot's database is beyond what it can protect."
}
