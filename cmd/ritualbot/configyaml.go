package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ritualbot/ritualbot/internal/spelling"
)

// This file reads the YAML tree before it is decoded into Config: it expands ${VAR} inside
// values, and reports unknown keys and bad durations by their path (coffee[0].schedule), so
// that nobody reads Go type names in an error.

// envReference matches ${VAR}; a bare $ is left alone so cron specs and text keep theirs.
var envReference = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// envRefs stands in for the ${VAR} references of a file while it is parsed. "{" is YAML syntax
// (admins: [${ADMIN}] would not parse), so each reference becomes a token of letters and digits,
// unguessable by the file's author, and the token is expanded inside the parsed value: the
// variable's text never reaches the parser, so it cannot add keys.
type envRefs struct {
	token *regexp.Regexp // matches a token; group 1 is the index in names
	names []string
}

// protectEnv replaces every ${VAR} in raw with a token.
func protectEnv(raw []byte) ([]byte, *envRefs) {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	prefix := "RITUALBOTENV" + hex.EncodeToString(nonce[:]) + "N"
	refs := &envRefs{token: regexp.MustCompile(prefix + `(\d+)Z`)}
	out := envReference.ReplaceAllFunc(raw, func(m []byte) []byte {
		refs.names = append(refs.names, string(envReference.FindSubmatch(m)[1]))
		return []byte(prefix + strconv.Itoa(len(refs.names)-1) + "Z")
	})
	return out, refs
}

// replace rewrites each token in s with f(name).
func (r *envRefs) replace(s string, f func(name string) string) string {
	return r.token.ReplaceAllStringFunc(s, func(m string) string {
		i, _ := strconv.Atoi(r.token.FindStringSubmatch(m)[1])
		return f(r.names[i])
	})
}

var (
	durationType    = reflect.TypeFor[Duration]()
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
)

// treeChecker walks a parsed YAML document alongside the Go type it will be decoded into.
type treeChecker struct {
	env  *envRefs // nil: no expansion
	errs validationErrors
	// pathAt is the path of the value on each line, to name the field in yaml's own type errors.
	pathAt map[int]string
}

// prepareTree expands the variables env stands for in every scalar value of doc (none when env
// is nil) and checks every key and duration against t. Each problem is one line naming its path.
func prepareTree(doc *yaml.Node, t reflect.Type, env *envRefs) (pathAt map[int]string, err error) {
	c := &treeChecker{env: env, pathAt: map[int]string{}}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		c.walk(doc.Content[0], t, "")
	}
	return c.pathAt, c.errs.err()
}

func (c *treeChecker) walk(n *yaml.Node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.ScalarNode:
		c.pathAt[n.Line] = path
		c.expand(n, path)
		if t == durationType {
			if _, err := parseDuration(n.Value); err != nil {
				c.errs.add(path, "%v", err)
			}
		}
	case yaml.SequenceNode:
		if t.Kind() != reflect.Slice {
			return // yaml's decoder says what it expected
		}
		for i, item := range n.Content {
			c.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case yaml.MappingNode:
		if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(unmarshalerType) {
			return // a type that decodes itself (TeamsConfig) checks its own keys
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			if c.env != nil { // keys are never expanded: show them as written
				key.Value = c.env.replace(key.Value, func(name string) string { return "${" + name + "}" })
			}
			if key.Value == "<<" { // a merge: its keys are checked where the anchor is
				continue
			}
			at := joinPath(path, key.Value)
			ft, ok := fields[key.Value]
			if !ok {
				c.errs.add(at, "unknown key on line %d; %s", key.Line, suggestKey(key.Value, t))
				continue
			}
			c.walk(value, ft, at)
		}
	}
}

// expand replaces each ${VAR} in a scalar value; an unset variable is an error naming it.
func (c *treeChecker) expand(n *yaml.Node, path string) {
	if c.env == nil {
		return
	}
	v := c.env.replace(n.Value, func(name string) string {
		v, ok := os.LookupEnv(name)
		if !ok {
			c.errs.add(path, "${%s} on line %d is not set in the environment; set it, or write the value in the file", name, n.Line)
		}
		return v
	})
	if v == n.Value {
		return
	}
	n.Value = v
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		n.Tag = "" // a plain ${VAR} may stand for a number or a boolean: resolve the new text again
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps each key a struct accepts (inline structs included) to its field's type.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") && f.Type.Kind() == reflect.Struct {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// yamlKeys lists a struct's keys in declaration order.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case name == "-":
		case strings.Contains(opts, "inline") && f.Type.Kind() == reflect.Struct:
			keys = append(keys, yamlKeys(f.Type)...)
		case name == "":
			keys = append(keys, strings.ToLower(f.Name))
		default:
			keys = append(keys, name)
		}
	}
	return keys
}

// suggestKey names the valid key nearest to an unknown one, or lists the valid keys.
func suggestKey(unknown string, t reflect.Type) string {
	keys := yamlKeys(t)
	if best := spelling.Closest(strings.ToLower(unknown), keys, len(unknown)/3+1); best != "" {
		return "did you mean " + best + "?"
	}
	return "the keys here are " + strings.Join(keys, ", ")
}

// yamlLine matches the "line N: " yaml puts in front of its type errors.
var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// nameFields rewrites yaml's type errors ("line 3: cannot unmarshal !!str `two` into int") to
// name the field instead of only its line.
func nameFields(err error, pathAt map[int]string) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	var out validationErrors
	for _, msg := range te.Errors {
		m := yamlLine.FindStringSubmatch(msg)
		if m == nil {
			out = append(out, msg)
			continue
		}
		line, _ := strconv.Atoi(m[1])
		if path, ok := pathAt[line]; ok && path != "" {
			out.add(path, "%s (line %d)", strings.Replace(m[2], "cannot unmarshal", "cannot read", 1), line)
		} else {
			out = append(out, msg)
		}
	}
	return out.err()
}
