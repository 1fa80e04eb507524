package report

import (
	"bytes"

	"qualstate"
)

// QualificationRecord returns the qualification record of a finished run:
// the exact bytes electronic signatures on the run sign, whose SHA-256 is
// Review.RecordDigest. It is the qualstate.run/v1 document QualificationJSON
// writes, without review, signatures and certificate (they are about the
// record, not in it) and with "generated" set to the run's Finished time
// instead of when the report was made, so the same recorded run gives the
// same bytes whenever it is asked for. ReadQualificationJSON reads it back.
//
// The document names q.Tool, the program writing it: a record made by
// another version of qualstate may differ in that and in the fields that
// version writes, which is why the bytes signed are kept, not remade.
//
// A run that has not finished has no record yet: more may still be
// recorded. Asking for one is an ErrConflict.
func QualificationRecord(q *Qualification) ([]byte, error) {
	if err := checkQualification(q); err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "qualification record: %w", err)
	}
	if !q.Run.Status.Finished() {
		return nil, qualstate.Errorf(qualstate.ErrConflict, qualstate.Location{},
			"qualification record of run %s: the run has not finished (status %q), so its record is not final", q.Run.ID, q.Run.Status)
	}
	record := *q
	record.Review, record.Signatures, record.Certificate = nil, nil, nil
	record.Generated = q.Run.Finished
	var buf bytes.Buffer
	if err := QualificationJSON(&buf, &record); err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "qualification record of run %s: %w", q.Run.ID, err)
	}
	return buf.Bytes(), nil
}
