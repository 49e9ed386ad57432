package rituals

import "encoding/json"

// KindAdminNote is a plain note to an admin, e.g. "a run was skipped".
const KindAdminNote = "admin.note"

// AdminNote is the data of a KindAdminNote message.
type AdminNote struct {
	Text string `json:"text"`
}

// AdminNotes returns one note per admin, keyed "key/admin".
func AdminNotes(key, ritual string, admins []string, text string) []Message {
	data, _ := json.Marshal(AdminNote{Text: text})
	msgs := make([]Message, 0, len(admins))
	for _, a := range admins {
		msgs = append(msgs, Message{Key: key + "/" + a, Ritual: ritual, Kind: KindAdminNote, To: Recipient{User: a}, Data: data})
	}
	return msgs
}
