package sandbox

import (
	"cmp"
	"net/http"

	"qualstate/sandbox/awsquery"
)

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

type callerIdentity struct {
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
}

// serveSTS answers STS: only GetCallerIdentity, which is what tools call
// to learn the account they deploy to.
func (s *Sandbox) serveSTS(w http.ResponseWriter, q awsquery.Values, c *call) *apiError {
	if q.Action() != "GetCallerIdentity" {
		return &apiError{Status: 400, Code: "InvalidAction",
			Message: "the sandbox's STS answers only GetCallerIdentity, not " + q.Action()}
	}
	id := callerIdentity{
		Account: s.opts.Account,
		Arn:     s.userARN(),
		UserID:  "AIDA" + cmp.Or(c.accessKey, "SANDBOX"),
	}
	if err := awsquery.WriteResult(w, stsNamespace, "GetCallerIdentity", c.requestID, id); err != nil {
		return internalError(err)
	}
	return nil
}

// userARN is the identity every caller of the sandbox has.
func (s *Sandbox) userARN() string {
	return "arn:" + s.partition() + ":iam::" + s.opts.Account + ":user/sandbox"
}
