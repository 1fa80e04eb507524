package report

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"qualstate"
)

// SARIFOptions tunes the SARIF report.
type SARIFOptions struct {
	// OmitPassing leaves out results of kind "pass". GitHub code scanning
	// shows every result as an alert whatever its kind, so uploads to it
	// are clearer without them.
	OmitPassing bool
}

// SARIF writes the check as a SARIF 2.1.0 log with one run: a rule per
// requirement and per kind of template problem, a result per finding and
// per template problem, fatal template errors also as tool execution
// notifications, and each template as an artifact with its SHA-256.
func SARIF(w io.Writer, c *Check) error {
	return SARIFWithOptions(w, c, SARIFOptions{})
}

// SARIFWithOptions is SARIF with options.
func SARIFWithOptions(w io.Writer, c *Check, opts SARIFOptions) error {
	if c == nil {
		return errors.New("writing SARIF report: no check")
	}
	log, results := buildSARIF(c, opts)
	if err := writeIndented(w, log, log.Runs[0].Results, results); err != nil {
		return fmt.Errorf("writing SARIF report: %w", err)
	}
	return nil
}

// buildSARIF returns the log, whose run's results are a placeholder, and
// the results to write in its place.
func buildSARIF(c *Check, opts SARIFOptions) (sarifLog[streamedList], []sarifResult) {
	templates := sortedTemplates(c)
	findings := sortedFindings(c)
	rules := buildRules(c, findings, templates)
	b := sarifBuilder{artifactIndex: map[string]int{}}
	for _, t := range templates {
		b.addArtifact(t)
	}
	for _, f := range findings {
		if opts.OmitPassing && f.Result == qualstate.ResultPass {
			continue
		}
		b.results = append(b.results, b.findingResult(c, f, rules))
	}
	var notifications []sarifNotification
	for _, t := range templates {
		for _, d := range t.Errors {
			r := b.diagnosticResult(d, t.File, rules)
			b.results = append(b.results, r)
			notifications = append(notifications, sarifNotification{
				Level:          "error",
				Message:        r.Message,
				Locations:      r.Locations,
				AssociatedRule: &sarifRuleRef{ID: r.RuleID, Index: r.RuleIndex},
			})
		}
		for _, d := range t.Diagnostics {
			b.results = append(b.results, b.diagnosticResult(d, t.File, rules))
		}
	}

	run := sarifRun[streamedList]{
		Tool: sarifTool{Driver: sarifDriver{
			Name:            c.Tool.Name,
			Version:         c.Tool.Version,
			SemanticVersion: semanticVersion(c.Tool.Version),
			InformationURI:  absoluteURI(c.Tool.InformationURI),
			Rules:           nonNil(rules.rules),
		}},
		Invocations: []sarifInvocation{{
			// A notification of level error means the run failed
			// (§3.20.21), so the two must agree.
			ExecutionSuccessful:        len(notifications) == 0,
			StartTimeUTC:               utcTime(c.Started),
			EndTimeUTC:                 utcTime(c.Finished),
			ToolExecutionNotifications: notifications,
		}},
		Artifacts: b.artifacts,
		Results:   newStreamedList(),
		Properties: &runProperties{
			RequirementSet: requirementSetOf(c.RequirementSet),
			FailOn:         string(failOn(c)),
		},
	}
	if run.Tool.Driver.Name == "" {
		run.Tool.Driver.Name = "qualstate"
	}
	if len(b.results) > 0 {
		run.ColumnKind = "unicodeCodePoints"
	}
	if b.relative {
		// The absolute root is left out (§3.14.14 allows it): it would
		// differ per machine and can reveal a user name.
		run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{
			srcRoot: {Description: &sarifMessage{Text: "The directory qualstate ran in; relative template paths start there."}},
		}
	}
	return sarifLog[streamedList]{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun[streamedList]{run}}, b.results
}

// sarifBuilder accumulates the artifacts and results of a run.
type sarifBuilder struct {
	artifacts     []sarifArtifact
	artifactIndex map[string]int
	results       []sarifResult
	// relative is set once any location is relative to %SRCROOT%.
	relative bool
}

func (b *sarifBuilder) addArtifact(t TemplateResult) {
	if _, ok := b.artifactIndex[t.File]; ok || t.File == "" {
		return
	}
	a := sarifArtifact{Location: b.artifactLocation(t.File), Roles: []string{"analysisTarget"}}
	if t.Digest != "" {
		a.Hashes = map[string]string{"sha-256": t.Digest}
	}
	b.artifactIndex[t.File] = len(b.artifacts)
	b.artifacts = append(b.artifacts, a)
}

// artifactLocation locates a file, citing its artifact when there is one.
func (b *sarifBuilder) artifactLocation(file string) sarifArtifactLocation {
	uri, base := artifactURI(file)
	if base != "" {
		b.relative = true
	}
	loc := sarifArtifactLocation{URI: uri, URIBaseID: base}
	if i, ok := b.artifactIndex[file]; ok {
		loc.Index = &i
	}
	return loc
}

