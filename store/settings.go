package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// bucketSettings holds the settings admins made in Slack: "channel/<ritual>/<channel>" to a
// ritual's settings in one channel, and "admins" to the admins added in Slack.
var bucketSettings = []byte("settings")

var _ = registerBuckets(bucketSettings)

// SettingsFormat is the format of settings records this binary writes; it reads this one and
// older ones, and refuses newer ones with ErrNewerSettings.
const SettingsFormat = 1

// ErrNewerSettings is returned when the settings made in Slack were stored by a newer ritualbot.
var ErrNewerSettings = errors.New("the settings made in Slack were stored by a newer ritualbot")

var keyAdmins = []byte("admins")

// RitualSettings is one ritual's settings in one channel, made in Slack.
type RitualSettings struct {
	// Ritual is coffee, icebreaker, digest or feedback; Channel the channel id.
	Ritual  string `json:"ritual"`
	Channel string `json:"channel"`
	// Config is the channel's entry in the configuration file's keys, as YAML, so that the file's
	// own parsing and validation read it.
	Config string `json:"config"`
	// Paused keeps the settings without scheduling runs.
	Paused bool `json:"paused,omitempty"`
	// By is the admin who changed it last, At when.
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// StoredAdmins are the admins added in Slack, on top of the configuration file's.
type StoredAdmins struct {
	Users []string  `json:"users"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// settingsEnvelope frames every record with its format.
type settingsEnvelope struct {
	Format int             `json:"format"`
	Record json.RawMessage `json:"record"`
}

// Settings reads and writes the settings made in Slack.
type Settings struct{ db *DB }

// Settings returns the settings made in Slack.
func (db *DB) Settings() Settings { return Settings{db} }

func settingsKey(ritual, channel string) []byte {
	return []byte("channel/" + ritual + "/" + channel)
}

// List returns every ritual's settings made in Slack, ordered by ritual and channel.
func (s Settings) List() ([]RitualSettings, error) {
	var out []RitualSettings
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSettings).Cursor()
		prefix := []byte("channel/")
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			var rs RitualSettings
			if err := decodeSettings(k, v, &rs); err != nil {
				return err
			}
			out = append(out, rs)
		}
		return nil
	})
	return out, err
}

// Get returns ritual's settings in channel; ok is false when none were made in Slack.
func (s Settings) Get(ritual, channel string) (rs RitualSettings, ok bool, err error) {
	err = s.db.bolt.View(func(tx *bolt.Tx) error {
		k := settingsKey(ritual, channel)
		v := tx.Bucket(bucketSettings).Get(k)
		if v == nil {
			return nil
		}
		ok = true
		return decodeSettings(k, v, &rs)
	})
	return rs, ok, err
}

// Put stores rs, replacing what was there for its ritual and channel.
func (s Settings) Put(rs RitualSettings) error {
	return s.put(settingsKey(rs.Ritual, rs.Channel), rs)
}

// Delete removes ritual's settings in channel; it reports whether there were any.
func (s Settings) Delete(ritual, channel string) (bool, error) {
	var found bool
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSettings)
		k := settingsKey(ritual, channel)
		found = b.Get(k) != nil
		return b.Delete(k)
	})
	return found, err
}

// Admins returns the admins added in Slack.
func (s Settings) Admins() (StoredAdmins, error) {
	var a StoredAdmins
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketSettings).Get(keyAdmins); v != nil {
			return decodeSettings(keyAdmins, v, &a)
		}
		return nil
	})
	return a, err
}

// PutAdmins replaces the admins added in Slack.
func (s Settings) PutAdmins(a StoredAdmins) error {
	a.Users = slices.Compact(slices.Sorted(slices.Values(a.Users)))
	return s.put(keyAdmins, a)
}

func (s Settings) put(k []byte, rec any) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	v, err := json.Marshal(settingsEnvelope{Format: SettingsFormat, Record: raw})
	if err != nil {
		return err
	}
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSettings)
		if old := b.Get(k); old != nil {
			if err := checkFormat(k, old); err != nil {
				return err // never overwrite what a newer binary wrote
			}
		}
		return b.Put(k, v)
	})
}

// checkFormat refuses a record written in a newer format.
func checkFormat(k, v []byte) error {
	var env settingsEnvelope
	if err := json.Unmarshal(v, &env); err != nil {
		return fmt.Errorf("settings record %q: %w", k, err)
	}
	if env.Format > SettingsFormat {
		return fmt.Errorf("%w (format %d; this binary reads up to %d): upgrade ritualbot, or restore a backup taken before the upgrade", ErrNewerSettings, env.Format, SettingsFormat)
	}
	return nil
}

// decodeSettings reads one framed record into rec.
func decodeSettings(k, v []byte, rec any) error {
	if err := checkFormat(k, v); err != nil {
		return err
	}
	var env settingsEnvelope
	_ = json.Unmarshal(v, &env) // checked above
	if err := json.Unmarshal(env.Record, rec); err != nil {
		return fmt.Errorf("settings record %q: %w", k, err)
	}
	return nil
}

// forgetSettings takes the person off the admins added in Slack; in a ritual's settings (who
// changed it, feedback responders) the id becomes ForgottenUser.
func forgetSettings(f *forgetter, b *bolt.Bucket) error {
	return f.rewrite(bucketSettings, b, func(k, v []byte) ([]byte, bool, error) {
		if !f.names(v) {
			return nil, false, nil
		}
		if string(k) != string(keyAdmins) {
			return f.scrub(v), false, nil
		}
		var a StoredAdmins
		if err := decodeSettings(k, v, &a); err != nil {
			return nil, false, err
		}
		a.Users = slices.DeleteFunc(a.Users, func(u string) bool { return u == f.user })
		if a.By == f.user {
			a.By = ForgottenUser
		}
		raw, err := json.Marshal(a)
		if err != nil {
			return nil, false, err
		}
		nv, err := json.Marshal(settingsEnvelope{Format: SettingsFormat, Record: raw})
		return nv, false, err
	})
}

// ReadSettings reads the settings made in Slack from the database file at path without
// changing it, for `ritualbot check` and `export-config` while the bot is stopped. A missing
// file holds none; a file the running bot holds is ErrInUse.
func ReadSettings(path string) ([]RitualSettings, StoredAdmins, error) {
	var admins StoredAdmins
	kind, _, err := sniffFile(path)
	if err != nil || kind == fileMissing || kind == fileEmpty {
		return nil, admins, err
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: opsLockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, admins, inUseError{path}
	}
	if err != nil {
		return nil, admins, fmt.Errorf("%s cannot be opened: %w", path, err)
	}
	defer b.Close()
	db := &DB{bolt: &boltDB{DB: b}, path: path}
	var has bool
	_ = b.View(func(tx *bolt.Tx) error { has = tx.Bucket(bucketSettings) != nil; return nil })
	if !has { // written by a binary from before settings made in Slack
		return nil, admins, nil
	}
	list, err := db.Settings().List()
	if err != nil {
		return nil, admins, err
	}
	admins, err = db.Settings().Admins()
	return list, admins, err
}

// collectSettings counts the settings records that name the person.
func collectSettings(c *collector, b *bolt.Bucket) error {
	return b.ForEach(func(_, v []byte) error {
		if v != nil && c.names(v) {
			c.d.Settings++
		}
		return nil
	})
}
