package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"qualstate"
)

// slackSummaryRunes keeps a Slack line short enough to read in a channel.
const slackSummaryRunes = 300

func sendSlack(ctx context.Context, client *http.Client, t Target, n qualstate.Notification) error {
	// Slack decodes \u0026 as well as &, but the unescaped form keeps the
	// payload readable where receivers log it.
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		Text string `json:"text"`
	}{slackText(n)}); err != nil {
		return &Error{Target: t.Name, Err: fmt.Errorf("encode slack message: %w", err), permanent: true}
	}
	req, err := newPost(ctx, t, body.Bytes())
	if err != nil {
		return err
	}
	return post(client, t, req)
}

// slackText renders the notification as one mrkdwn line, e.g.
//
//	*qualstate* deviation.opened: instance `web` (stack `web-prod`) is *non-compliant* · check D-000001 on `Bucket` (AWS::S3::Bucket), requirement `S3-001`, open — summary
func slackText(n qualstate.Notification) string {
	var b strings.Builder
	status := n.Status
	if status == "" {
		status = qualstate.QSUnknown
	}
	fmt.Fprintf(&b, "*qualstate* %s: instance %s", slackEscape(n.Event), slackCode(n.Instance))
	if n.Stack != "" && n.Stack != n.Instance {
		fmt.Fprintf(&b, " (stack %s)", slackCode(n.Stack))
	}
	fmt.Fprintf(&b, " is *%s*", slackEscape(string(status)))
	if d := n.Deviation; d != nil {
		fmt.Fprintf(&b, " · %s %s on %s", slackEscape(string(d.Kind)), slackEscape(d.ID), slackCode(d.LogicalID))
		if d.ResourceType != "" {
			fmt.Fprintf(&b, " (%s)", slackEscape(d.ResourceType))
		}
		if d.RequirementID != "" {
			fmt.Fprintf(&b, ", requirement %s", slackCode(d.RequirementID))
		} else if d.Path != "" {
			fmt.Fprintf(&b, ", property %s", slackCode(d.Path))
		}
		if d.State != "" {
			fmt.Fprintf(&b, ", %s", slackEscape(string(d.State)))
		}
	}
	if s := oneLine(n.Summary, slackSummaryRunes); s != "" {
		b.WriteString(" — ")
		b.WriteString(slackEscape(s))
	}
	return b.String()
}

// slackEscape escapes the three characters Slack's mrkdwn requires
// escaped, so that a name cannot turn into a link or a mention.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(oneLine(s, 0))
}

// slackCode renders an identifier as inline code; a backquote inside
// would end the span, so it becomes a quote.
func slackCode(s string) string {
	if s == "" {
		return "`-`"
	}
	return "`" + strings.ReplaceAll(slackEscape(s), "`", "'") + "`"
}

// oneLine folds whitespace (newlines included) to single spaces and, when
// limit > 0, cuts the text to limit runes.
func oneLine(s string, limit int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "?")), " ")
	if r := []rune(s); limit > 0 && len(r) > limit {
		s = string(r[:limit-1]) + "…"
	}
	return s
}
