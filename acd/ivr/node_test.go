package ivr

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestDecodeMenuFromYAML(t *testing.T) {
	src := `
prompt: [sound:welcome]
timeout: 3s
retries: 2
options:
  "1": {queue: sales}
  "2": {node: billing}
default: {message: [sound:bye]}
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	n, err := Decode("menu", doc.Content[0].Decode)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := n.(*Menu)
	if !ok {
		t.Fatalf("Decode(menu) = %T", n)
	}
	if m.Timeout != 3*time.Second || m.Retries != 2 || m.Options["1"].Queue != "sales" || m.Options["2"].Node != "billing" ||
		len(m.Default.Message) != 1 {
		t.Errorf("decoded %+v", m)
	}
}

func TestDecodeUnknownKind(t *testing.T) {
	_, err := Decode("teleport", func(any) error { return nil })
	if !errors.Is(err, ErrUnknownKind) || !strings.Contains(err.Error(), `"teleport"`) || !strings.Contains(err.Error(), "menu") {
		t.Errorf("err = %v, want ErrUnknownKind naming the kind and the known ones", err)
	}
}

func TestDecodeError(t *testing.T) {
	bad := errors.New("line 3: bad duration")
	_, err := Decode("menu", func(any) error { return bad })
	if !errors.Is(err, bad) || !strings.HasPrefix(err.Error(), "menu node: ") {
		t.Errorf("err = %v, want the decode error wrapped with the kind", err)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering menu twice did not panic")
		}
	}()
	Register(Kind{Name: "menu", New: func() Node { return new(Menu) }})
}

func TestKinds(t *testing.T) {
	if got := Kinds(); !slices.Contains(got, "menu") || !slices.IsSorted(got) {
		t.Errorf("Kinds() = %v, want menu registered, sorted", got)
	}
}
