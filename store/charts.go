package store

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/trends"
)

// bucketChartsLatest keeps, under keyLatestChart, the trends.SharedChart last uploaded to a
// channel: a Slack file id, a title and alt text made of aggregates. It holds no person.
var bucketChartsLatest = []byte("charts_latest")

var keyLatestChart = []byte("latest")

var _ = registerBuckets(bucketChartsLatest)

// Charts returns the store of the trends' charts.
func (db *DB) Charts() Charts { return Charts{db} }

// Charts implements trends.Store.
type Charts struct{ db *DB }

var _ trends.Store = Charts{}

// Enqueue implements trends.Store.
func (s Charts) Enqueue(msgs ...rituals.Message) error { return s.db.Enqueue(msgs...) }

// PutLatestChart implements trends.Store.
func (s Charts) PutLatestChart(c trends.SharedChart) error {
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketChartsLatest), string(keyLatestChart), c)
	})
}

// LatestChart implements trends.Store.
func (s Charts) LatestChart() (trends.SharedChart, bool, error) {
	var c trends.SharedChart
	var found bool
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketChartsLatest).Get(keyLatestChart)
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &c)
	})
	return c, found, err
}
