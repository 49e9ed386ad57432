package feedback

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ritualbot/ritualbot/rituals"
)

// secretSize is the size of a prompt's in-memory HMAC key, in bytes.
const secretSize = 32

// tokenSize is the size of a raw token (an HMAC-SHA256), in bytes.
const tokenSize = sha256.Size

// newSecret draws a prompt's secret. It lives in memory only.
func newSecret() []byte {
	b := make([]byte, secretSize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	return b
}

// tokenOf computes HMAC-SHA256(secret, promptID|userID): the raw token the store keeps.
func tokenOf(secret []byte, promptID, userID string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(promptID))
	m.Write([]byte{'|'})
	m.Write([]byte(userID))
	return m.Sum(nil)
}

// encodeToken is the form a token takes in a button value: 43 URL-safe characters, followed by
// "." and the prompt's generation when it was sent again after a restart.
func encodeToken(raw []byte, generation int) string {
	s := base64.RawURLEncoding.EncodeToString(raw)
	if generation > 0 {
		s += "." + strconv.Itoa(generation)
	}
	return s
}

// decodeToken reverses encodeToken for a token of p: ErrReplaced for a token of an earlier
// generation, ErrAlreadyAnswered for anything that cannot be a token.
func (p Prompt) decodeToken(s string) ([]byte, error) {
	enc, gen, hasGen := strings.Cut(s, ".")
	generation := 0
	if hasGen {
		n, err := strconv.Atoi(gen)
		if err != nil || n <= 0 {
			return nil, ErrAlreadyAnswered
		}
		generation = n
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(raw) != tokenSize {
		return nil, ErrAlreadyAnswered
	}
	if generation < p.Generation {
		return nil, ErrReplaced
	}
	return raw, nil
}

// randomID returns 16 random hex digits.
func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// randomBelow returns a uniform random integer in [0, n) read from src (crypto/rand when nil).
func randomBelow(n int, src io.Reader) int {
	if n <= 1 {
		return 0
	}
	if src == nil {
		src = rand.Reader
	}
	limit := ^uint64(0) - ^uint64(0)%uint64(n) // reject the top sliver so every value is as likely
	var b [8]byte
	for {
		if _, err := io.ReadFull(src, b[:]); err != nil {
			panic("feedback: shuffle source failed: " + err.Error())
		}
		if v := binary.BigEndian.Uint64(b[:]); v < limit {
			return int(v % uint64(n))
		}
	}
}

// shuffle puts s in a uniformly random order drawn from src, crypto/rand when nil (Fisher–Yates).
func shuffle[T any](s []T, src io.Reader) {
	for i := len(s) - 1; i > 0; i-- {
		j := randomBelow(i+1, src)
		s[i], s[j] = s[j], s[i]
	}
}

// cleanText prepares what a person typed: line breaks made "\n", control characters (other than
// line breaks and tabs) and invisible bidirectional overrides removed, surrounding space trimmed.
// It returns the text and its length in characters; invalid UTF-8 is replaced, not refused.
func cleanText(raw string) (string, int) {
	raw = strings.ToValidUTF8(raw, "\uFFFD")
	raw = strings.ReplaceAll(raw, "\r\n", "\n")
	raw = strings.ReplaceAll(raw, "\r", "\n")
	raw = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r), r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return -1
		}
		return r
	}, raw)
	text := strings.TrimSpace(raw)
	return text, utf8.RuneCountInString(text)
}

// checkText cleans text and checks its length against [minLen, maxLen].
func checkText(what, raw string, minLen, maxLen int) (string, error) {
	text, n := cleanText(raw)
	if n < minLen || n > maxLen {
		return "", &rituals.PersonError{Err: &LengthError{What: what, Length: n, Min: minLen, Max: maxLen}}
	}
	return text, nil
}
