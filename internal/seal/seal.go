package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// KeySize is the length of a data key in bytes (AES-256).
const KeySize = 32

// version is the first byte of every sealed value; a new layout gets a new one.
const version = 1

// Environment variables the keys come from.
const (
	EnvKeyFile = "HOTLINE_KEY_FILE"
	EnvKey     = "HOTLINE_KEY"
)

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)

type key struct {
	id    string
	aead  cipher.AEAD
	index []byte // HMAC key for Hash, derived from the data key
}

// Keyring is a set of keys, primary first. It is safe for concurrent use
// (it is never modified after it is built).
type Keyring struct {
	keys []key
	byID map[string]*key
}

// Entry is one key as written in a key file.
type Entry struct {
	ID  string
	Key []byte
}

// String is the key-file form "id:base64".
func (e Entry) String() string {
	return e.ID + ":" + base64.StdEncoding.EncodeToString(e.Key)
}

// Generate makes a new random key with the given id.
func Generate(id string) (Entry, error) {
	if !keyIDPattern.MatchString(id) {
		return Entry{}, fmt.Errorf("key id %q: %w (letters, digits, _ . -; at most 32)", id, ErrBadKey)
	}
	k := make([]byte, KeySize)
	if _, err := io.ReadFull(rand.Reader, k); err != nil {
		return Entry{}, err
	}
	return Entry{ID: id, Key: k}, nil
}

// New builds a keyring; entries[0] is the primary key.
func New(entries ...Entry) (*Keyring, error) {
	if len(entries) == 0 {
		return nil, ErrNoKey
	}
	r := &Keyring{byID: make(map[string]*key, len(entries))}
	r.keys = make([]key, len(entries))
	for i, e := range entries {
		if !keyIDPattern.MatchString(e.ID) {
			return nil, fmt.Errorf("key %d id %q: %w", i+1, e.ID, ErrBadKey)
		}
		if len(e.Key) != KeySize {
			return nil, fmt.Errorf("key %q: %w: %d bytes, want %d", e.ID, ErrBadKey, len(e.Key), KeySize)
		}
		if _, dup := r.byID[e.ID]; dup {
			return nil, fmt.Errorf("key %q: %w: id given twice", e.ID, ErrBadKey)
		}
		block, err := aes.NewCipher(e.Key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		r.keys[i] = key{id: e.ID, aead: aead, index: derive(e.Key, "hotline index")}
		r.byID[e.ID] = &r.keys[i]
	}
	return r, nil
}

// derive is HKDF-Expand (RFC 5869) for one block with the key as PRK: the
// data key never keys two algorithms.
func derive(k []byte, label string) []byte {
	m := hmac.New(sha256.New, k)
	m.Write([]byte(label))
	m.Write([]byte{1})
	return m.Sum(nil)
}

// Parse reads key entries "id:base64", one per line or comma-separated;
// blank lines and lines starting with # are skipped. where names the source
// in errors.
func Parse(text, where string) ([]Entry, error) {
	var out []Entry
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' })
	line := 0
	for _, f := range fields {
		line++
		f = strings.TrimSpace(f)
		if f == "" || strings.HasPrefix(f, "#") {
			continue
		}
		id, b64, ok := strings.Cut(f, ":")
		if !ok {
			return nil, fmt.Errorf("%s entry %d: %w: want id:base64", where, line, ErrBadKey)
		}
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("%s entry %d (%s): %w: %v", where, line, id, ErrBadKey, err)
		}
		out = append(out, Entry{ID: strings.TrimSpace(id), Key: k})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", where, ErrNoKey)
	}
	return out, nil
}

// FromEnv builds the keyring from HOTLINE_KEY_FILE, else HOTLINE_KEY.
// getenv is os.Getenv outside tests.
func FromEnv(getenv func(string) string) (*Keyring, error) {
	if path := getenv(EnvKeyFile); path != "" {
		return FromFile(path)
	}
	if v := getenv(EnvKey); v != "" {
		entries, err := Parse(v, EnvKey)
		if err != nil {
			return nil, err
		}
		return New(entries...)
	}
	return nil, ErrNoKey
}

// FromFile reads a key file. It refuses a file others can read.
func FromFile(path string) (*Keyring, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s: mode %v lets others read it; chmod 600", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	entries, err := Parse(string(b), path)
	if err != nil {
		return nil, err
	}
	return New(entries...)
}

// Primary is the id of the key Seal uses.
func (r *Keyring) Primary() string { return r.keys[0].id }

// IDs lists the key ids, primary first.
func (r *Keyring) IDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.id
	}
	return ids
}

// Seal encrypts plain under the primary key. aad binds the value to its
// place (e.g. "contact/42"): a value moved elsewhere does not open.
func (r *Keyring) Seal(plain, aad []byte) []byte {
	k := &r.keys[0]
	ns := k.aead.NonceSize()
	out := make([]byte, 0, 2+len(k.id)+ns+len(plain)+k.aead.Overhead())
	out = append(out, version, byte(len(k.id)))
	out = append(out, k.id...)
	nonce := out[len(out) : len(out)+ns]
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		panic("seal: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	out = out[:len(out)+ns]
	return k.aead.Seal(out, nonce, plain, aad)
}

// KeyID is the id of the key a sealed value is under.
func KeyID(sealed []byte) (string, error) {
	if len(sealed) < 2 || sealed[0] != version || len(sealed) < 2+int(sealed[1]) {
		return "", ErrCorrupt
	}
	return string(sealed[2 : 2+int(sealed[1])]), nil
}

// Open decrypts a value Seal made under any key of the ring.
func (r *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	id, err := KeyID(sealed)
	if err != nil {
		return nil, err
	}
	k, ok := r.byID[id]
	if !ok {
		return nil, fmt.Errorf("key %q: %w", id, ErrUnknownKey)
	}
	rest := sealed[2+len(id):]
	ns := k.aead.NonceSize()
	if len(rest) < ns+k.aead.Overhead() {
		return nil, ErrCorrupt
	}
	plain, err := k.aead.Open(nil, rest[:ns], rest[ns:], aad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// Stale reports whether a sealed value is under a key other than the primary.
func (r *Keyring) Stale(sealed []byte) bool {
	id, err := KeyID(sealed)
	return err != nil || id != r.keys[0].id
}

// HashSize is the length of Hash's result.
const HashSize = sha256.Size

// Hash is the primary key's keyed hash of v, for index keys.
func (r *Keyring) Hash(v string) []byte {
	return r.keys[0].hash(v)
}

// HashAll is v's hash under every key, primary first: a lookup during a
// rotation tries each.
func (r *Keyring) HashAll(v string) [][]byte {
	out := make([][]byte, len(r.keys))
	for i := range r.keys {
		out[i] = r.keys[i].hash(v)
	}
	return out
}

func (k *key) hash(v string) []byte {
	m := hmac.New(sha256.New, k.index)
	m.Write([]byte(v))
	return m.Sum(nil)
}
