package sign

// SetCheapHashing makes the service hash new passwords with argon2id's
// smallest costs: the real costs take a third of a second a hash, and the
// tests hash hundreds. Verification reads the costs from each hash, so
// nothing else changes.
func SetCheapHashing(s *Service) { s.params = hashParams{Memory: 64, Time: 1, Threads: 1} }
