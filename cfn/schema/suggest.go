package schema

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// suggest returns the candidate a misspelt word most likely meant, or ""
// when none is close: a candidate equal but for case, else the nearest by
// edit distance within a third of the word's length (at least 1, at most
// 3), else the one candidate the word begins.
func suggest(word string, candidates []string) string {
	best, bestDist := "", -1
	limit := utf8.RuneCountInString(word) / 3
	limit = max(1, min(3, limit))
	lower := strings.ToLower(word)
	for _, c := range candidates {
		if strings.EqualFold(c, word) {
			return c
		}
		d := editDistance(lower, strings.ToLower(c), limit)
		if d <= limit && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	if best != "" || utf8.RuneCountInString(word) < 4 {
		return best
	}
	// A shortened name ("VersioningConfig") is far from the full one by
	// edit distance but plainly meant it, when only one name starts so.
	for _, c := range candidates {
		if strings.HasPrefix(strings.ToLower(c), lower) {
			if best != "" {
				return ""
			}
			best = c
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b counted in
// runes, with adjacent transpositions as one edit; past limit it returns
// limit+1 without finishing, as only close words matter.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// suggestEnum returns the allowed string that a value differs from only in
// case or by a small slip ("enabled" for "Enabled").
func suggestEnum(got any, allowed []any) string {
	s, ok := got.(string)
	if !ok || s == "" {
		return ""
	}
	var candidates []string
	for _, a := range allowed {
		if as, ok := a.(string); ok {
			candidates = append(candidates, as)
		}
	}
	if best := suggest(s, candidates); best != "" {
		return best
	}
	// Separators and case vary the most: "AES-256" for "AES256".
	squash := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return unicode.ToLower(r)
			}
			return -1
		}, s)
	}
	for _, c := range candidates {
		if squash(c) == squash(s) && squash(s) != "" {
			return c
		}
	}
	return ""
}
