package rituals

import (
	"errors"
	"fmt"
)

// PersonError is a mistake made by the person who acted: the text of Err is a sentence shown to
// them as it is (escaped on the way to Slack). Every ritual returns people's mistakes as a
// *PersonError; anything else is the bot's own failure.
type PersonError struct {
	// Err is the sentence; it may wrap a typed error with details (errors.As reaches it).
	Err error
	// Fields holds, for a form, one sentence per field at fault, by the field's position.
	Fields map[int]string
}

// Error returns the sentence for the person.
func (e *PersonError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PersonError) Unwrap() error { return e.Err }

// Mistakef returns a *PersonError whose sentence is formatted as fmt.Errorf formats it.
func Mistakef(format string, args ...any) error {
	return &PersonError{Err: fmt.Errorf(format, args...)}
}

// IsPersonError reports whether err, or an error it wraps, is a PersonError.
func IsPersonError(err error) bool {
	var pe *PersonError
	return errors.As(err, &pe)
}
