package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"qualstate"
)

// templateRulePrefix starts the ids of rules for template problems, keeping
// them apart from requirement ids.
const templateRulePrefix = "template/"

// ruleTable is run.tool.driver.rules with a lookup from id to index, which
// results cite as ruleIndex.
type ruleTable struct {
	rules []sarifRule
	index map[string]int
}

// add appends the rule unless one with its id is present, and returns the
// index of the rule with that id.
func (t *ruleTable) add(r sarifRule) int {
	if i, ok := t.index[r.ID]; ok {
		return i
	}
	t.index[r.ID] = len(t.rules)
	t.rules = append(t.rules, r)
	return len(t.rules) - 1
}

// buildRules lists one rule per requirement (in the set's order), then one
// per requirement that findings cite but the set lacks, then one per kind of
// template problem (by code).
func buildRules(c *Check, findings []qualstate.Finding, templates []TemplateResult) *ruleTable {
	t := &ruleTable{index: map[string]int{}}
	if c.RequirementSet != nil {
		for _, r := range c.RequirementSet.Requirements {
			if r != nil {
				t.add(requirementRule(r))
			}
		}
	}
	for _, f := range findings {
		if _, ok := t.index[f.RequirementID]; !ok {
			t.add(requirementRule(&qualstate.Requirement{
				ID: f.RequirementID, Title: f.Title, Risk: f.Risk, Controls: f.Controls,
				ResourceTypes: nonEmpty(f.ResourceType),
			}))
		}
	}
	worst := map[string]qualstate.Severity{}
	fatal := map[string]bool{}
	for _, tr := range templates {
		for _, d := range tr.Errors {
			worst[templateRuleID(d)] = qualstate.SeverityError
			fatal[templateRuleID(d)] = true
		}
		for _, d := range tr.Diagnostics {
			id := templateRuleID(d)
			if cur, seen := worst[id]; !seen || severityRank(d.Severity) > severityRank(cur) {
				worst[id] = d.Severity
			}
		}
	}
	ids := make([]string, 0, len(worst))
	for id := range worst {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t.add(templateRule(id, worst[id], fatal[id]))
	}
	return t
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// requirementRule describes a requirement as a reportingDescriptor.
func requirementRule(r *qualstate.Requirement) sarifRule {
	title := r.Title
	if title == "" {
		title = r.ID
	}
	full := r.Description
	if full == "" {
		full = title
	}
	name := camelCase(r.ID)
	if name == "" {
		name = camelCase(title)
	}
	controls := make([]string, len(r.Controls))
	for i, c := range r.Controls {
		controls[i] = string(c)
	}
	// GitHub code scanning only ranks a rule by security-severity when the
	// rule is tagged "security"; every requirement guards a security or
	// compliance property, so all are.
	tags := append([]string(nil), r.Tags...)
	if !slices.Contains(tags, "security") {
		tags = append(tags, "security")
	}
	return sarifRule{
		ID:                   r.ID,
		Name:                 name,
		ShortDescription:     &sarifMessage{Text: title},
		FullDescription:      &sarifMessage{Text: full},
		Help:                 requirementHelp(r, full),
		DefaultConfiguration: &sarifConfiguration{Level: riskLevel(r.Risk)},
		Properties: &ruleProperties{
			Risk:             string(r.Risk),
			Controls:         controls,
			ResourceTypes:    r.ResourceTypes,
			Tags:             tags,
			SecuritySeverity: securitySeverity(r.Risk),
			// Checks are exact expressions over declared values, and
			// what they cannot decide is reported as indeterminate rather
			// than guessed.
			Precision: "very-high",
		},
	}
}

// requirementHelp says what the requirement asks, which controls it serves
// and the check that proves it, as plain text and as Markdown.
func requirementHelp(r *qualstate.Requirement, description string) *sarifMessage {
	var text, md strings.Builder
	text.WriteString(description + "\n")
	md.WriteString(description + "\n")
	if r.Risk != "" {
		fmt.Fprintf(&text, "\nRisk: %s", r.Risk)
		fmt.Fprintf(&md, "\n- **Risk:** %s", r.Risk)
	}
	if len(r.Controls) > 0 {
		plain := make([]string, len(r.Controls))
		code := make([]string, len(r.Controls))
		for i, c := range r.Controls {
			plain[i] = string(c)
			code[i] = codeSpan(string(c))
		}
		fmt.Fprintf(&text, "\nControls: %s", strings.Join(plain, ", "))
		fmt.Fprintf(&md, "\n- **Controls:** %s", strings.Join(code, ", "))
	}
	if len(r.ResourceTypes) > 0 {
		code := make([]string, len(r.ResourceTypes))
		for i, t := range r.ResourceTypes {
			code[i] = codeSpan(t)
		}
		fmt.Fprintf(&text, "\nApplies to: %s", strings.Join(r.ResourceTypes, ", "))
		fmt.Fprintf(&md, "\n- **Applies to:** %s", strings.Join(code, ", "))
	}
	if r.Check != "" {
		fence := strings.Repeat("`", max(3, longestRun(r.Check, '`')+1))
		fmt.Fprintf(&text, "\nCheck (CEL):\n%s", r.Check)
		fmt.Fprintf(&md, "\n\n**Check** (CEL):\n\n%scel\n%s\n%s", fence, strings.TrimRight(r.Check, "\n"), fence)
	}
	return &sarifMessage{Text: strings.TrimRight(text.String(), "\n"), Markdown: strings.TrimRight(md.String(), "\n")}
}

// codeSpan renders s as Markdown inline code whatever backticks it holds
// (CommonMark: a longer delimiter run, padded when s starts or ends with a
// backtick).
func codeSpan(s string) string {
	delim := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return delim + s + delim
}

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// templateRule describes one kind of template problem.
func templateRule(id string, worst qualstate.Severity, fatal bool) sarifRule {
	code := strings.TrimPrefix(id, templateRulePrefix)
	short := "Template problem: " + strings.ReplaceAll(code, "-", " ")
	full := fmt.Sprintf("The template has a problem of kind %q that did not stop it being checked; "+
		"each result says what and where.", code)
	if fatal {
		full = fmt.Sprintf("The template could not be read or resolved (%q), so no requirement was checked on it; "+
			"each result says what and where.", code)
	}
	return sarifRule{
		ID:                   id,
		Name:                 camelCase(id),
		ShortDescription:     &sarifMessage{Text: short},
		FullDescription:      &sarifMessage{Text: full},
		DefaultConfiguration: &sarifConfiguration{Level: diagnosticLevel(worst)},
		Properties:           &ruleProperties{Tags: []string{"template"}},
	}
}

// templateRuleID is the rule id of a template problem.
func templateRuleID(d qualstate.Diagnostic) string {
	code := d.Code
	if code == "" {
		code = "unspecified"
	}
	return templateRulePrefix + code
}

// camelCase makes a rule name from an id or a title: "S3.ENCRYPTION.AT-REST"
// gives "S3EncryptionAtRest". SARIF shows names where a readable identifier
// is wanted (§3.49.7).
func camelCase(s string) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		for i, r := range []rune(word) {
			if i == 0 {
				b.WriteRune(unicode.ToUpper(r))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		}
	}
	return b.String()
}

// riskLevel is the SARIF level of a failed check of the given risk.
func riskLevel(r qualstate.Risk) string {
	switch r {
	case qualstate.RiskHigh:
		return "error"
	case qualstate.RiskLow:
		return "note"
	}
	return "warning"
}

// securitySeverity is the CVSS-like score GitHub code scanning maps to
// high (7.0–8.9), medium (4.0–6.9) and low (0.1–3.9).
func securitySeverity(r qualstate.Risk) string {
	switch r {
	case qualstate.RiskHigh:
		return "8.0"
	case qualstate.RiskMedium:
		return "5.0"
	case qualstate.RiskLow:
		return "3.0"
	}
	return ""
}

// diagnosticLevel maps a diagnostic's severity to a SARIF level; the names
// agree, and an unknown severity counts as an error so it is not missed.
func diagnosticLevel(s qualstate.Severity) string {
	switch s {
	case qualstate.SeverityWarning:
		return "warning"
	case qualstate.SeverityNote:
		return "note"
	}
	return "error"
}

// severityRank orders severities as diagnosticLevel reads them.
func severityRank(s qualstate.Severity) int {
	switch s {
	case qualstate.SeverityNote:
		return 1
	case qualstate.SeverityWarning:
		return 2
	}
	return 3
}
