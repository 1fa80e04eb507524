// Package bundle defines how the CloudFormation resource schemas are
// shipped: each provider schema cut down to what qualstate reads
// (Minify), all of them gathered into one JSON document with one type per
// line (Encode), which the schema package indexes line by line without
// parsing every schema (Decode).
package bundle
