package slackfake

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// User is a person (or bot) in the workspace. TZ is an IANA zone name; "" means
// America/Los_Angeles, Slack's default for new accounts.
type User struct {
	ID, Name, RealName, TZ                                   string
	IsBot, Deleted, IsRestricted, IsUltraRestricted, IsAdmin bool
}

// Channel is a public or private channel. Members lists user ids; the bot is a
// member only if BotUserID() is listed (or added later with SetMember).
type Channel struct {
	ID, Name              string
	Members               []string
	IsPrivate, IsArchived bool
}

// Message is a message as the workspace stores it. Blocks carry the block_ids
// Slack generated for blocks that had none.
type Message struct {
	Channel, TS, ThreadTS, User, Text string
	Blocks                            json.RawMessage
	Metadata                          json.RawMessage
	Ephemeral                         bool
	// Files are the files shared with the message (files.completeUploadExternal).
	Files []File
}

type chanKind int

const (
	kindPublic chanKind = iota
	kindPrivate
	kindIM
	kindMPIM
)

type channel struct {
	id, name string
	kind     chanKind
	archived bool
	members  []string
	imUser   string // the person in a bot↔person DM
	created  time.Time
	msgs     []*message // top level and replies, in posting order
}

func (c *channel) isMember(uid string) bool { return slices.Contains(c.members, uid) }

type reaction struct {
	name  string
	users []string
}

type message struct {
	channel, ts, threadTS string
	user, botID, text     string
	blocks                json.RawMessage
	metadata              json.RawMessage
	ephemeral             bool
	forUser               string // audience of an ephemeral
	editedTS              string
	deleted, broadcast    bool
	reactions             []*reaction
	files                 []*File
}

func (m *message) public() Message {
	out := Message{Channel: m.channel, TS: m.ts, ThreadTS: m.threadTS, User: m.user, Text: m.text,
		Blocks: m.blocks, Metadata: m.metadata, Ephemeral: m.ephemeral}
	for _, f := range m.files {
		out.Files = append(out.Files, *f)
	}
	return out
}

type user struct {
	User
	created time.Time
}

// workspace is the model; every field is guarded by Server.mu.
type workspace struct {
	users      map[string]*user
	userOrder  []string
	channels   map[string]*channel
	chanOrder  []string
	dms        map[string]string // user id → D… id
	mpims      map[string]string // sorted member ids → G… id
	seq        map[byte]int
	lastTS     int64 // microseconds of the last ts handed out
	ephemerals []*message
	views      map[string]*view
	homes      map[string]string   // user id → home view id
	modals     map[string][]string // user id → stack of open modal view ids (top last)
	triggers   map[string]*trigger
	hooks      map[string]*hook
	userGroups map[string]*UserGroup
	groupOrder []string
}

func (w *workspace) init() {
	w.users = map[string]*user{}
	w.channels = map[string]*channel{}
	w.dms = map[string]string{}
	w.mpims = map[string]string{}
	w.seq = map[byte]int{}
	w.views = map[string]*view{}
	w.homes = map[string]string{}
	w.modals = map[string][]string{}
	w.triggers = map[string]*trigger{}
	w.hooks = map[string]*hook{}
}

// newIDLocked returns an unused id with the given prefix (C, D, G, U, V…).
func (s *Server) newIDLocked(prefix byte) string {
	for {
		s.ws.seq[prefix]++
		id := fmt.Sprintf("%c%08d", prefix, s.ws.seq[prefix])
		if _, ok := s.ws.users[id]; ok {
			continue
		}
		if _, ok := s.ws.channels[id]; ok {
			continue
		}
		if _, ok := s.ws.views[id]; ok {
			continue
		}
		return id
	}
}

// nextTSLocked returns a unique, increasing Slack timestamp ("1700000000.000100").
func (s *Server) nextTSLocked() string {
	now := time.Now().UnixMicro()
	if now <= s.ws.lastTS {
		now = s.ws.lastTS + 1
	}
	s.ws.lastTS = now
	return fmt.Sprintf("%d.%06d", now/1e6, now%1e6)
}

// AddUser adds a person or bot to the workspace, or replaces the user with
// the same id. An empty ID gets a generated one; an unknown TZ falls back to
// America/Los_Angeles with a logged warning.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUserLocked(u)
}

// AddUserID is AddUser returning the (possibly generated) id.
func (s *Server) AddUserID(u User) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(u)
}

