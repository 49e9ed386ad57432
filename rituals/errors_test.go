package rituals_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ritualbot/ritualbot/rituals"
)

type detail struct{ n int }

func (d *detail) Error() string { return fmt.Sprintf("%d is too many.", d.n) }

func TestPersonErrorIsFoundThroughWrappingAndKeepsItsDetail(t *testing.T) {
	err := fmt.Errorf("handling /ritual kudos: %w", &rituals.PersonError{Err: &detail{n: 7}})
	if !rituals.IsPersonError(err) {
		t.Fatal("a wrapped PersonError is not recognised: the person would see a generic failure")
	}
	var d *detail
	if !errors.As(err, &d) || d.n != 7 {
		t.Errorf("the typed detail is lost: %v", err)
	}
	var pe *rituals.PersonError
	if !errors.As(err, &pe) || pe.Error() != "7 is too many." {
		t.Errorf("the sentence shown to the person = %q", pe.Error())
	}
	if rituals.IsPersonError(errors.New("bbolt: database not open")) {
		t.Error("the bot's own failure would be shown to the person as their mistake")
	}
	sentinel := rituals.Mistakef("This prompt has closed.")
	if !errors.Is(fmt.Errorf("answer: %w", sentinel), sentinel) {
		t.Error("a sentinel PersonError cannot be compared with errors.Is")
	}
}
