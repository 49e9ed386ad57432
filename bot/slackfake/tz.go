package slackfake

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // the demo must compute zones on machines without /usr/share/zoneinfo
)

// tzLabels maps a zone abbreviation to the long name Slack shows as tz_label.
var tzLabels = map[string]string{
	"PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
	"MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
	"CST": "Central Standard Time", "CDT": "Central Daylight Time",
	"EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
	"AKST": "Alaska Standard Time", "AKDT": "Alaska Daylight Time",
	"HST": "Hawaii-Aleutian Standard Time", "AST": "Atlantic Standard Time", "ADT": "Atlantic Daylight Time",
	"NST": "Newfoundland Standard Time", "NDT": "Newfoundland Daylight Time",
	"GMT": "Greenwich Mean Time", "UTC": "Coordinated Universal Time", "BST": "British Summer Time",
	"WET": "Western European Time", "WEST": "Western European Summer Time",
	"CET": "Central European Time", "CEST": "Central European Summer Time",
	"EET": "Eastern European Time", "EEST": "Eastern European Summer Time",
	"MSK": "Moscow Standard Time", "SAST": "South Africa Standard Time",
	"WAT": "West Africa Standard Time", "CAT": "Central Africa Time", "EAT": "East Africa Time",
	"PKT": "Pakistan Standard Time", "WIB": "Western Indonesia Time", "HKT": "Hong Kong Standard Time",
	"JST": "Japan Standard Time", "KST": "Korean Standard Time",
	"AEST": "Australian Eastern Standard Time", "AEDT": "Australian Eastern Daylight Time",
	"ACST": "Australian Central Standard Time", "ACDT": "Australian Central Daylight Time",
	"AWST": "Australian Western Standard Time",
	"NZST": "New Zealand Standard Time", "NZDT": "New Zealand Daylight Time",
	"IDT": "Israel Daylight Time",
}

// tzInfo returns Slack's tz_label and tz_offset (seconds east of UTC) for an
// IANA zone at the given instant; offsets follow DST like Slack's do.
func tzInfo(zone string, at time.Time) (label string, offset int, err error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return "", 0, err
	}
	abbr, off := at.In(loc).Zone()
	switch {
	case abbr == "IST" && strings.HasPrefix(zone, "Asia/"):
		if zone == "Asia/Jerusalem" || zone == "Asia/Tel_Aviv" {
			label = "Israel Standard Time"
		} else {
			label = "India Standard Time"
		}
	case abbr == "IST":
		label = "Irish Standard Time"
	case abbr == "CST" && strings.HasPrefix(zone, "Asia/"):
		label = "China Standard Time"
	default:
		label = tzLabels[abbr]
	}
	if label == "" {
		sign := '+'
		o := off
		if o < 0 {
			sign, o = '-', -o
		}
		label = fmt.Sprintf("GMT%c%02d:%02d", sign, o/3600, o%3600/60)
	}
	return label, off, nil
}
