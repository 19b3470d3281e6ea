package contact

import "errors"

var (
	// ErrBadNumber is a phone number libphonenumber does not accept.
	ErrBadNumber = errors.New("not a valid phone number")
	// ErrNoNumber is a contact without any phone number.
	ErrNoNumber = errors.New("contact has no phone number")
	// ErrBadEmail is an email address without a local part and a domain.
	ErrBadEmail = errors.New("not an email address")
	// ErrBadLanguage is a language that is no BCP 47 tag (en, fr, pt-BR).
	ErrBadLanguage = errors.New("not a language tag (e.g. en, fr, pt-BR)")
	// ErrBadField is a custom field name that is empty or a built-in column.
	ErrBadField = errors.New("bad custom field name")
	// ErrSameContact is a merge of a contact with itself.
	ErrSameContact = errors.New("cannot merge a contact with itself")
)