// location is a result's location: where in which file, and which resource.
func (b *sarifBuilder) location(loc qualstate.Location, logicalID string) []sarifLocation {
	var l sarifLocation
	if loc.File != "" {
		l.PhysicalLocation = &sarifPhysicalLocation{ArtifactLocation: b.artifactLocation(loc.File)}
		if loc.Line > 0 {
			l.PhysicalLocation.Region = &sarifRegion{StartLine: loc.Line, StartColumn: max(loc.Column, 0)}
		}
	}
	if logicalID != "" {
		// §3.33.7 offers "object" for a construct in a JSON document, and a
		// template's data model is JSON in either syntax; the resource is
		// the object at /Resources/<logical id>. ("resource" there means a
		// resource of executable code.)
		l.LogicalLocations = []sarifLogicalLocation{{
			Name:               logicalID,
			FullyQualifiedName: "/Resources/" + jsonPointerToken(logicalID),
			Kind:               "object",
		}}
	}
	if l.PhysicalLocation == nil && l.LogicalLocations == nil {
		return []sarifLocation{}
	}
	return []sarifLocation{l}
}

func (b *sarifBuilder) findingResult(c *Check, f qualstate.Finding, rules *ruleTable) sarifResult {
	risk, title := f.Risk, f.Title
	if req := requirement(c, f.RequirementID); req != nil {
		if risk == "" {
			risk = req.Risk
		}
		if title == "" {
			title = req.Title
		}
	}
	kind, level := resultKind(f.Result, risk)
	text := f.Reason
	if text == "" {
		text = fmt.Sprintf("%s: %s", f.RequirementID, f.Result)
		if title != "" {
			text = fmt.Sprintf("%s: %s", title, f.Result)
		}
	}
	r := sarifResult{
		RuleID:    f.RequirementID,
		RuleIndex: rules.index[f.RequirementID],
		Kind:      kind,
		Level:     level,
		Message:   sarifMessage{Text: text},
		Locations: b.location(f.Loc, f.LogicalID),
		PartialFingerprints: map[string]string{
			"requirementResource/v1": fingerprint(f.RequirementID, slashPath(f.Loc.File), f.LogicalID),
		},
		Properties: &resultProperties{
			Result:       string(f.Result),
			Stage:        string(f.Stage),
			Risk:         string(risk),
			ResourceType: f.ResourceType,
			PhysicalID:   f.PhysicalID,
			Evidence:     f.Evidence,
		},
	}
	if f.Result == qualstate.ResultWaived {
		// A waiver is an exception approved outside the template, so the
		// suppression is external (§3.35.3) and, being approved, accepted
		// (§3.35.4). The result keeps its kind and level: the violation
		// is real, and a viewer that ignores suppressions still shows it.
		r.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted", Justification: waiverJustification(f.Waiver)}}
		if w := f.Waiver; w != nil {
			r.Properties.Waiver = &sarifWaiver{ID: w.ID, Expires: utcTime(w.Expires)}
		}
	}
	return r
}

func (b *sarifBuilder) diagnosticResult(d qualstate.Diagnostic, file string, rules *ruleTable) sarifResult {
	id := templateRuleID(d)
	loc := inFile(d.Loc, file)
	text := d.Message
	if text == "" {
		text = strings.TrimPrefix(id, templateRulePrefix)
	}
	return sarifResult{
		RuleID:    id,
		RuleIndex: rules.index[id],
		Kind:      "fail",
		Level:     diagnosticLevel(d.Severity),
		Message:   sarifMessage{Text: text},
		Locations: b.location(loc, d.LogicalID),
		// The message is part of the identity (a template has many
		// unknown properties) but the line is not, so an edit above a
		// problem does not make it look new.
		PartialFingerprints: map[string]string{
			"templateProblem/v1": fingerprint(id, slashPath(loc.File), d.LogicalID, d.Message),
		},
		Properties: &resultProperties{Severity: string(d.Severity)},
	}
}

// resultKind maps a qualstate result to SARIF's kind and level (§3.27.9,
// §3.27.10). Only kind "fail" may carry a level other than "none"; a failed
// check's level follows its risk, waived or not (the waiver is a
// suppression), and a check that could not be evaluated is an error
// whatever the risk.
func resultKind(r qualstate.Result, risk qualstate.Risk) (kind, level string) {
	switch r {
	case qualstate.ResultPass:
		return "pass", "none"
	case qualstate.ResultFail, qualstate.ResultWaived:
		return "fail", riskLevel(risk)
	case qualstate.ResultError:
		return "fail", "error"
	}
	// Indeterminate: the value the check turns on is only known after
	// deployment, so a person (or the live stage) must decide.
	return "review", "none"
}

// fingerprint is a stable hash of what identifies a result, independent of
// where in the file it sits.
func fingerprint(parts ...string) string {
	h := sha256.New()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// jsonPointerToken escapes a JSON Pointer reference token (RFC 6901).
func jsonPointerToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// utcTime renders t in UTC as RFC 3339, or "" when t is unset.
func utcTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func requirementSetOf(s *qualstate.RequirementSet) *requirementSetRef {
	if s == nil {
		return nil
	}
	return &requirementSetRef{Name: s.Name, Version: s.Version, Source: s.Source, Digest: s.Digest}
}

// slashPath is the form of a path fingerprints hash, so a result checked on
// Windows and on Linux is recognised as the same.
func slashPath(p string) string { return filepath.ToSlash(p) }
