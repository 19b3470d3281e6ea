// Package seal encrypts personal data at rest and hashes it for lookups.
//
// # Basics
//
// A Keyring holds one or more 32-byte keys, each with a short id. The first
// key is the primary: Seal always encrypts under it (AES-256-GCM, a random
// 96-bit nonce) and writes the key id into the sealed value, so Open finds
// the key that sealed it among all configured keys. Hash is an HMAC-SHA256
// under a key derived from a data key (HKDF-style, label "hotline index"),
// so an index holds no number in clear and a dictionary of phone numbers is
// useless without the key.
//
// Keys come from a key file (HOTLINE_KEY_FILE) or the environment
// (HOTLINE_KEY), never from the config file: a copied config or store must
// not carry the key with it. Both hold entries "id:base64key", one per line
// (or separated by commas in the environment), primary first.
//
// # Rotation
//
// To rotate, put a new key first and keep the old one after it. Values
// sealed under the old key stay readable; Sealed.KeyID tells which values
// still need re-sealing, and a rotation re-seals them in batches. Once none
// is left the old key can go. A crash mid-rotation loses nothing: every
// value is under one of the two configured keys at any moment.
//
// # Caveats
//
// Hashes are per key: an index written under the old key must be looked up
// with HashAll (one hash per key) until the rotation has rewritten it.
package seal
