package config

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const examplePath = "../../configs/hotline.example.yaml"

func TestExampleIsValid(t *testing.T) {
	c, err := Load(examplePath)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate:\n%v", err)
	}
	if len(c.Queues) < 2 || len(c.Agents) < 2 || len(c.Menus) < 1 || len(c.Entries) < 1 {
		t.Errorf("the example should show a small call center, got %d queues, %d agents, %d menus, %d entries",
			len(c.Queues), len(c.Agents), len(c.Menus), len(c.Entries))
	}
}

// TestExampleShowsEverySetting fails when a setting is added to the structs
// but not shown (and so not documented) in the example file. A struct used
// in several places (Target in menu options and default) needs each of its
// fields shown in one of them.
func TestExampleShowsEverySetting(t *testing.T) {
	c, err := Load(examplePath)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	settings := map[string][]string{}
	settingPaths(reflect.TypeFor[Config](), "", "Config", settings)
	for setting, paths := range settings {
		if !slices.ContainsFunc(paths, func(p string) bool { return written(c.src, p) }) {
			t.Errorf("%s (%s): setting not shown in %s", setting, strings.Join(paths, " or "), examplePath)
		}
	}
}

// written says whether a path pattern, with "[]" for any list index and ".*"
// for any map key, was written in the file.
func written(src *source, pattern string) bool {
	re := regexp.MustCompile("^" + strings.NewReplacer(`\[\]`, `\[\d+\]`, `\.\*`, `\.[^.]+`).Replace(regexp.QuoteMeta(pattern)) + "$")
	for path := range src.lines {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}

// settingPaths records, under "Type.field", every path pattern where that
// scalar setting can be written.
func settingPaths(t reflect.Type, path, setting string, out map[string][]string) {
	switch t.Kind() {
	case reflect.Pointer:
		settingPaths(t.Elem(), path, setting, out)
	case reflect.Struct:
		for f := range fieldsOf(t) {
			settingPaths(f.Type, joinPath(path, yamlName(f)), t.Name()+"."+yamlName(f), out)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct {
			settingPaths(t.Elem(), path+"[]", setting, out)
			return
		}
		out[setting] = append(out[setting], path)
	case reflect.Map:
		if t.Elem().Kind() == reflect.Struct {
			settingPaths(t.Elem(), path+".*", setting, out)
			return
		}
		out[setting] = append(out[setting], path)
	default:
		out[setting] = append(out[setting], path)
	}
}