func (s *Server) addUserLocked(u User) string {
	if u.ID == "" {
		u.ID = s.newIDLocked('U')
	}
	if u.Name == "" {
		u.Name = strings.ToLower(strings.ReplaceAll(u.RealName, " ", "."))
	}
	if u.Name == "" {
		u.Name = strings.ToLower(u.ID)
	}
	if u.RealName == "" {
		u.RealName = u.Name
	}
	if u.TZ == "" {
		u.TZ = "America/Los_Angeles"
	}
	if _, _, err := tzInfo(u.TZ, time.Now()); err != nil {
		s.log.Warn("unknown time zone, using America/Los_Angeles", "user", u.ID, "tz", u.TZ)
		u.TZ = "America/Los_Angeles"
	}
	if old, ok := s.ws.users[u.ID]; ok {
		old.User = u
	} else {
		s.ws.users[u.ID] = &user{User: u, created: time.Now()}
		s.ws.userOrder = append(s.ws.userOrder, u.ID)
	}
	s.notifyLocked()
	return u.ID
}

// AddChannel adds a channel (or replaces the one with the same id). An empty
// ID gets a generated C… id.
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addChannelLocked(c)
}

// AddChannelID is AddChannel returning the (possibly generated) id.
func (s *Server) AddChannelID(c Channel) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addChannelLocked(c)
}

func (s *Server) addChannelLocked(c Channel) string {
	if c.ID == "" {
		c.ID = s.newIDLocked('C')
	}
	if c.Name == "" {
		c.Name = strings.ToLower(c.ID)
	}
	kind := kindPublic
	if c.IsPrivate {
		kind = kindPrivate
	}
	var members []string
	for _, m := range c.Members {
		if !slices.Contains(members, m) {
			members = append(members, m)
		}
	}
	if old, ok := s.ws.channels[c.ID]; ok {
		old.name, old.kind, old.archived, old.members = c.Name, kind, c.IsArchived, members
	} else {
		s.ws.channels[c.ID] = &channel{id: c.ID, name: c.Name, kind: kind, archived: c.IsArchived,
			members: members, created: time.Now()}
		s.ws.chanOrder = append(s.ws.chanOrder, c.ID)
	}
	s.notifyLocked()
	return c.ID
}

// SetMember adds userID to or removes it from a channel; use BotUserID() to
// add or remove the bot. Unknown channels are ignored.
func (s *Server) SetMember(channelID, userID string, member bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.ws.channels[channelID]
	if c == nil {
		return
	}
	i := slices.Index(c.members, userID)
	switch {
	case member && i < 0:
		c.members = append(c.members, userID)
	case !member && i >= 0:
		c.members = slices.Delete(c.members, i, i+1)
	}
	s.notifyLocked()
}

// SetArchived archives or unarchives a channel.
func (s *Server) SetArchived(channelID string, archived bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.ws.channels[channelID]; c != nil {
		c.archived = archived
	}
}

// Users returns every user, the bot and Slackbot included, in the order added.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.ws.userOrder))
	for _, id := range s.ws.userOrder {
		out = append(out, s.ws.users[id].User)
	}
	return out
}

// Members returns a conversation's member ids (nil for unknown channels).
func (s *Server) Members(channelID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.ws.channels[channelID]; c != nil {
		return slices.Clone(c.members)
	}
	return nil
}

// Messages returns a conversation's messages, top level and replies, in the
// order they were posted; deleted messages are left out.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.ws.channels[channelID]
	if c == nil {
		return nil
	}
	var out []Message
	for _, m := range c.msgs {
		if !m.deleted {
			out = append(out, m.public())
		}
	}
	return out
}

// Ephemerals returns the ephemeral messages shown to a user, oldest first.
func (s *Server) Ephemerals(userID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.ws.ephemerals {
		if m.forUser == userID && !m.deleted {
			out = append(out, m.public())
		}
	}
	return out
}

// DMChannel is the bot↔user DM id, "" if none was opened yet.
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws.dms[userID]
}

// GroupDM is the group DM id for exactly this set of people (the bot is
// implied), "" if none was opened yet.
func (s *Server) GroupDM(userIDs ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws.mpims[s.mpimKey(userIDs)]
}

