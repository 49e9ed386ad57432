package rituals

import "errors"

// PersonError is a mistake made by the person who acted: its text is a sentence shown to them as
// it is (escaped on the way to Slack). Each ritual's mistake types implement it.
type PersonError interface {
	error
	// ForPerson marks the error as meant for the person.
	ForPerson()
}

// IsPersonError reports whether err, or an error it wraps, is a PersonError.
func IsPersonError(err error) bool {
	var pe PersonError
	return errors.As(err, &pe)
}
