package bot

import "strings"

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes text typed by a person safe to send to Slack: no <!channel>, <@U…> or links can be
// injected through it. Line breaks are kept.
func Escape(text string) string { return escaper.Replace(text) }