func (s *Server) mpimKey(userIDs []string) string {
	var ids []string
	for _, id := range userIDs {
		if id != s.botUserID && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

// UserName is a user's handle ("ana"), or the id itself when unknown.
func (s *Server) UserName(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userNameLocked(id)
}

func (s *Server) userNameLocked(id string) string {
	if u := s.ws.users[id]; u != nil {
		return u.Name
	}
	return id
}

// ChannelName describes a conversation for people: "#general", "DM with ana",
// "group DM with ana, raj"; the id itself when unknown.
func (s *Server) ChannelName(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.placeLocked(id)
}

func (s *Server) placeLocked(id string) string {
	c := s.ws.channels[id]
	if c == nil {
		return id
	}
	switch c.kind {
	case kindIM:
		return "DM with " + s.userNameLocked(c.imUser)
	case kindMPIM:
		var names []string
		for _, m := range c.members {
			if m != s.botUserID {
				names = append(names, s.userNameLocked(m))
			}
		}
		sort.Strings(names)
		return "group DM with " + strings.Join(names, ", ")
	default:
		return "#" + c.name
	}
}

// openDMLocked returns (creating if needed) the bot↔user DM.
func (s *Server) openDMLocked(uid string) *channel {
	if id, ok := s.ws.dms[uid]; ok {
		return s.ws.channels[id]
	}
	id := s.newIDLocked('D')
	c := &channel{id: id, name: id, kind: kindIM, members: []string{uid, s.botUserID}, imUser: uid, created: time.Now()}
	s.ws.channels[id] = c
	s.ws.chanOrder = append(s.ws.chanOrder, id)
	s.ws.dms[uid] = id
	return c
}

// openMPIMLocked returns (creating if needed) the group DM of the bot and uids.
func (s *Server) openMPIMLocked(uids []string) (*channel, bool) {
	key := s.mpimKey(uids)
	if id, ok := s.ws.mpims[key]; ok {
		return s.ws.channels[id], true
	}
	members := append(strings.Split(key, ","), s.botUserID)
	var names []string
	for _, m := range members {
		names = append(names, s.userNameLocked(m))
	}
	sort.Strings(names)
	id := s.newIDLocked('G')
	c := &channel{id: id, name: "mpdm-" + strings.Join(names, "--") + "-1", kind: kindMPIM, members: members, created: time.Now()}
	s.ws.channels[id] = c
	s.ws.chanOrder = append(s.ws.chanOrder, id)
	s.ws.mpims[key] = id
	return c, false
}

// findMessageLocked finds a live message (not an ephemeral) by channel and ts.
func (s *Server) findMessageLocked(channelID, ts string) *message {
	c := s.ws.channels[channelID]
	if c == nil {
		return nil
	}
	for _, m := range c.msgs {
		if m.ts == ts && !m.deleted {
			return m
		}
	}
	return nil
}

func (s *Server) findEphemeralLocked(channelID, ts string) *message {
	for _, m := range s.ws.ephemerals {
		if m.channel == channelID && m.ts == ts && !m.deleted {
			return m
		}
	}
	return nil
}

// userJSON renders a user like users.info does, tz fields computed now.
func (s *Server) userJSON(u *user, includeLocale bool) map[string]any {
	label, off, _ := tzInfo(u.TZ, time.Now())
	first, last, _ := strings.Cut(u.RealName, " ")
	profile := map[string]any{
		"title": "", "phone": "", "skype": "", "status_text": "", "status_emoji": "", "status_expiration": 0,
		"real_name": u.RealName, "real_name_normalized": u.RealName,
		"display_name": u.Name, "display_name_normalized": u.Name,
		"first_name": first, "last_name": last, "avatar_hash": "g" + strings.ToLower(fmt.Sprintf("%011s", u.ID))[:11],
		"image_24": "https://a.slack-edge.com/80588/img/avatars/ava_0001-24.png",
		"image_48": "https://a.slack-edge.com/80588/img/avatars/ava_0001-48.png",
		"image_72": "https://a.slack-edge.com/80588/img/avatars/ava_0001-72.png",
		"team":     s.teamID,
	}
	if u.IsBot {
		profile["bot_id"] = s.botID
		profile["api_app_id"] = ""
		profile["always_active"] = true
		if u.ID == s.botUserID {
			profile["api_app_id"] = s.appID
		}
	} else if u.ID != "USLACKBOT" {
		profile["email"] = u.Name + "@" + s.opts.TeamDomain + ".example.com"
	}
	m := map[string]any{
		"id": u.ID, "team_id": s.teamID, "name": u.Name, "deleted": u.Deleted, "color": "9f69e7",
		"real_name": u.RealName, "tz": u.TZ, "tz_label": label, "tz_offset": off, "profile": profile,
		"is_admin": u.IsAdmin, "is_owner": false, "is_primary_owner": false,
		"is_restricted": u.IsRestricted || u.IsUltraRestricted, "is_ultra_restricted": u.IsUltraRestricted,
		"is_bot": u.IsBot, "is_app_user": false, "updated": u.created.Unix(),
		"is_email_confirmed": !u.IsBot, "who_can_share_contact_card": "EVERYONE",
	}
	if includeLocale {
		m["locale"] = "en-US"
	}
	return m
}

// channelJSON renders a conversation like conversations.info does.
func (s *Server) channelJSON(c *channel, numMembers bool) map[string]any {
	m := map[string]any{"id": c.id, "created": c.created.Unix(), "is_archived": c.archived,
		"is_org_shared": false, "is_shared": false, "is_ext_shared": false, "is_pending_ext_shared": false,
		"context_team_id": s.teamID, "updated": c.created.UnixMilli()}
	switch c.kind {
	case kindIM:
		u := s.ws.users[c.imUser]
		m["is_im"] = true
		m["is_open"] = true
		m["user"] = c.imUser
		m["is_user_deleted"] = u != nil && u.Deleted
		m["priority"] = 0
		return m
	case kindMPIM:
		m["name"] = c.name
		m["name_normalized"] = c.name
		m["is_mpim"] = true
		m["is_group"] = true
		m["is_private"] = true
		m["is_channel"] = false
		m["is_open"] = true
		m["is_member"] = true
	default:
		m["name"] = c.name
		m["name_normalized"] = c.name
		m["is_channel"] = true
		m["is_group"] = false
		m["is_im"] = false
		m["is_mpim"] = false
		m["is_private"] = c.kind == kindPrivate
		m["is_general"] = c.name == "general"
		m["is_member"] = c.isMember(s.botUserID)
		m["creator"] = ""
		m["unlinked"] = 0
		m["topic"] = map[string]any{"value": "", "creator": "", "last_set": 0}
		m["purpose"] = map[string]any{"value": "", "creator": "", "last_set": 0}
		m["previous_names"] = []string{}
	}
	if numMembers {
		m["num_members"] = len(c.members)
	}
	return m
}

// messageJSON renders a stored message as conversations.history returns it.
func (s *Server) messageJSON(c *channel, m *message, withMetadata bool) map[string]any {
	out := map[string]any{"type": "message", "ts": m.ts, "text": m.text, "user": m.user, "team": s.teamID}
	if m.blocks != nil {
		out["blocks"] = m.blocks
	}
	if m.botID != "" {
		out["bot_id"] = m.botID
		out["app_id"] = s.appID
		out["bot_profile"] = map[string]any{"id": s.botID, "app_id": s.appID, "name": s.opts.BotName,
			"deleted": false, "team_id": s.teamID, "updated": s.started.Unix(),
			"icons": map[string]any{"image_36": "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png"}}
	}
	if m.threadTS != "" {
		out["thread_ts"] = m.threadTS
		if m.threadTS != m.ts {
			if p := s.findMessageLocked(c.id, m.threadTS); p != nil {
				out["parent_user_id"] = p.user
			}
			if m.broadcast {
				out["subtype"] = "thread_broadcast"
			}
		}
	}
	if m.threadTS == m.ts && c != nil {
		var users []string
		count, latest := 0, ""
		for _, r := range c.msgs {
			if r.threadTS == m.ts && r.ts != m.ts && !r.deleted {
				count++
				latest = r.ts
				if !slices.Contains(users, r.user) {
					users = append(users, r.user)
				}
			}
		}
		if count > 0 {
			out["reply_count"] = count
			out["reply_users"] = users
			out["reply_users_count"] = len(users)
			out["latest_reply"] = latest
			out["is_locked"] = false
			out["subscribed"] = false
		}
	}
	if m.editedTS != "" {
		out["edited"] = map[string]any{"user": m.user, "ts": m.editedTS}
	}
	if len(m.reactions) > 0 {
		var rs []map[string]any
		for _, r := range m.reactions {
			rs = append(rs, map[string]any{"name": r.name, "users": r.users, "count": len(r.users)})
		}
		out["reactions"] = rs
	}
	if withMetadata && m.metadata != nil {
		out["metadata"] = m.metadata
	}
	if len(m.files) > 0 {
		out["files"] = filesJSON(m.files)
		out["upload"] = true
	}
	return out
}
