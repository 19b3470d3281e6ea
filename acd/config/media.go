package config

import (
	"fmt"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// mediaKeys are the settings that list media to play, in the config and
// in a flow's nodes.
var mediaKeys = map[string]bool{"prompt": true, "invalid": true, "message": true, "greeting": true,
	"safe_harbour": true, "machine_message": true, "thanks": true}

// MediaKinds are the kinds of media item a setting may list.
var MediaKinds = []string{"sound", "recording", "file", "digits", "number", "tone", "characters"}

// media checks every media item the config and its flows list: an empty
// entry, one with no kind or an unknown one, or one the switches cannot
// play (digits that are not keys, a number that is not one, a sound that
// climbs out of the sounds folder) validated, and every call then heard
// its prompt fail.
func (v *validator) media(val reflect.Value, p string, listed bool) {
	switch val.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !val.IsNil() {
			v.media(val.Elem(), p, listed)
		}
	case reflect.Struct:
		t := val.Type()
		for i := range val.NumField() {
			f := t.Field(i)
			name := yamlName(f)
			switch {
			case name != "":
				v.media(val.Field(i), joinPath(p, name), mediaKeys[name])
			case f.Anonymous && f.Type.Kind() == reflect.Interface:
				v.media(val.Field(i), p, false) // a flow's node, decoded by kind
			}
		}
	case reflect.Slice:
		if listed && val.Type().Elem().Kind() == reflect.String {
			for i := range val.Len() {
				if err := checkMedia(val.Index(i).String()); err != nil {
					v.add(indexPath(p, i), "%v", err)
				}
			}
			return
		}
		if k := val.Type().Elem().Kind(); k == reflect.Struct || k == reflect.Pointer || k == reflect.Interface {
			for i := range val.Len() {
				v.media(val.Index(i), indexPath(p, i), false)
			}
		}
	case reflect.Map:
		if k := val.Type().Elem().Kind(); k != reflect.Struct && k != reflect.Pointer && k != reflect.Interface {
			return
		}
		keys := val.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			v.media(val.MapIndex(k), joinPath(p, k.String()), false)
		}
	}
}

// checkMedia checks one media item: KIND:NAME of a kind switches play.
func checkMedia(m string) error {
	if strings.TrimSpace(m) == "" {
		return fmt.Errorf("an empty media item; write KIND:NAME, e.g. sound:hello-world")
	}
	kind, rest, ok := strings.Cut(m, ":")
	switch {
	case !ok:
		return fmt.Errorf("%q has no kind; write KIND:NAME with KIND one of %s (sound:%s)", m, strings.Join(MediaKinds, ", "), m)
	case kind == "say":
		return nil // a flow's text, rendered as a prompt
	case !slices.Contains(MediaKinds, kind):
		return fmt.Errorf("%q: unknown media kind %q; known: %s", m, kind, strings.Join(MediaKinds, ", "))
	case strings.TrimSpace(rest) == "":
		return fmt.Errorf("%q names nothing to play", m)
	case strings.ContainsAny(rest, ",!\r\n"):
		return fmt.Errorf("%q holds a comma, '!' or a line break, which the switches take for separators", m)
	}
	switch kind {
	case "digits":
		if strings.Trim(rest, "0123456789*#") != "" {
			return fmt.Errorf("%q: digits are 0-9, * and #", m)
		}
	case "number":
		if _, err := strconv.ParseInt(rest, 10, 64); err != nil {
			return fmt.Errorf("%q: not a whole number", m)
		}
	case "sound", "recording":
		if slices.Contains(strings.Split(rest, "/"), "..") || strings.HasPrefix(rest, "/") {
			return fmt.Errorf("%q: a %s is named within the switch's folder, with no .. and no leading /", m, kind)
		}
	case "file":
		if !path.IsAbs(rest) {
			return fmt.Errorf("%q: a file is named by its absolute path", m)
		}
	}
	return nil
}
