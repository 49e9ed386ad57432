package rituals

import (
	"strings"
	"sync"
	"testing"
)

// A ChannelSet starts from the service's map, then is changed while others read it.
func TestChannelSetChangesWhileRead(t *testing.T) {
	initial := map[string]int{"C1": 2}
	var set ChannelSet[int]
	if v, ok := set.From(initial).Get("C1"); !ok || v != 2 {
		t.Fatalf("Get(C1) = %d, %v; want the initial 2", v, ok)
	}
	initial["C9"] = 9 // the map is copied once: later changes to it are not seen
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 100 {
				set.From(initial).Set("C2", i)
				set.From(initial).Get("C2")
				set.From(initial).IDs()
			}
		})
	}
	wg.Wait()
	if got := strings.Join(set.From(initial).IDs(), ","); got != "C1,C2" {
		t.Errorf("IDs = %s, want C1,C2 (C9 was added to the map after the first use)", got)
	}
}
