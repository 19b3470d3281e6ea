package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// centerYAML writes a call center of agents agents, each in two queues and
// with perAgent skill levels drawn from a set of skills names: the shape of
// routing's 10,000 × 256 benchmark when perAgent is 16.
func centerYAML(agents, skills, perAgent int) []byte {
	var b bytes.Buffer
	b.WriteString("pbx:\n  type: sim\nqueues:\n")
	for q := range 2 {
		fmt.Fprintf(&b, "  - name: q%d\n    strategy: skills-best\n    skills: {s%03d: 1}\n", q, q)
	}
	b.WriteString("entries:\n  - number: \"100\"\n    queue: q0\nagents:\n")
	for a := range agents {
		fmt.Fprintf(&b, "  - id: a%05d\n    endpoint: Local/%d@agents\n    queues: [{queue: q0}, {queue: q1, penalty: 1}]\n    skills:\n", a, a)
		for k := range perAgent {
			fmt.Fprintf(&b, "      s%03d: %d\n", (a*7+k*(skills/perAgent))%skills, 1+(a+k)%10)
		}
	}
	return b.Bytes()
}

// TestParseLargeCenter: README's 10,000 agents × 256 skills is a file of
// 160,000 skill levels and no aliases; it loads, and a problem in its last
// line is reported at that line.
func TestParseLargeCenter(t *testing.T) {
	data := centerYAML(largeAgents, 256, 16)
	c, err := Parse(data, "big.yaml")
	if err != nil {
		t.Fatalf("Parse: %.500v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %.500v", err)
	}
	last := c.Agents[len(c.Agents)-1]
	if len(c.Agents) != largeAgents || len(last.Skills) != 16 || last.Weight != 1 || len(last.Queues) != 2 {
		t.Fatalf("got %d agents, the last with %d skills, weight %d, %d queues", len(c.Agents), len(last.Skills), last.Weight, len(last.Queues))
	}

	lines := bytes.Count(data, []byte("\n"))
	bad := append(bytes.TrimSuffix(data, []byte("\n")), []byte("\n      extra: 11\n")...)
	c, err = Parse(bad, "big.yaml")
	if err != nil {
		t.Fatalf("Parse: %.500v", err)
	}
	want := fmt.Sprintf("big.yaml:%d: agents[%d].skills.extra: level 11 is outside 1..10", lines+1, largeAgents-1)
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %.500v, want %s", err, want)
	}
}

// TestLoadRefusesHugeFiles: a file past MaxFileSize is refused before it is
// parsed, naming the file and the limit; /dev/zero does not make Load grow.
func TestLoadRefusesHugeFiles(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, path := range []string{big, "/dev/zero"} {
		if path == "/dev/zero" {
			if _, err := os.Stat(path); err != nil {
				continue
			}
		}
		_, err := Load(path)
		if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrInvalid) ||
			!strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "32 MiB") {
			t.Errorf("Load(%s) = %v, want ErrTooLarge naming the file and the 32 MiB limit", path, err)
		}
	}
	if _, err := Parse(make([]byte, MaxFileSize+1), "mem.yaml"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Parse(too much) = %v, want ErrTooLarge", err)
	}
}

// BenchmarkParseValidateLarge: README quotes the 10,000 × 256 (16 each) figure.
func BenchmarkParseValidateLarge(b *testing.B) {
	for _, size := range []struct{ agents, skills, perAgent int }{{1_000, 64, 16}, {10_000, 256, 16}, {10_000, 256, 64}} {
		data := centerYAML(size.agents, size.skills, size.perAgent)
		b.Run(fmt.Sprintf("%dagents-%dskills-%dper", size.agents, size.skills, size.perAgent), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				c, err := Parse(data, "big.yaml")
				if err == nil {
					err = c.Validate()
				}
				if err != nil {
					b.Fatalf("%.300v", err)
				}
			}
		})
	}
}
