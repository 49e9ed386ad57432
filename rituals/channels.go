package rituals

import (
	"maps"
	"slices"
	"sync"
)

// ChannelSet holds a ritual's settings per channel while the ritual runs, so that settings
// changed in Slack apply at once. A Service keeps one beside its Channels map: the set starts
// as a copy of that map at its first use (From), and only the set is read and changed afterwards.
type ChannelSet[T any] struct {
	once sync.Once
	mu   sync.RWMutex
	m    map[string]T
}

// From returns the set, copying initial into it on the first call.
func (c *ChannelSet[T]) From(initial map[string]T) *ChannelSet[T] {
	c.once.Do(func() {
		c.m = maps.Clone(initial)
		if c.m == nil {
			c.m = map[string]T{}
		}
	})
	return c
}

// Get returns the settings of channel id.
func (c *ChannelSet[T]) Get(id string) (T, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[id]
	return v, ok
}

// Set adds or replaces the settings of channel id.
func (c *ChannelSet[T]) Set(id string, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[id] = v
}

// IDs lists the channels, sorted.
func (c *ChannelSet[T]) IDs() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Sorted(maps.Keys(c.m))
}

// Current returns now() when it is set, fixed otherwise: for a list, such as the admins, that
// may change while the bot runs.
func Current[T any](fixed []T, now func() []T) []T {
	if now != nil {
		return now()
	}
	return fixed
}
