package seal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustKey(t *testing.T, id string) Entry {
	t.Helper()
	e, err := Generate(id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSealOpenRoundTripAndTamper(t *testing.T) {
	r, err := New(mustKey(t, "k1"))
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("Alice Smith +15551234567")
	s := r.Seal(plain, []byte("contact/1"))
	if bytes.Contains(s, []byte("Alice")) || bytes.Contains(s, []byte("5551234567")) {
		t.Fatal("sealed value shows the plain text")
	}
	if id, _ := KeyID(s); id != "k1" {
		t.Fatalf("key id %q, want k1", id)
	}
	got, err := r.Open(s, []byte("contact/1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open: %q %v", got, err)
	}
	if bytes.Equal(s, r.Seal(plain, []byte("contact/1"))) {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
	if _, err := r.Open(s, []byte("contact/2")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("moved value opened: %v", err)
	}
	bad := bytes.Clone(s)
	bad[len(bad)-1] ^= 1
	if _, err := r.Open(bad, []byte("contact/1")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered value opened: %v", err)
	}
	if _, err := r.Open([]byte("plain"), nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("plain text opened: %v", err)
	}
}

func TestRotationKeepsOldValuesReadable(t *testing.T) {
	k1, k2 := mustKey(t, "k1"), mustKey(t, "k2")
	old, _ := New(k1)
	s1 := old.Seal([]byte("note"), nil)

	both, _ := New(k2, k1)
	if got, err := both.Open(s1, nil); err != nil || string(got) != "note" {
		t.Fatalf("old value under new ring: %q %v", got, err)
	}
	if !both.Stale(s1) {
		t.Fatal("value under k1 not stale once k2 is primary")
	}
	s2 := both.Seal([]byte("note"), nil)
	if both.Stale(s2) {
		t.Fatal("fresh value stale")
	}
	onlyNew, _ := New(k2)
	if _, err := onlyNew.Open(s1, nil); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("value under a dropped key: %v", err)
	}
	hs := both.HashAll("+15551234567")
	if !bytes.Equal(hs[1], old.Hash("+15551234567")) || !bytes.Equal(hs[0], both.Hash("+15551234567")) {
		t.Fatal("HashAll does not give each key's hash, primary first")
	}
	if bytes.Equal(hs[0], hs[1]) {
		t.Fatal("two keys give one hash")
	}
}

func TestHashIsKeyed(t *testing.T) {
	a, _ := New(mustKey(t, "a"))
	b, _ := New(mustKey(t, "a"))
	if !bytes.Equal(a.Hash("+1555"), a.Hash("+1555")) {
		t.Fatal("hash not stable")
	}
	if bytes.Equal(a.Hash("+1555"), b.Hash("+1555")) {
		t.Fatal("hash does not depend on the key")
	}
	if bytes.Equal(a.Hash("+1555"), a.Hash("+1556")) {
		t.Fatal("hash ignores the value")
	}
}

func TestFromEnvAndFile(t *testing.T) {
	k1, k2 := mustKey(t, "new"), mustKey(t, "old")
	env := map[string]string{EnvKey: k1.String() + "," + k2.String()}
	r, err := FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if r.Primary() != "new" || strings.Join(r.IDs(), " ") != "new old" {
		t.Fatalf("ids %v", r.IDs())
	}

	path := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(path, []byte("# hotline keys\n"+k2.String()+"\n"), 0o644)
	env = map[string]string{EnvKeyFile: path, EnvKey: k1.String()}
	if _, err := FromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key file accepted: %v", err)
	}
	os.Chmod(path, 0o600)
	r, err = FromEnv(func(k string) string { return env[k] })
	if err != nil || r.Primary() != "old" {
		t.Fatalf("key file should win over HOTLINE_KEY: %v %v", r, err)
	}

	if _, err := FromEnv(func(string) string { return "" }); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no key: %v", err)
	}
	for _, bad := range []string{"nocolon", "k:!!!", "k:" + "c2hvcnQ=", "bad id:" + strings.Repeat("A", 44)} {
		entries, err := Parse(bad, "HOTLINE_KEY")
		if err == nil {
			_, err = New(entries...)
		}
		if !errors.Is(err, ErrBadKey) {
			t.Errorf("%q: %v, want ErrBadKey", bad, err)
		}
	}
	if _, err := New(k1, k1); !errors.Is(err, ErrBadKey) {
		t.Errorf("duplicate id: %v", err)
	}
}
