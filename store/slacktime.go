package store

import (
	"fmt"
	"math"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// keySlackSeen (in bucketMeta) holds the latest ts Slack gave a message the bot delivered: a time
// on Slack's clock, whatever the bot's own clock says. A message posted afterwards has a later ts.
var keySlackSeen = []byte("slack_seen")

// parseSlackTS reads a Slack message timestamp ("1764000000.000100") as a time on Slack's clock.
func parseSlackTS(ts string) (time.Time, error) {
	f, err := strconv.ParseFloat(ts, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return time.Time{}, fmt.Errorf("not a Slack timestamp: %q", ts)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), nil
}

// noteSlackTime moves the latest known Slack time forward to ts inside tx.
func noteSlackTime(tx *bolt.Tx, ts string) error {
	at, err := parseSlackTS(ts)
	if err != nil {
		return nil // an odd ts teaches nothing about Slack's clock
	}
	seen, err := slackSeen(tx)
	if err != nil || !at.After(seen) {
		return err
	}
	v, err := at.MarshalText()
	if err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put(keySlackSeen, v)
}

// slackSeen returns the latest known Slack time, or zero.
func slackSeen(tx *bolt.Tx) (time.Time, error) {
	var at time.Time
	v := tx.Bucket(bucketMeta).Get(keySlackSeen)
	if v == nil {
		return at, nil
	}
	if err := at.UnmarshalText(v); err != nil {
		return at, fmt.Errorf("meta %s: %w", keySlackSeen, err)
	}
	return at, nil
}
