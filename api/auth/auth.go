// Package auth holds who may use Hotline's API and web desk: users with a
// role, their password hashes, and API tokens. It is pure (no clock: times
// are passed in; randomness from crypto/rand); the store persists users and
// tokens, the HTTP layer checks them.
//
// Passwords are hashed with argon2id (memory-hard), each with its own salt;
// the hash string carries its parameters, so they can be raised later
// without breaking stored hashes. Tokens are random, shown once, and stored
// only as their SHA-256.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/argon2"
)

// Role is what a user may do.
type Role uint8

// Roles, each including what the ones before it may do.
const (
	Agent      Role = iota + 1 // their own state, calls, contacts they handle
	Supervisor                 // their teams' agents and queues, monitoring, reports
	Admin                      // everything: users, configuration
)

var roleNames = map[Role]string{Agent: "agent", Supervisor: "supervisor", Admin: "admin"}

func (r Role) String() string {
	if s, ok := roleNames[r]; ok {
		return s
	}
	return fmt.Sprintf("role(%d)", r)
}

// Errors of the package.
var (
	ErrUnknownRole  = errors.New("auth: unknown role")
	ErrBadName      = errors.New("auth: bad user name")
	ErrWeakPassword = errors.New("auth: password too weak")
	ErrBadHash      = errors.New("auth: malformed password hash")
)

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	for r, n := range roleNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return r, nil
		}
	}
	return 0, fmt.Errorf("%w %q; known: agent, supervisor, admin", ErrUnknownRole, s)
}

// MarshalText writes the role by name.
func (r Role) MarshalText() ([]byte, error) {
	if s, ok := roleNames[r]; ok {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("%w %d", ErrUnknownRole, r)
}

// UnmarshalText reads a role written by MarshalText.
func (r *Role) UnmarshalText(b []byte) error {
	v, err := ParseRole(string(b))
	if err == nil {
		*r = v
	}
	return err
}

// Allows reports whether a user with role r may do what needs role need.
func (r Role) Allows(need Role) bool { return r >= need }

// User is a person who signs in.
type User struct {
	Name     string    `json:"name"`
	Role     Role      `json:"role"`
	Agent    string    `json:"agent,omitempty"` // the agent id this user works as
	Teams    []string  `json:"teams,omitempty"` // queues a supervisor oversees besides their config teams (deprecated: teams: in the config)
	Hash     string    `json:"hash"`            // argon2id, see HashPassword
	Disabled bool      `json:"disabled,omitempty"`
	Created  time.Time `json:"created"`
	// FailedLogins counts sign-in failures since the last success;
	// LockedUntil is set after too many (see Lockout).
	FailedLogins int       `json:"failed_logins,omitempty"`
	LockedUntil  time.Time `json:"locked_until,omitzero"`
}

// CheckName reports whether a user name is acceptable: 1-64 letters,
// digits, '.', '-', '_' or '@'.
func CheckName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("%w %q: 1 to 64 characters", ErrBadName, name)
	}
	for _, c := range name {
		if !(unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune(".-_@", c)) {
			return fmt.Errorf("%w %q: letters, digits, '.', '-', '_' and '@' only", ErrBadName, name)
		}
	}
	return nil
}

