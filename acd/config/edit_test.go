package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

const editYAML = `# the call center
queues:
  - name: support # first line
    strategy: longest-idle
  - {name: sales}

# people
agents:
  # alice leads the team
  - id: alice
    endpoint: sim/alice   # aligned comment
    skills: {billing: 5}

  - {id: bob, endpoint: sim/bob}
  # a note after the last agent
campaigns: []
flows:
  faq:
    start: hello
    nodes:
      hello: {say: "hi", next: end}
reports:
  timezone: UTC
`

// Every item of every section of the example config, written back as it was
// read, leaves the file byte for byte as it was.
func TestSetItemSameTextSameFile(t *testing.T) {
	for _, file := range []string{"../../configs/hotline.example.yaml", ""} {
		data := []byte(editYAML)
		if file != "" {
			var err error
			if data, err = os.ReadFile(file); err != nil {
				t.Fatal(err)
			}
		}
		n := 0
		for _, sec := range SectionNames {
			items, err := Items(data, sec)
			if err != nil {
				t.Fatalf("%s %s: %v", file, sec, err)
			}
			for _, it := range items {
				got, name, err := SetItem(data, sec, it.Name, it.YAML)
				if err != nil || name != it.Name {
					t.Fatalf("%s %s %q: %q %v", file, sec, it.Name, name, err)
				}
				if string(got) != string(data) {
					t.Errorf("%s %s %q written back changed the file:\n%s", file, sec, it.Name, got)
				}
				n++
			}
		}
		if n < 5 {
			t.Errorf("%s: only %d items seen", file, n)
		}
	}
}

func TestItems(t *testing.T) {
	items, err := Items([]byte(editYAML), "agents")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Name != "alice" || items[1].Name != "bob" {
		t.Fatalf("items %+v", items)
	}
	if want := "id: alice\nendpoint: sim/alice   # aligned comment\nskills: {billing: 5}\n"; items[0].YAML != want {
		t.Errorf("alice:\n%q\nwant\n%q", items[0].YAML, want)
	}
	if want := "{id: bob, endpoint: sim/bob}\n"; items[1].YAML != want {
		t.Errorf("bob: %q", items[1].YAML)
	}
	flows, err := Items([]byte(editYAML), "flows")
	if err != nil || len(flows) != 1 || flows[0].Name != "faq" || flows[0].YAML != "start: hello\nnodes:\n  hello: {say: \"hi\", next: end}\n" {
		t.Errorf("flows %+v %v", flows, err)
	}
	if _, err := Items([]byte(editYAML), "server"); !errors.Is(err, ErrUnknownSection) {
		t.Errorf("server: %v", err)
	}
}

func TestSetAndDeleteItem(t *testing.T) {
	cases := []struct {
		name, section, item, text string
		del                       bool
		want                      string // the lines that differ from editYAML, as "-old" and "+new"
		err                       error
	}{
		{name: "replace keeps neighbours", section: "agents", item: "alice",
			text: "id: alice\nendpoint: sim/alice2 # moved\n",
			want: "-    endpoint: sim/alice   # aligned comment\n-    skills: {billing: 5}\n+    endpoint: sim/alice2 # moved\n"},
		{name: "append after the last item", section: "agents", text: "id: carol\nendpoint: sim/carol\n",
			want: "+  - id: carol\n+    endpoint: sim/carol\n"},
		{name: "rename", section: "queues", item: "sales", text: "{name: sales2}",
			want: "-  - {name: sales}\n+  - {name: sales2}\n"},
		{name: "delete with its heading comment", section: "agents", item: "alice", del: true,
			want: "-  # alice leads the team\n-  - id: alice\n-    endpoint: sim/alice   # aligned comment\n-    skills: {billing: 5}\n"},
		{name: "first campaign into []", section: "campaigns", text: "name: spring\n",
			want: "-campaigns: []\n+campaigns:\n+  - name: spring\n"},
		{name: "new flow", section: "flows", item: "", text: "start: a\n",
			err: ErrBadItem},
		{name: "menus section missing", section: "menus", text: "name: main\n",
			want: "+\n+menus:\n+  - name: main\n"},
		{name: "duplicate", section: "agents", item: "alice", text: "id: bob\n", err: ErrBadItem},
		{name: "no id", section: "agents", text: "endpoint: sim/x\n", err: ErrBadItem},
		{name: "not a mapping", section: "agents", text: "- id: x\n", err: ErrBadItem},
		{name: "bad yaml", section: "agents", text: "id: [x\n", err: ErrBadItem},
		{name: "delete unknown", section: "agents", item: "zed", del: true, err: ErrNoItem},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []byte
			var err error
			if c.del {
				got, err = DeleteItem([]byte(editYAML), c.section, c.item)
			} else {
				got, _, err = SetItem([]byte(editYAML), c.section, c.item, c.text)
			}
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := lineDiff(editYAML, string(got)); d != c.want {
				t.Errorf("diff:\n%s\nwant:\n%s\nfile:\n%s", d, c.want, got)
			}
			if _, err := Parse(got, "edited.yaml"); err != nil && !strings.Contains(err.Error(), "flows") && !strings.Contains(err.Error(), "entries") {
				t.Logf("parse of the result: %v", err)
			}
		})
	}
}

// lineDiff is the lines removed from a and added in b between their common
// head and tail.
func lineDiff(a, b string) string {
	al, bl := strings.SplitAfter(a, "\n"), strings.SplitAfter(b, "\n")
	i := 0
	for i < len(al) && i < len(bl) && al[i] == bl[i] {
		i++
	}
	j := 0
	for j < len(al)-i && j < len(bl)-i && al[len(al)-1-j] == bl[len(bl)-1-j] {
		j++
	}
	var s strings.Builder
	for _, l := range al[i : len(al)-j] {
		s.WriteString("-" + l)
	}
	for _, l := range bl[i : len(bl)-j] {
		s.WriteString("+" + l)
	}
	return s.String()
}

func TestSetItemRefusesFlowStyleSection(t *testing.T) {
	_, _, err := SetItem([]byte("agents: [{id: a}]\n"), "agents", "a", "id: a\n")
	if !errors.Is(err, ErrNotEditable) || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("err %v", err)
	}
}
