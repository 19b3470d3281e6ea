package config

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
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
		if !slices.ContainsFunc(paths, func(p string) bool { return written(c.src.data, p) }) {
			t.Errorf("%s (%s): setting not shown in %s", setting, strings.Join(paths, " or "), examplePath)
		}
	}
}

// written says whether a path pattern, with "[]" for any list index and ".*"
// for any map key, was written in the file.
func written(data []byte, pattern string) bool {
	re := regexp.MustCompile("^" + strings.NewReplacer(`\[\]`, `\[\d+\]`, `\.\*`, `\.[^.]+`).Replace(regexp.QuoteMeta(pattern)) + "$")
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 {
		return false
	}
	paths := map[string]bool{}
	nodePaths(root.Content[0], "", paths)
	for path := range paths {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}

// nodePaths records the path of every value in a node tree.
func nodePaths(n *yaml.Node, path string, out map[string]bool) {
	n = resolve(n)
	out[path] = true
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Tag == "!!merge" {
				nodePaths(n.Content[i+1], path, out)
				continue
			}
			nodePaths(n.Content[i+1], joinPath(path, n.Content[i].Value), out)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			nodePaths(item, indexPath(path, i), out)
		}
	}
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
