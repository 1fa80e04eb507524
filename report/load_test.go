package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"qualstate"
	"qualstate/sqlite"
)

// storeFixture records the fixture run in a new SQLite store, as a
// qualification run would have: the run with its requirement set as
// evidence, evidence, steps, test cases and baseline. No review yet.
func storeFixture(t *testing.T) (*sqlite.Store, *qualFixture) {
	t.Helper()
	ctx := t.Context()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "qualstate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := newQualFixture(t)
	setJSON, err := json.Marshal(f.q.RequirementSet)
	if err != nil {
		t.Fatal(err)
	}
	f.q.Run.RequirementSetEvidence = f.seal(t, qualstate.Evidence{
		Operation: "input:RequirementSet", Request: f.q.RequirementSet.Source, Time: f.q.Run.Started, Body: string(setJSON),
	})
	run := *f.q.Run
	if err := store.CreateRun(ctx, &run); err != nil {
		t.Fatal(err)
	}
	for d, blob := range f.blobs {
		if err := store.PutEvidence(ctx, run.ID, d, blob); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range f.q.Steps {
		if err := store.PutStep(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.AddTestCases(ctx, f.q.TestCases); err != nil {
		t.Fatal(err)
	}
	if err := store.PutBaseline(ctx, run.ID, f.q.Baseline); err != nil {
		t.Fatal(err)
	}
	return store, f
}

// TestLoadQualificationReview loads a run from a real store before and
// after it is reviewed and approved: the review, signatures and
// certificate come back, the signatures verify against the record, and
// the record is the same bytes whenever it is made from the same store.
func TestLoadQualificationReview(t *testing.T) {
	ctx := t.Context()
	store, f := storeFixture(t)
	id := f.q.Run.ID
	load := func(t *testing.T) *Qualification {
		t.Helper()
		q, err := LoadQualification(ctx, store, id, Tool{Name: "qualstate", Version: "v1.4.0"})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	record := func(t *testing.T, q *Qualification) []byte {
		t.Helper()
		b, err := QualificationRecord(q)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	before := load(t)
	frozen := record(t, before)
	key := fixtureKey()
	sign := func(t *testing.T, id string, signer, name string, meaning qualstate.Meaning, at time.Time, review qualstate.Review, records ...qualstate.SignedRecord) {
		t.Helper()
		sig := qualstate.Signature{
			ID: id, Subject: "run/" + review.RunID, RecordDigest: review.RecordDigest, SignerID: signer, SignerName: name,
			Meaning: meaning, Time: at, Reason: "checked against the URS", Key: key.ID(),
		}
		sig.Value = key.SignBase64(sig.Message())
		// A signature is recorded with the record it signs.
		records = append(records, qualstate.SignedRecord{Subject: sig.Subject, Data: frozen})
		if err := store.Sign(ctx, sig, qualstate.SignedChange{Records: records, Review: &review}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("not reviewed", func(t *testing.T) {
		if before.Review != nil || len(before.Signatures) != 0 || before.Certificate != nil {
			t.Errorf("an unreviewed run loads with review %+v, %d signatures, certificate %v", before.Review, len(before.Signatures), before.Certificate)
		}
		if !strings.Contains(string(renderQual(t, QualificationHTML, before)), "The lines below are for signatures by hand.") {
			t.Error("no lines to sign by hand")
		}
	})

	digest := qualstate.Digest(frozen)
	reviewed := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	approved := reviewed.Add(90 * time.Minute)
	sign(t, "sig-0001", "mschmidt", "Maria Schmidt", qualstate.MeaningReviewed, reviewed,
		qualstate.Review{RunID: id, State: qualstate.ReviewInReview, RecordDigest: digest, Updated: reviewed})
	// Approval issues the certificate, over the signatures up to it.
	sigs, err := store.Signatures(ctx, "run/"+id)
	if err != nil {
		t.Fatal(err)
	}
	approval := qualstate.Signature{
		ID: "sig-0002", Subject: "run/" + id, RecordDigest: digest, SignerID: "jweiss", SignerName: "Jürgen Weiß",
		Meaning: qualstate.MeaningApproved, Time: approved, Reason: "checked against the URS", Key: key.ID(),
	}
	approval.Value = key.SignBase64(approval.Message())
	cert := qualstate.Certificate{
		Kind: qualstate.CertificateKind, Statement: "Template templates/app.yaml met gxp-baseline 2.1.0.", RunID: id,
		Environment: f.q.Run.Environment, Result: f.q.Run.Result, RecordDigest: digest, Signatures: append(sigs, approval),
		Issued: approved, Key: key.ID(),
	}
	cert.Value = key.SignBase64(cert.Message())
	certJSON, err := json.Marshal(&cert)
	if err != nil {
		t.Fatal(err)
	}
	sign(t, approval.ID, approval.SignerID, approval.SignerName, approval.Meaning, approval.Time,
		qualstate.Review{RunID: id, State: qualstate.ReviewApproved, RecordDigest: digest, Updated: approved, CertificateDigest: qualstate.Digest(certJSON)},
		qualstate.SignedRecord{Subject: "certificate/" + id, Data: certJSON})

	after := load(t)
	t.Run("approved", func(t *testing.T) {
		if after.Review == nil || after.Review.State != qualstate.ReviewApproved || after.Review.CertificateDigest != qualstate.Digest(certJSON) {
			t.Fatalf("review %+v", after.Review)
		}
		if len(after.Signatures) != 2 || after.Signatures[0].ID != "sig-0001" || after.Signatures[1].ID != "sig-0002" {
			t.Fatalf("signatures %+v, want sig-0001 then sig-0002", after.Signatures)
		}
		if !reflect.DeepEqual(after.Certificate, &cert) {
			t.Errorf("certificate\n got %+v\nwant %+v", after.Certificate, &cert)
		}
		if err := after.Certificate.Verify(key.Public()); err != nil {
			t.Error(err)
		}
	})
	t.Run("record unchanged by the review", func(t *testing.T) {
		got := record(t, after)
		if !bytes.Equal(got, frozen) {
			t.Errorf("the record changed once the run was reviewed:\n%s", firstDifference(got, frozen))
		}
		for _, s := range after.Signatures {
			if err := s.Verify(got, key.Public()); err != nil {
				t.Error(err)
			}
		}
	})
	t.Run("report shows the approval", func(t *testing.T) {
		sec := htmlSection(t, renderQual(t, QualificationHTML, after), "review")
		for _, w := range []string{"Maria Schmidt", "Jürgen Weiß", "2026-11-24 09:30:00 UTC", "<h3>Certificate</h3>", cert.Statement} {
			if !strings.Contains(sec, w) {
				t.Errorf("review section lacks %q", w)
			}
		}
	})
	t.Run("certificate not stored", func(t *testing.T) {
		// A review naming a certificate that is not stored is an error,
		// never a report without it. The store refuses to change a decided
		// review, so the bogus one is the first of another store's run.
		other, _ := storeFixture(t)
		bogus := qualstate.Review{RunID: id, State: qualstate.ReviewApproved, RecordDigest: digest, Updated: approved.Add(time.Minute),
			CertificateDigest: strings.Repeat("0", 64)}
		sig := qualstate.Signature{ID: "sig-0003", Subject: "run/" + id, RecordDigest: digest, SignerID: "jweiss", SignerName: "Jürgen Weiß",
			Meaning: qualstate.MeaningApproved, Time: approved.Add(time.Minute), Key: key.ID()}
		sig.Value = key.SignBase64(sig.Message())
		rec := []qualstate.SignedRecord{{Subject: sig.Subject, Data: frozen}}
		if err := other.Sign(ctx, sig, qualstate.SignedChange{Records: rec, Review: &bogus}); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadQualification(ctx, other, id, Tool{}); qualstate.CodeOf(err) != qualstate.ErrNotFound {
			t.Errorf("error %v, want not-found for the missing certificate", err)
		}
	})
}
