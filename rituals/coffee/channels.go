package coffee

// Channel returns the settings of a channel where the ritual runs.
func (s *Service) Channel(id string) (Channel, bool) { return s.live.From(s.Channels).Get(id) }

// SetChannel adds or replaces a channel's settings while the service runs.
func (s *Service) SetChannel(c Channel) { s.live.From(s.Channels).Set(c.ID, c) }

// ChannelIDs lists the channels where the ritual runs, sorted.
func (s *Service) ChannelIDs() []string { return s.live.From(s.Channels).IDs() }

// channelOrZero returns the settings of channel id, or the zero Channel (the defaults).
func (s *Service) channelOrZero(id string) Channel {
	c, _ := s.Channel(id)
	return c
}
