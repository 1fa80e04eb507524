package schema

// Violation is one way resolved properties break their type's schema.
type Violation struct {
	// Pointer is the JSON pointer into the properties of the offending
	// value ("/BucketEncryption/ServerSideEncryptionConfiguration/0"); for
	// a missing property, of the object that lacks it.
	Pointer string `json:"pointer"`
	// Code classifies the problem: one of the Code* constants.
	Code string `json:"code"`
	// Message says, for a person, what is wrong and what was found.
	Message string `json:"message"`
}

// String renders "pointer: message", or the message alone at the top.
func (v Violation) String() string {
	if v.Pointer == "" {
		return v.Message
	}
	return v.Pointer + ": " + v.Message
}

// Violation codes.
const (
	CodeUnknownProperty = "unknown-property" // a property the schema does not name
	CodeReadOnly        = "read-only"        // a property only the service sets
	CodeInvalidType     = "invalid-type"     // e.g. a string where an integer belongs
	CodeRequired        = "required"         // a required property is missing
	CodeDependency      = "dependency"       // a property given without one it needs
	CodeEnum            = "enum"             // not one of the allowed values
	CodeConst           = "const"            // not the one allowed value
	CodePattern         = "pattern"          // a string not matching the pattern
	CodeMinLength       = "min-length"
	CodeMaxLength       = "max-length"
	CodeMinimum         = "minimum" // includes exclusiveMinimum
	CodeMaximum         = "maximum" // includes exclusiveMaximum
	CodeMultipleOf      = "multiple-of"
	CodeMinItems        = "min-items"
	CodeMaxItems        = "max-items"
	CodeUniqueItems     = "unique-items" // an array item repeats another
	CodeMinProperties   = "min-properties"
	CodeMaxProperties   = "max-properties"
	CodeOneOf           = "one-of" // matches several alternatives where one is allowed
	CodeNoAlternative   = "no-alternative"
	CodeNot             = "not"
	CodeTooComplex      = "too-complex" // too deep or too large to check in full
)
