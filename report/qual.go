package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"qualstate"
)

// Qualification is everything a qualification report shows.
//
// A run resumed after an interruption keeps the test cases and steps of its
// earlier attempts. A resumed attempt re-runs every stage it enters, so the
// results of a stage are those of the latest attempt that recorded test
// cases in it; the reports show earlier attempts' cases as superseded and
// count them under deviations.
type Qualification struct {
	// Tool names the program writing the report.
	Tool Tool
	// Run is the run reported on; writers refuse a Qualification without one.
	Run *qualstate.Run
	// RequirementSet is the set the run qualified against: every
	// requirement appears in the traceability matrix, in set order.
	RequirementSet *qualstate.RequirementSet
	// Steps are the run's steps; writers order them by Seq.
	Steps []qualstate.Step
	// TestCases are in recorded order.
	TestCases []qualstate.TestCase
	// Evidence is the metadata of the run's evidence by digest (Body may be
	// empty: reports index evidence, the bundle carries it).
	Evidence map[string]*qualstate.Evidence
	// Baseline is the live state captured at the end of IQ.
	Baseline []qualstate.BaselineResource
	// Generated is when the report was made, printed in UTC: writers never
	// read the clock, so the same Qualification gives the same bytes.
	Generated time.Time
	// Review is the run's review, nil when none began.
	Review *qualstate.Review
	// Signatures are the electronic signatures on the run, in time order.
	Signatures []qualstate.Signature
	// Certificate is the one the run's approval issued, or nil.
	Certificate *qualstate.Certificate
}

// Requirement outcomes in the traceability matrix besides the test results.
const (
	// outcomeNotApplicable: the template has no resource the requirement
	// applies to.
	outcomeNotApplicable = "not-applicable"
	// outcomeNotRun: the checks had not been evaluated when the report was
	// made.
	outcomeNotRun = "not-run"
)

// qualStages are the stages of a qualification run in order.
var qualStages = []qualstate.Stage{qualstate.StageStatic, qualstate.StageIQ, qualstate.StageOQ}

// qualView is a Qualification digested for the writers: what is current,
// what each requirement's outcome is, what deviates. Every writer renders
// the same view, so the formats cannot disagree.
type qualView struct {
	q   *Qualification
	run *qualstate.Run
	// latest is the attempt whose cases count for each stage.
	latest map[qualstate.Stage]int
	// cases are every test case in recorded order.
	cases []caseView
	// anchors maps a test case id to its anchor (the current case's when
	// an id was recorded more than once).
	anchors map[string]string
	stages  []stageCount
	reqs    []reqView
	// reqCounts counts requirements by outcome.
	reqCounts map[string]int
	install   []installGroup
	steps     []qualstate.Step
	evidence  []evidenceView
	// evidenceAnchors maps a digest to its row in the evidence index.
	evidenceAnchors map[string]string
	earlier         []attemptView
	// silentAttempts counts earlier attempts that recorded nothing.
	silentAttempts int
	failedSteps    []qualstate.Step
	failedCases    []*caseView
	// waivedCases are the current cases that failed under a waiver.
	waivedCases []*caseView
	// evaluated is set once the template's checks ran: a requirement
	// without test cases is then not applicable rather than not run.
	evaluated    bool
	lastAttempt  int
	params       [][2]string
	challengeLvl qualstate.ChallengeLevel
}

// caseView is one test case with what the reports show beside it.
type caseView struct {
	qualstate.TestCase
	Anchor string
	// Current is false for a case an attempt of its stage superseded.
	Current      bool
	SupersededBy int
}

// stageCount counts one stage's current test cases by result.
type stageCount struct {
	Stage                                  qualstate.Stage
	Attempt                                int
	Pass, Waived, Fail, Indeterminate, Err int
	Total                                  int
	// firstTime and duration place the stage in time for JUnit.
	firstTime time.Time
	duration  time.Duration
}

// reqView is one row of the traceability matrix.
type reqView struct {
	Req *qualstate.Requirement
	// InSet is false for a requirement test cases name but the set lacks.
	InSet bool
	// ByStage holds the current cases per stage, in qualStages order; a
	// case of another stage goes with OQ's.
	ByStage [3][]*caseView
	// Outcome is a qualstate.Result, outcomeNotApplicable or outcomeNotRun.
	Outcome string
	// Note explains an outcome that is not a result.
	Note string
	// OQNote says why there is no challenge when there is none.
	OQNote   string
	Evidence []string
}

