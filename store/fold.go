package store

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Folding of names for search and sort. A name is split into words at
// every character that is neither a letter nor a digit, so "von der
// Heide" gives three words and "Meyer-Lüdenscheidt" two. Each word is
// folded to lower case with ß as ss and other accents dropped; ä, ö and ü
// fold both to a, o, u and to ae, oe, ue, so that "müller", "muller" and
// "mueller" all find MÜLLER.

var umlautVowel = map[rune]rune{'ä': 'a', 'ö': 'o', 'ü': 'u'}

// fold returns s in lower case with ß as ss and ä, ö, ü as a, o, u (or as
// ae, oe, ue when twoLetter is set). It drops other accents and every
// character that is neither a letter nor a digit.
func fold(s string, twoLetter bool) string {
	var b strings.Builder
	for _, r := range norm.NFC.String(strings.ToLower(s)) {
		switch r {
		case 'ß':
			b.WriteString("ss")
			continue
		case 'ä', 'ö', 'ü':
			b.WriteRune(umlautVowel[r])
			if twoLetter {
				b.WriteByte('e')
			}
			continue
		}
		for _, d := range norm.NFD.String(string(r)) {
			if unicode.IsLetter(d) || unicode.IsDigit(d) {
				b.WriteRune(d)
			}
		}
	}
	return b.String()
}

// words splits s at every character that is neither a letter nor a digit.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// variants returns the distinct folded forms of a word.
func variants(w string) []string {
	one, two := fold(w, false), fold(w, true)
	if one == two {
		return []string{one}
	}
	return []string{one, two}
}

// NameTerms returns the search terms of a trainee: each word of the names
// in both folded forms, and the trainee number and each of its words in
// lower case.
func NameTerms(number string, names ...string) []string {
	seen := map[string]bool{}
	var terms []string
	add := func(t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	add(strings.ToLower(number))
	for _, w := range words(number) {
		add(strings.ToLower(w))
	}
	for _, n := range names {
		for _, w := range words(n) {
			for _, v := range variants(w) {
				add(v)
			}
		}
	}
	return terms
}

// QueryTerms splits a search into words and returns the folded forms of
// each: a record matches when, for every word, one of its forms begins one
// of the record's terms.
func QueryTerms(q string) [][]string {
	var out [][]string
	for _, w := range words(q) {
		if vs := variants(w); vs[0] != "" {
			out = append(out, vs)
		}
	}
	return out
}

// SortKey returns the key that orders names in German order after DIN
// 5007-2: lower case, ä, ö, ü as ae, oe, ue, ß as ss, other accents
// dropped. Words keep a space between them, and parts join with \x01 so
// that a shorter last name sorts before a longer one that begins with it.
func SortKey(parts ...string) string {
	keys := make([]string, len(parts))
	for i, p := range parts {
		ws := words(p)
		for j, w := range ws {
			ws[j] = fold(w, true)
		}
		keys[i] = strings.Join(ws, " ")
	}
	return strings.Join(keys, "\x01")
}
