package slackfake

import (
	"encoding/json"
	"strings"
	"testing"
)

func decodeAny(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return v
}

func repeatJSON(item string, n int) string {
	return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
}

func TestBlockLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	section := func(text string) string {
		return `{"type":"section","text":{"type":"mrkdwn","text":"` + text + `"}}`
	}
	button := func(id string) string {
		return `{"type":"button","action_id":"` + id + `","text":{"type":"plain_text","text":"Go"}}`
	}
	cases := []struct {
		name   string
		blocks string
		surf   surface
		want   string // "" means valid; otherwise a substring of the first error
	}{
		{"50 blocks in a message", repeatJSON(`{"type":"divider"}`, 50), surfMessage, ""},
		{"51 blocks in a message", repeatJSON(`{"type":"divider"}`, 51), surfMessage, "no more than 50 items allowed [json-pointer:/blocks]"},
		{"100 blocks in a modal", repeatJSON(`{"type":"divider"}`, 100), surfModal, ""},
		{"101 blocks in a home", repeatJSON(`{"type":"divider"}`, 101), surfHome, "no more than 100 items"},
		{"text 3000", "[" + section(long(3000)) + "]", surfMessage, ""},
		{"text 3001", "[" + section(long(3001)) + "]", surfMessage, "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"},
		{"empty text", "[" + section("") + "]", surfMessage, "must be more than 0 characters"},
		{"header 151", `[{"type":"header","text":{"type":"plain_text","text":"` + long(151) + `"}}]`, surfMessage, "less than 151"},
		{"mrkdwn header", `[{"type":"header","text":{"type":"mrkdwn","text":"x"}}]`, surfMessage, "valid enum value [json-pointer:/blocks/0/text/type]"},
		{"11 fields", `[{"type":"section","fields":` + repeatJSON(`{"type":"mrkdwn","text":"f"}`, 11) + `}]`, surfMessage, "no more than 10 items allowed [json-pointer:/blocks/0/fields]"},
		{"block_id 256", `[{"type":"divider","block_id":"` + long(256) + `"}]`, surfMessage, "less than 256"},
		{"duplicate block_id", `[{"type":"divider","block_id":"a"},{"type":"divider","block_id":"a"}]`, surfMessage, `block_id "a" already exists`},
		{"duplicate action_id in a block", `[{"type":"actions","elements":[` + button("go") + `,` + button("go") + `]}]`, surfMessage, `action_id "go" already exists`},
		{"action_id shared by two blocks", `[{"type":"actions","elements":[` + button("go") + `]},{"type":"actions","elements":[` + button("go") + `]}]`, surfMessage, ""},
		{"action_id 256", `[{"type":"actions","elements":[` + button(long(256)) + `]}]`, surfMessage, "less than 256"},
		{"unknown block", `[{"type":"carousel_of_joy"}]`, surfMessage, "unknown block type"},
		{"button in input", `[{"type":"input","label":{"type":"plain_text","text":"L"},"element":` + button("b") + `}]`, surfModal, "not allowed in input"},
		{"button label 76", `[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"` + long(76) + `"}}]}]`, surfMessage, "less than 76"},
		{"option value 151", `[{"type":"actions","elements":[{"type":"static_select","options":[{"text":{"type":"plain_text","text":"a"},"value":"` + long(151) + `"}]}]}]`, surfMessage, "less than 151 characters [json-pointer:/blocks/0/elements/0/options/0/value]"},
		{"not an array", `{"type":"divider"}`, surfMessage, "must be an array"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ctx := normalizeBlocks(decodeAny(t, c.blocks), c.surf, "/blocks")
			switch {
			case c.want == "" && len(ctx.errs) > 0:
				t.Fatalf("unexpected error %s", ctx.errs[0].message())
			case c.want != "" && len(ctx.errs) == 0:
				t.Fatalf("accepted; want %q", c.want)
			case c.want != "" && !strings.Contains(ctx.errs[0].message(), c.want):
				t.Fatalf("error %q, want %q", ctx.errs[0].message(), c.want)
			}
		})
	}
}

func TestGeneratedIDs(t *testing.T) {
	blocks, ctx := normalizeBlocks(decodeAny(t, `[
		{"type":"section","text":{"type":"plain_text","text":"hi"}},
		{"type":"actions","block_id":"keep","elements":[{"type":"button","text":{"type":"plain_text","text":"Go"}}]}]`), surfMessage, "/blocks")
	if len(ctx.errs) > 0 {
		t.Fatal(ctx.errs)
	}
	first := blocks[0].(map[string]any)["block_id"].(string)
	second := blocks[1].(map[string]any)
	if len(first) != 4 || second["block_id"] != "keep" {
		t.Fatalf("block ids %q %v", first, second["block_id"])
	}
	btn := second["elements"].([]any)[0].(map[string]any)
	if id, _ := btn["action_id"].(string); len(id) != 4 {
		t.Fatalf("action_id %q", id)
	}
}

func TestViewLimits(t *testing.T) {
	input := `{"type":"input","label":{"type":"plain_text","text":"A"},"element":{"type":"plain_text_input","action_id":"a"}}`
	modal := func(extra string) string {
		return `{"type":"modal","title":{"type":"plain_text","text":"T"},"submit":{"type":"plain_text","text":"Send"},"blocks":[` + input + `]` + extra + `}`
	}
	cases := []struct{ name, view, want string }{
		{"ok", modal(""), ""},
		{"title 25", `{"type":"modal","title":{"type":"plain_text","text":"` + strings.Repeat("t", 25) + `"},"blocks":[]}`, "less than 25 characters [json-pointer:/view/title/text]"},
		{"submit 25", modal(`,"close":{"type":"plain_text","text":"` + strings.Repeat("c", 25) + `"}`), "[json-pointer:/view/close/text]"},
		{"no submit with input", `{"type":"modal","title":{"type":"plain_text","text":"T"},"blocks":[` + input + `]}`, "submit"},
		{"private_metadata 3001", modal(`,"private_metadata":"` + strings.Repeat("p", 3001) + `"`), "less than 3001 characters [json-pointer:/view/private_metadata]"},
		{"callback_id 256", modal(`,"callback_id":"` + strings.Repeat("c", 256) + `"`), "[json-pointer:/view/callback_id]"},
		{"home as modal", `{"type":"home","blocks":[]}`, "valid enum value"},
		{"no blocks", `{"type":"modal","title":{"type":"plain_text","text":"T"},"blocks":null}`, "missing required field: blocks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := normalizeView(decodeAny(t, c.view), "modal")
			switch {
			case c.want == "" && len(errs) > 0:
				t.Fatalf("unexpected %s", errs[0].message())
			case c.want != "" && len(errs) == 0:
				t.Fatalf("accepted; want %q", c.want)
			case c.want != "" && !strings.Contains(errs[0].message(), c.want):
				t.Fatalf("error %q, want %q", errs[0].message(), c.want)
			}
		})
	}
}

func TestPlainRendering(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.mu.Lock()
	defer f.srv.mu.Unlock()
	got := f.srv.plainLocked("Hi <@" + f.ana + ">, <@" + f.raj + "|rajesh> in <#" + f.general + "> &amp; <!here>: <https://x.example|docs> &lt;b&gt;")
	if want := "Hi @ana, @rajesh in #general & @here: docs (https://x.example) <b>"; got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}