// NameTaken returns the name among users that name differs from only in
// case ("" if none): two users "Ann" and "ann" would be told apart only by
// how a name was typed at sign-in, and one could pass for the other in a
// list or the audit log.
func NameTaken(users []User, name string) string {
	for _, u := range users {
		if u.Name != name && strings.EqualFold(u.Name, name) {
			return u.Name
		}
	}
	return ""
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// CheckPassword refuses passwords that are too short or equal to the name.
func CheckPassword(name, pw string) error {
	if len([]rune(pw)) < MinPasswordLen {
		return fmt.Errorf("%w: at least %d characters", ErrWeakPassword, MinPasswordLen)
	}
	if strings.EqualFold(pw, name) {
		return fmt.Errorf("%w: the same as the user name", ErrWeakPassword)
	}
	return nil
}

// Params are argon2id's cost parameters.
type Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultParams follow the common recommendation for interactive logins
// (64 MiB, 1 pass).
var DefaultParams = Params{Time: 1, Memory: 64 * 1024, Threads: 2}

const keyLen = 32

// argonSlots bounds the argon2 hashes that run at once. Each holds
// Params.Memory (64 MiB by default) while it runs, so sign-ins sent at once
// from many addresses wait here rather than each growing the heap by that
// much (40 at once took 2.5 GB before).
var argonSlots = make(chan struct{}, 2)

// idKey is argon2.IDKey; tests replace it to watch the slots.
var idKey = argon2.IDKey

// deriveKey runs argon2id in one of argonSlots.
func deriveKey(pw, salt []byte, p Params, n uint32) []byte {
	argonSlots <- struct{}{}
	defer func() { <-argonSlots }()
	return idKey(pw, salt, p.Time, p.Memory, p.Threads, n)
}

// HashPassword returns an encoded argon2id hash of pw with a fresh salt:
// $argon2id$v=19$m=65536,t=1,p=2$SALT$KEY.
func HashPassword(pw string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := deriveKey([]byte(pw), salt, p, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the encoded hash, in time that
// does not depend on where they differ.
func VerifyPassword(pw, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("%w: version %q", ErrBadHash, parts[2])
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || p.Time == 0 || p.Threads == 0 || p.Memory > 4<<20 {
		return false, fmt.Errorf("%w: parameters %q", ErrBadHash, parts[3])
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, fmt.Errorf("%w: salt or key", ErrBadHash)
	}
	got := deriveKey([]byte(pw), salt, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Lockout says how many failed sign-ins lock a user, and for how long.
type Lockout struct {
	After int
	For   time.Duration
}

// DefaultLockout locks a user for 15 minutes after 5 failures in a row.
var DefaultLockout = Lockout{After: 5, For: 15 * time.Minute}

// Locked reports whether u may not sign in at now.
func (u *User) Locked(now time.Time) bool { return now.Before(u.LockedUntil) }

// SignIn checks a password for u at now and updates its failure count and
// lock. It returns whether the sign-in succeeded; a disabled or locked user
// never succeeds (the password is still hashed, so timing tells nothing).
func (u *User) SignIn(pw string, now time.Time, l Lockout) (bool, error) {
	ok, err := VerifyPassword(pw, u.Hash)
	if err != nil {
		return false, err
	}
	return u.Settle(ok, now, l), nil
}

// Settle updates u's failure count and lock after a sign-in whose password
// matched or not (VerifyPassword), and returns whether it succeeded: a
// disabled or locked user never does.
func (u *User) Settle(matched bool, now time.Time, l Lockout) bool {
	if u.Disabled || u.Locked(now) {
		return false
	}
	if matched {
		u.FailedLogins, u.LockedUntil = 0, time.Time{}
		return true
	}
	u.FailedLogins++
	if l.After > 0 && u.FailedLogins >= l.After {
		u.LockedUntil = now.Add(l.For)
		u.FailedLogins = 0
	}
	return false
}

// Token is an API token: a bearer secret scoped to a role and a user.
type Token struct {
	ID      string    `json:"id"`   // public, for listing and revoking
	Hash    string    `json:"hash"` // hex SHA-256 of the secret
	User    string    `json:"user"`
	Role    Role      `json:"role"` // at most the user's role
	Name    string    `json:"name,omitempty"`
	Created time.Time `json:"created"`
	Revoked bool      `json:"revoked,omitempty"`
}

// NewToken makes a token for user with role; the secret is returned once
// ("hl_<id>_<secret>") and only its hash is kept.
func NewToken(user string, role Role, name string, now time.Time) (tok Token, secret string, err error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Token{}, "", fmt.Errorf("auth: token: %w", err)
	}
	id := hex.EncodeToString(b[:6])
	sec := base64.RawURLEncoding.EncodeToString(b[6:])
	secret = "hl_" + id + "_" + sec
	return Token{ID: id, Hash: HashToken(secret), User: user, Role: role, Name: name, Created: now}, secret, nil
}

// HashToken is how a token's secret is kept and looked up.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// TokenID returns the public id inside a secret, or "" if it is not one.
func TokenID(secret string) string {
	rest, ok := strings.CutPrefix(secret, "hl_")
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 12 {
		return ""
	}
	return id
}

// Matches reports whether secret is this token's, in constant time.
func (t *Token) Matches(secret string) bool {
	return !t.Revoked && subtle.ConstantTimeCompare([]byte(HashToken(secret)), []byte(t.Hash)) == 1
}
