// Package contact is the customer on record: who a caller is, how to reach
// them and what the desk knows of them. It is pure: normalizing, validating,
// merging and the CSV form live here; the store seals and indexes contacts,
// the engine attaches them to calls.
package contact