// installGroup is the template-level test cases of one resource.
type installGroup struct {
	LogicalID, ResourceType, PhysicalID string
	Cases                               []*caseView
}

// evidenceView is one row of the evidence index.
type evidenceView struct {
	Digest string
	Anchor string
	Meta   *qualstate.Evidence
	UsedBy []string
}

// attemptView counts what an earlier attempt recorded.
type attemptView struct {
	Attempt                                int
	Cases                                  int
	Pass, Waived, Fail, Indeterminate, Err int
	Steps                                  int
	LastStep                               *qualstate.Step
}

// newQualView digests q. The caller has checked that q and q.Run are set.
func newQualView(q *Qualification) *qualView {
	v := &qualView{q: q, run: q.Run, latest: map[qualstate.Stage]int{}, anchors: map[string]string{}, reqCounts: map[string]int{}}
	v.challengeLvl = q.Run.Challenge
	if v.challengeLvl == "" {
		v.challengeLvl = qualstate.ChallengeHigh
	}
	v.lastAttempt = max(q.Run.Attempt, 1)
	for _, tc := range q.TestCases {
		a := attemptOf(tc.Attempt)
		v.latest[tc.Stage] = max(v.latest[tc.Stage], a)
		v.lastAttempt = max(v.lastAttempt, a)
	}
	for _, s := range q.Steps {
		v.lastAttempt = max(v.lastAttempt, attemptOf(s.Attempt))
	}
	v.buildCases()
	v.buildStages()
	v.buildRequirements()
	v.buildInstall()
	v.buildSteps()
	v.buildEvidence()
	v.buildEarlier()
	keys := make([]string, 0, len(q.Run.Parameters))
	for k := range q.Run.Parameters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.params = append(v.params, [2]string{k, q.Run.Parameters[k]})
	}
	return v
}

// attemptOf reads a recorded attempt number; records from before attempts
// were counted are the first attempt.
func attemptOf(a int) int { return max(a, 1) }

func (v *qualView) buildCases() {
	v.cases = make([]caseView, len(v.q.TestCases))
	used := map[string]bool{}
	for i, tc := range v.q.TestCases {
		anchor := uniqueAnchor("tc-"+anchorText(tc.ID), used)
		latest := v.latest[tc.Stage]
		v.cases[i] = caseView{TestCase: tc, Anchor: anchor, Current: attemptOf(tc.Attempt) == latest}
		if !v.cases[i].Current {
			v.cases[i].SupersededBy = latest
		}
		if _, seen := v.anchors[tc.ID]; !seen || v.cases[i].Current {
			v.anchors[tc.ID] = anchor
		}
		if v.cases[i].Current && deviates(tc.Result) {
			v.failedCases = append(v.failedCases, &v.cases[i])
		}
		if v.cases[i].Current && tc.Result == qualstate.ResultWaived {
			v.waivedCases = append(v.waivedCases, &v.cases[i])
		}
		if tc.Stage == qualstate.StageStatic {
			v.evaluated = true
		}
	}
	if v.run.Status == qualstate.RunPassed || v.run.Status == qualstate.RunFailed {
		v.evaluated = true
	}
}

func (v *qualView) buildStages() {
	index := map[qualstate.Stage]int{}
	for _, s := range qualStages {
		index[s] = len(v.stages)
		v.stages = append(v.stages, stageCount{Stage: s, Attempt: v.latest[s]})
	}
	for i := range v.cases {
		c := &v.cases[i]
		if !c.Current {
			continue
		}
		at, ok := index[c.Stage]
		if !ok {
			at = len(v.stages)
			index[c.Stage] = at
			v.stages = append(v.stages, stageCount{Stage: c.Stage, Attempt: v.latest[c.Stage]})
		}
		s := &v.stages[at]
		s.Total++
		s.duration += max(c.Duration, 0)
		if s.firstTime.IsZero() || (!c.Time.IsZero() && c.Time.Before(s.firstTime)) {
			s.firstTime = c.Time
		}
		switch c.Result {
		case qualstate.ResultPass:
			s.Pass++
		case qualstate.ResultWaived:
			s.Waived++
		case qualstate.ResultFail:
			s.Fail++
		case qualstate.ResultIndeterminate:
			s.Indeterminate++
		default:
			// An error, or a result this version does not know: either
			// must not pass unnoticed.
			s.Err++
		}
	}
}

