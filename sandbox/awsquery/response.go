package awsquery

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
)

// ErrorResponse is the body of an awsquery error.
type ErrorResponse struct {
	// Type is who is to blame for the error: "Sender" (the client; the
	// status is 4xx) or "Receiver" (the service; 5xx). Empty means the
	// one the status implies. Neither the Go SDK nor botocore act on it;
	// clients decide on retries from the status and the Code.
	Type string
	// Code is what clients match errors on: ValidationError,
	// AlreadyExistsException, Throttling… The Go SDK turns a code the
	// operation models into its typed error, and any other into a
	// smithy.GenericAPIError.
	Code string
	// Message is the human-readable explanation.
	Message string
}

// WriteResult writes the successful awsquery response to action:
//
//	<{action}Response xmlns="{namespace}">
//	  <{action}Result>…result…</{action}Result>
//	  <ResponseMetadata><RequestId>{requestID}</RequestId></ResponseMetadata>
//	</{action}Response>
//
// with status 200 and Content-Type text/xml, as CloudFormation and STS
// answer (without an XML declaration, which they do not send either).
// The request id also goes in the x-amzn-RequestId header, which is
// where the Go SDK looks for it on a success.
//
// result is marshalled by encoding/xml as the content of the Result
// element, whose name replaces that of result's type, so the caller's
// struct needs no XMLName; its fields carry the tags, e.g.
// `xml:"StackId"` or `xml:"Stacks>member"` for a list. Optional fields
// want omitempty, and a *time.Time since omitempty keeps a zero
// time.Time: the SDKs read an empty element as an empty value, not as an
// absent one.
//
// A nil result writes no Result element, which suits only the operations
// whose model has no output at all (DeleteStack, CancelUpdateStack,
// SetStackPolicy, SignalResource…): for an operation with an empty output
// (ExecuteChangeSet, DeleteChangeSet, ContinueUpdateRollback…) botocore
// and the Go SDK fail unless the Result element is there, so pass
// struct{}{}.
//
// Nothing is written if result cannot be marshalled, so the caller can
// still answer with an error.
func WriteResult(w http.ResponseWriter, namespace, action, requestID string, result any) error {
	if !isActionName(action) {
		return fmt.Errorf("action %q is not a valid operation name", action)
	}
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	root := xml.StartElement{Name: xml.Name{Space: namespace, Local: action + "Response"}}
	if err := enc.EncodeToken(root); err != nil {
		return fmt.Errorf("encoding %s response: %w", action, err)
	}
	if result != nil {
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			return fmt.Errorf("encoding %s result: %w", action, err)
		}
	}
	md := struct {
		RequestID string `xml:"RequestId"`
	}{requestID}
	if err := enc.EncodeElement(md, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}}); err != nil {
		return fmt.Errorf("encoding %s response: %w", action, err)
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return fmt.Errorf("encoding %s response: %w", action, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encoding %s response: %w", action, err)
	}
	return write(w, http.StatusOK, buf.Bytes(), requestID)
}

// errorDocument is the awsquery error body. Unlike a result, the request
// id is a direct child of the root, not inside ResponseMetadata.
type errorDocument struct {
	XMLName   xml.Name
	Error     ErrorResponse
	RequestID string `xml:"RequestId"`
}

// WriteError writes an awsquery error response:
//
//	<ErrorResponse xmlns="{namespace}">
//	  <Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error>
//	  <RequestId>{requestID}</RequestId>
//	</ErrorResponse>
//
// with the given status, which must be 4xx or 5xx: clients tell an
// error from a result by the status alone. The Go SDK retries statuses
// 500, 502, 503 and 504 and throttling codes (Throttling, but also
// LimitExceededException) whatever the status, so those are for faults
// a retry may cure.
func WriteError(w http.ResponseWriter, namespace string, status int, e ErrorResponse, requestID string) error {
	if status < 400 || status > 599 {
		return fmt.Errorf("error status %d is not 4xx or 5xx", status)
	}
	switch e.Type {
	case "":
		e.Type = "Sender"
		if status >= 500 {
			e.Type = "Receiver"
		}
	case "Sender", "Receiver":
	default:
		return fmt.Errorf("error type %q is neither Sender nor Receiver", e.Type)
	}
	if e.Code == "" {
		return fmt.Errorf("error code is empty")
	}
	doc := errorDocument{
		XMLName:   xml.Name{Space: namespace, Local: "ErrorResponse"},
		Error:     e,
		RequestID: requestID,
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encoding error %s: %w", e.Code, err)
	}
	return write(w, status, body, requestID)
}

func write(w http.ResponseWriter, status int, body []byte, requestID string) error {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if requestID != "" {
		h.Set("X-Amzn-Requestid", requestID)
	}
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("writing response: %w", err)
	}
	return nil
}

// isActionName reports whether s can be an operation name. The name
// becomes an XML element name, so anything but a plain identifier, which
// every AWS operation name is, would make the document invalid.
func isActionName(s string) bool {
	if s == "" || !('A' <= s[0] && s[0] <= 'Z' || 'a' <= s[0] && s[0] <= 'z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
