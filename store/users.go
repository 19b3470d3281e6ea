package store

import (
	"encoding/json"
	"fmt"

	"github.com/hotline-cc/hotline/api/auth"
)

// SaveUser stores u, replacing the user of the same name.
func (db *DB) SaveUser(u *auth.User) error {
	if err := auth.CheckName(u.Name); err != nil {
		return fmt.Errorf("store: %w: %w", err, ErrInvalid)
	}
	if _, err := u.Role.MarshalText(); err != nil {
		return fmt.Errorf("store: user %q: %w: %w", u.Name, err, ErrInvalid)
	}
	return db.Apply(func(tx *Tx) error { return tx.put(bucketUsers, u.Name, u) })
}

// User returns a user by name, or ErrNotFound.
func (db *DB) User(name string) (*auth.User, error) {
	var u *auth.User
	err := db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketUsers)
		var data []byte
		if b != nil {
			data = b.Get([]byte(name))
		}
		if data == nil {
			return fmt.Errorf("store: user %q: %w", name, ErrNotFound)
		}
		u = new(auth.User)
		if err := json.Unmarshal(data, u); err != nil {
			return &DecodeError{Bucket: string(bucketUsers), Key: name, Err: err}
		}
		return nil
	})
	return u, err
}

// Users lists every user, by name.
func (db *DB) Users() ([]auth.User, error) {
	return listBucket[auth.User](db, bucketUsers)
}

// SaveToken stores an API token by its id.
func (db *DB) SaveToken(t *auth.Token) error {
	if t.ID == "" || t.User == "" {
		return fmt.Errorf("store: token: id and user are required: %w", ErrInvalid)
	}
	return db.Apply(func(tx *Tx) error { return tx.put(bucketTokens, t.ID, t) })
}

// Token returns a token by id, or ErrNotFound.
func (db *DB) Token(id string) (*auth.Token, error) {
	var t *auth.Token
	err := db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketTokens)
		var data []byte
		if b != nil {
			data = b.Get([]byte(id))
		}
		if data == nil {
			return fmt.Errorf("store: token %q: %w", id, ErrNotFound)
		}
		t = new(auth.Token)
		if err := json.Unmarshal(data, t); err != nil {
			return &DecodeError{Bucket: string(bucketTokens), Key: id, Err: err}
		}
		return nil
	})
	return t, err
}

// Tokens lists every token (revoked ones too), by id.
func (db *DB) Tokens() ([]auth.Token, error) {
	return listBucket[auth.Token](db, bucketTokens)
}

func listBucket[T any](db *DB, name []byte) (out []T, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(name)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var x T
			if err := json.Unmarshal(v, &x); err != nil {
				return &DecodeError{Bucket: string(name), Key: string(k), Err: err}
			}
			out = append(out, x)
			return nil
		})
	})
	return out, err
}