// deviates reports whether a test case result is a deviation to resolve: a
// failure, an error, or a result this version does not know. A waived
// failure is a deviation already accepted; the reports list it apart.
func deviates(r qualstate.Result) bool {
	return r != qualstate.ResultPass && r != qualstate.ResultIndeterminate && r != qualstate.ResultWaived
}

// stageColumn maps a stage to its matrix column.
func stageColumn(s qualstate.Stage) int {
	switch s {
	case qualstate.StageStatic:
		return 0
	case qualstate.StageIQ:
		return 1
	}
	return 2
}

func (v *qualView) buildRequirements() {
	index := map[string]int{}
	if set := v.q.RequirementSet; set != nil {
		for _, r := range set.Requirements {
			if r == nil {
				continue
			}
			if _, dup := index[r.ID]; dup {
				continue
			}
			index[r.ID] = len(v.reqs)
			v.reqs = append(v.reqs, reqView{Req: r, InSet: true})
		}
	}
	for i := range v.cases {
		c := &v.cases[i]
		if !c.Current || c.RequirementID == "" {
			continue
		}
		at, ok := index[c.RequirementID]
		if !ok {
			// A case of a requirement the set does not hold still belongs
			// in the matrix: nothing recorded may go unshown.
			at = len(v.reqs)
			index[c.RequirementID] = at
			v.reqs = append(v.reqs, reqView{Req: &qualstate.Requirement{
				ID: c.RequirementID, Title: "(not in the requirement set)", Risk: c.Risk, Controls: c.Controls,
			}})
		}
		col := stageColumn(c.Stage)
		v.reqs[at].ByStage[col] = append(v.reqs[at].ByStage[col], c)
	}
	for i := range v.reqs {
		v.settle(&v.reqs[i])
		v.reqCounts[v.reqs[i].Outcome]++
	}
}

// settle decides a requirement's outcome from its current cases.
//
// The outcome is the worst result of the cases, except that a static case
// left indeterminate (a value known only after deployment) is decided by the
// IQ check of the same resource when there is one: that is what IQ is for.
// Waived ranks just above pass, so a requirement whose only failures are
// waived has the outcome waived.
func (v *qualView) settle(r *reqView) {
	decidedLive := map[string]bool{}
	for _, c := range r.ByStage[1] {
		if c.Kind == qualstate.CaseCheck && c.Stage == qualstate.StageIQ {
			decidedLive[c.LogicalID] = true
		}
	}
	worst := qualstate.Result("")
	seen := map[string]bool{}
	for _, cs := range r.ByStage {
		for _, c := range cs {
			for _, d := range c.Evidence {
				if !seen[d] {
					seen[d] = true
					r.Evidence = append(r.Evidence, d)
				}
			}
			if c.Stage == qualstate.StageStatic && c.Result == qualstate.ResultIndeterminate && decidedLive[c.LogicalID] {
				continue
			}
			res := c.Result
			if _, err := qualstate.ParseResult(string(res)); err != nil {
				res = qualstate.ResultError
			}
			if worst == "" || res.Rank() > worst.Rank() {
				worst = res
			}
		}
	}
	switch {
	case worst != "":
		r.Outcome = string(worst)
	case v.evaluated:
		r.Outcome = outcomeNotApplicable
		r.Note = "not applicable — no " + orList(r.Req.ResourceTypes) + " in the template"
	default:
		r.Outcome = outcomeNotRun
		r.Note = "not run — the checks had not been evaluated when this report was made"
	}
	if len(r.ByStage[2]) == 0 {
		r.OQNote = v.challengeNote(r)
	}
}

// challengeNote says why a requirement has no challenge test.
func (v *qualView) challengeNote(r *reqView) string {
	switch {
	case r.Outcome == outcomeNotApplicable || r.Outcome == outcomeNotRun:
		return ""
	case len(r.Req.Challenge) == 0:
		if r.InSet {
			return "no challenge defined"
		}
		return ""
	case v.challengeLvl == qualstate.ChallengeNone:
		return "challenge not run: challenge level none"
	case v.challengeLvl == qualstate.ChallengeHigh && r.Req.Risk != qualstate.RiskHigh:
		return fmt.Sprintf("challenge not run: challenge level high, risk %s", cmp.Or(string(r.Req.Risk), "unset"))
	}
	return "challenge not run"
}

