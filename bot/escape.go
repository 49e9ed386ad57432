package bot

import "strings"

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes text typed by a person safe to send to Slack: no <!channel>, <@U…> or links can be
// injected through it. Line breaks are kept.
func Escape(text string) string { return escaper.Replace(text) }

var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// Unescape turns text as Slack sends it in a slash command (should_escape: &amp; &lt; &gt;) back
// into what the person typed. Mentions must be parsed before: once unescaped, a typed "<@U1>"
// would look like one.
func Unescape(text string) string { return unescaper.Replace(text) }