// installationCase reports whether a test case verifies the installation
// of the template as written rather than a requirement.
func installationCase(c *qualstate.TestCase) bool {
	return c.RequirementID == "" && (c.Kind == qualstate.CaseExists || c.Kind == qualstate.CaseProperty || c.Stage == qualstate.StageIQ)
}

func (v *qualView) buildInstall() {
	index := map[string]int{}
	for i := range v.cases {
		c := &v.cases[i]
		if !c.Current || !installationCase(&c.TestCase) {
			continue
		}
		at, ok := index[c.LogicalID]
		if !ok {
			at = len(v.install)
			index[c.LogicalID] = at
			v.install = append(v.install, installGroup{LogicalID: c.LogicalID})
		}
		g := &v.install[at]
		g.ResourceType = cmp.Or(g.ResourceType, c.ResourceType)
		g.PhysicalID = cmp.Or(g.PhysicalID, c.PhysicalID)
		g.Cases = append(g.Cases, c)
	}
	slices.SortStableFunc(v.install, func(a, b installGroup) int { return strings.Compare(a.LogicalID, b.LogicalID) })
}

func (v *qualView) buildSteps() {
	v.steps = slices.Clone(v.q.Steps)
	slices.SortStableFunc(v.steps, func(a, b qualstate.Step) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq), cmp.Compare(attemptOf(a.Attempt), attemptOf(b.Attempt)))
	})
	for _, s := range v.steps {
		if s.Status == qualstate.StepFailed {
			v.failedSteps = append(v.failedSteps, s)
		}
	}
}

func (v *qualView) buildEvidence() {
	used := map[string][]string{}
	var order []string
	use := func(digest, by string) {
		if digest == "" {
			return
		}
		if _, ok := used[digest]; !ok {
			order = append(order, digest)
		}
		if l := used[digest]; len(l) == 0 || l[len(l)-1] != by {
			used[digest] = append(l, by)
		}
	}
	if d := v.run.TemplateEvidence; d != "" {
		use(d, "template")
	}
	for _, c := range v.cases {
		for _, d := range c.Evidence {
			use(d, c.ID)
		}
	}
	for _, b := range sortedBaseline(v.q.Baseline) {
		use(b.Evidence, "baseline "+b.LogicalID)
	}
	for d := range v.q.Evidence {
		if _, ok := used[d]; !ok {
			order = append(order, d)
			used[d] = nil
		}
	}
	anchors := map[string]bool{}
	for _, d := range order {
		v.evidence = append(v.evidence, evidenceView{Digest: d, Meta: v.q.Evidence[d], UsedBy: used[d]})
	}
	// Evidence in the order it was obtained reads as the run went;
	// evidence without metadata goes last.
	slices.SortStableFunc(v.evidence, func(a, b evidenceView) int {
		if (a.Meta == nil) != (b.Meta == nil) {
			if a.Meta == nil {
				return 1
			}
			return -1
		}
		if a.Meta != nil {
			if c := a.Meta.Time.Compare(b.Meta.Time); c != 0 {
				return c
			}
		}
		return strings.Compare(a.Digest, b.Digest)
	})
	v.evidenceAnchors = make(map[string]string, len(v.evidence))
	for i := range v.evidence {
		v.evidence[i].Anchor = uniqueAnchor("ev-"+anchorText(v.evidence[i].Digest), anchors)
		v.evidenceAnchors[v.evidence[i].Digest] = v.evidence[i].Anchor
	}
}

// buildEarlier counts what each earlier attempt recorded. Attempts are
// taken from the records, never counted up to Run.Attempt: that is a
// number from the input, and attempts that recorded nothing have nothing
// to show beyond how many they were.
func (v *qualView) buildEarlier() {
	byAttempt := map[int]*attemptView{}
	get := func(a int) *attemptView {
		e, ok := byAttempt[a]
		if !ok {
			e = &attemptView{Attempt: a}
			byAttempt[a] = e
		}
		return e
	}
	for _, tc := range v.q.TestCases {
		a := attemptOf(tc.Attempt)
		if a >= v.lastAttempt {
			continue
		}
		e := get(a)
		e.Cases++
		switch tc.Result {
		case qualstate.ResultPass:
			e.Pass++
		case qualstate.ResultWaived:
			e.Waived++
		case qualstate.ResultFail:
			e.Fail++
		case qualstate.ResultIndeterminate:
			e.Indeterminate++
		default:
			e.Err++
		}
	}
	for i := range v.steps {
		if a := attemptOf(v.steps[i].Attempt); a < v.lastAttempt {
			e := get(a)
			e.Steps++
			e.LastStep = &v.steps[i]
		}
	}
	for _, a := range slices.Sorted(maps.Keys(byAttempt)) {
		v.earlier = append(v.earlier, *byAttempt[a])
	}
	v.silentAttempts = v.lastAttempt - 1 - len(v.earlier)
}

// evidenceAnchor returns the anchor of a digest's row in the evidence index.
func (v *qualView) evidenceAnchor(digest string) string {
	return v.evidenceAnchors[digest]
}

// hasDeviations reports whether the deviations section lists anything.
func (v *qualView) hasDeviations() bool {
	return v.run.Status != qualstate.RunPassed || len(v.failedCases) > 0 || len(v.waivedCases) > 0 || len(v.failedSteps) > 0 ||
		len(v.earlierText()) > 0
}

// earlierText describes the earlier attempts, one line each.
func (v *qualView) earlierText() []string {
	var out []string
	for _, e := range v.earlier {
		out = append(out, earlierText(e))
	}
	if v.silentAttempts > 0 {
		out = append(out, fmt.Sprintf("%s interrupted before recording any step or test case",
			plural(v.silentAttempts, "earlier attempt was", "earlier attempts were")))
	}
	return out
}

// statusDeviation describes a run status other than passed.
func (v *qualView) statusDeviation() string {
	r := v.run
	var msg string
	switch r.Status {
	case qualstate.RunPassed:
		return ""
	case qualstate.RunRunning, "":
		msg = "the run had not finished when this report was made: the record is incomplete"
	case qualstate.RunFailed:
		msg = "the run failed: at least one test case did not pass"
	case qualstate.RunError:
		msg = "the run stopped on an error"
	case qualstate.RunAborted:
		msg = "the run was stopped by the user"
	case qualstate.RunAbandoned:
		msg = "the run was abandoned after an interruption"
	default:
		msg = "the run ended with status " + string(r.Status)
	}
	if r.Reason != "" {
		msg += ": " + r.Reason
	}
	return msg
}

// sortedBaseline returns the baseline by logical id, leaving the caller's
// slice as it was.
func sortedBaseline(b []qualstate.BaselineResource) []qualstate.BaselineResource {
	out := slices.Clone(b)
	slices.SortStableFunc(out, func(x, y qualstate.BaselineResource) int { return strings.Compare(x.LogicalID, y.LogicalID) })
	return out
}

// orList joins resource types as "A", "A or B", "A, B or C".
func orList(ss []string) string {
	switch len(ss) {
	case 0:
		return "resource it applies to"
	case 1:
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " or " + ss[len(ss)-1]
}

// anchorText makes s usable in a fragment identifier without escaping, so
// the href and the id it points to are written alike: letters, digits,
// '-', '_' and '.' are kept, anything else becomes _XX per byte.
func anchorText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "_%02X", c)
		}
	}
	return b.String()
}

// uniqueAnchor returns a, or a with a number appended when a is taken.
func uniqueAnchor(a string, used map[string]bool) string {
	out := a
	for n := 2; used[out]; n++ {
		out = fmt.Sprintf("%s-%d", a, n)
	}
	used[out] = true
	return out
}

// shortDigest is the first 12 hex digits of a digest, as people quote them.
func shortDigest(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

// utcText renders a time in UTC to the second, or "—" when unknown.
func utcText(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// durationText renders a duration the way people say it: "350 ms", "1.2 s",
// "2 min 05 s".
func durationText(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
}

// caseDuration says what a test case's duration means: for a challenge, how
// long the monitor took to detect the violation.
func caseDuration(c *qualstate.TestCase) string {
	if c.Kind != qualstate.CaseChallenge || c.Duration <= 0 {
		return durationText(c.Duration)
	}
	if c.Result == qualstate.ResultPass {
		return "detected in " + durationText(c.Duration)
	}
	return "not detected after " + durationText(c.Duration)
}

// resultClass names a result or outcome for styling.
func resultClass(r string) string {
	switch r {
	case string(qualstate.ResultPass), string(qualstate.ResultWaived), string(qualstate.ResultFail), string(qualstate.ResultIndeterminate),
		string(qualstate.ResultError):
		return r
	case outcomeNotApplicable:
		return "na"
	case outcomeNotRun:
		return "notrun"
	}
	return "error"
}

// resultLabel is the text beside a result's colour, so the colour is never
// the only carrier of the result.
func resultLabel(r string) string {
	switch r {
	case string(qualstate.ResultPass):
		return "PASS"
	case string(qualstate.ResultWaived):
		return "WAIVED"
	case string(qualstate.ResultFail):
		return "FAIL"
	case string(qualstate.ResultIndeterminate):
		return "INDETERMINATE"
	case string(qualstate.ResultError):
		return "ERROR"
	case outcomeNotApplicable:
		return "NOT APPLICABLE"
	case outcomeNotRun:
		return "NOT RUN"
	case "":
		return "NO RESULT"
	}
	return "UNKNOWN (" + strings.ToUpper(r) + ")"
}

// resourceText names a test case's resource: logical id, type, physical id.
func resourceText(logicalID, resourceType, physicalID string) string {
	parts := []string{}
	for _, p := range []string{logicalID, resourceType, physicalID} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, " · ")
}

// controlsText joins controls with commas.
func controlsText(cs []qualstate.Control) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return strings.Join(out, ", ")
}

// stageName is how reports write a stage.
func stageName(s qualstate.Stage) string {
	switch s {
	case qualstate.StageStatic:
		return "Static"
	case qualstate.StageIQ:
		return "IQ"
	case qualstate.StageOQ:
		return "OQ"
	case "":
		return "—"
	}
	return string(s)
}

// environmentText describes where the run ran.
func environmentText(e qualstate.Environment) string {
	parts := []string{cmp.Or(e.Name, "—")}
	if e.Endpoint != "" {
		parts = append(parts, "endpoint "+e.Endpoint)
	}
	if e.Account != "" {
		parts = append(parts, "account "+e.Account)
	}
	if e.Region != "" {
		parts = append(parts, "region "+e.Region)
	}
	return strings.Join(parts, ", ")
}

// requirementSetText names the set: name, version and source.
func requirementSetText(v *qualView) (text, digest string) {
	r := v.run
	name, version, source, digest := r.RequirementSet, r.RequirementSetVersion, r.RequirementSetSource, r.RequirementSetDigest
	if s := v.q.RequirementSet; s != nil {
		name, version = cmp.Or(name, s.Name), cmp.Or(version, s.Version)
		source, digest = cmp.Or(source, s.Source), cmp.Or(digest, s.Digest)
	}
	text = cmp.Or(name, "—")
	if version != "" {
		text += " " + version
	}
	if source != "" {
		text += " (" + source + ")"
	}
	return text, digest
}

// toolVersion is the qualstate version that ran the run, or the one writing
// the report when the run does not say.
func toolVersion(v *qualView) string {
	if v.run.Tool != "" {
		return v.run.Tool
	}
	return strings.TrimSpace(v.q.Tool.Name + " " + v.q.Tool.Version)
}

// runResultText is the run's status and result for the header.
func runResultText(r *qualstate.Run) string {
	s := cmp.Or(string(r.Status), "unknown")
	if r.Result != "" {
		s += ", result " + string(r.Result)
	}
	return s
}

// earlierText describes an earlier attempt in one line.
func earlierText(e attemptView) string {
	s := fmt.Sprintf("Attempt %d was interrupted and resumed: %s (%d pass, %d waived, %d fail, %d indeterminate, %d error), %s",
		e.Attempt, plural(e.Cases, "test case", "test cases"), e.Pass, e.Waived, e.Fail, e.Indeterminate, e.Err, plural(e.Steps, "step", "steps"))
	if e.LastStep != nil {
		s += fmt.Sprintf("; last step %s %s (%s)", stageName(e.LastStep.Stage), e.LastStep.Name, e.LastStep.Status)
	}
	return s
}
