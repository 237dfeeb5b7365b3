package filtering

import (
	"strings"
	"unicode/utf8"
)

// tokenKind classifies the tokens of a filter.
type tokenKind int

const (
	tokEOF     tokenKind = iota
	tokWord              // a field name, a keyword (AND, OR, NOT) or a bare value (CONFIRMED, true)
	tokString            // a quoted string; value holds it unescaped
	tokNumber            // digits, optionally with a fraction and an exponent
	tokLParen            // (
	tokRParen            // )
	tokMinus             // - (negation, or the sign of a number)
	tokCompare           // = != < <= > >=
	tokHas               // : (AIP-160's "has", not supported)
)

// token is one lexeme of a filter.
type token struct {
	kind  tokenKind
	text  string // as written
	value string // unescaped content of a tokString
	off   int    // byte offset in the filter
}

// lexError is a lexical error at a byte offset. bad is the offending
// character when the error is an unexpected character (0 otherwise).
type lexError struct {
	off int
	msg string
	bad rune
}

// lexer splits a filter into tokens on demand, so the parser can explain a
// bad character in the context it occurs in (e.g. as the value of a field).
type lexer struct {
	src string
	off int
}

func isWordStart(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '$'
}

func isWordPart(r rune) bool {
	return isWordStart(r) || r >= '0' && r <= '9' || r == '.'
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// next returns the next token, or a lexical error.
func (l *lexer) next() (token, *lexError) {
	for l.off < len(l.src) && isSpace(rune(l.src[l.off])) {
		l.off++
	}
	start := l.off
	if start >= len(l.src) {
		return token{kind: tokEOF, off: start}, nil
	}
	r, size := utf8.DecodeRuneInString(l.src[start:])
	switch {
	case r == '(':
		l.off++
		return token{kind: tokLParen, text: "(", off: start}, nil
	case r == ')':
		l.off++
		return token{kind: tokRParen, text: ")", off: start}, nil
	case r == '-':
		l.off++
		return token{kind: tokMinus, text: "-", off: start}, nil
	case r == ':':
		l.off++
		return token{kind: tokHas, text: ":", off: start}, nil
	case r == '=':
		l.off++
		return token{kind: tokCompare, text: "=", off: start}, nil
	case r == '!':
		if strings.HasPrefix(l.src[start:], "!=") {
			l.off += 2
			return token{kind: tokCompare, text: "!=", off: start}, nil
		}
		return token{}, &lexError{off: start, msg: `"!" must be followed by "=" (the operator is !=)`}
	case r == '<' || r == '>':
		l.off++
		if l.off < len(l.src) && l.src[l.off] == '=' {
			l.off++
		}
		return token{kind: tokCompare, text: l.src[start:l.off], off: start}, nil
	case r == '"' || r == '\'':
		return l.quoted(r)
	case isDigit(r):
		return l.number()
	case isWordStart(r):
		for l.off < len(l.src) && isWordPart(rune(l.src[l.off])) {
			l.off++
		}
		return token{kind: tokWord, text: l.src[start:l.off], off: start}, nil
	default:
		l.off += size
		return token{}, &lexError{off: start, msg: "unexpected character", bad: r}
	}
}

// number lexes digits, an optional fraction and an optional exponent.
func (l *lexer) number() (token, *lexError) {
	start := l.off
	digits := func() int {
		n := 0
		for l.off < len(l.src) && isDigit(rune(l.src[l.off])) {
			l.off++
			n++
		}
		return n
	}
	digits()
	if l.off < len(l.src) && l.src[l.off] == '.' {
		l.off++
		if digits() == 0 {
			return token{}, &lexError{off: start, msg: "a number needs digits after its decimal point"}
		}
	}
	if l.off < len(l.src) && (l.src[l.off] == 'e' || l.src[l.off] == 'E') {
		l.off++
		if l.off < len(l.src) && (l.src[l.off] == '+' || l.src[l.off] == '-') {
			l.off++
		}
		if digits() == 0 {
			return token{}, &lexError{off: start, msg: "a number needs digits in its exponent"}
		}
	}
	if l.off < len(l.src) {
		if r, _ := utf8.DecodeRuneInString(l.src[l.off:]); isWordPart(r) {
			return token{}, &lexError{off: start, msg: "a number must not run into letters; quote text values"}
		}
	}
	return token{kind: tokNumber, text: l.src[start:l.off], off: start}, nil
}

// quoted lexes a string in double or single quotes with the escapes \\ \"
// \' \n \t and \r.
func (l *lexer) quoted(quote rune) (token, *lexError) {
	start := l.off
	l.off++ // opening quote
	var b strings.Builder
	for l.off < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.off:])
		switch r {
		case quote:
			l.off += size
			return token{kind: tokString, text: l.src[start:l.off], value: b.String(), off: start}, nil
		case '\\':
			if l.off+1 >= len(l.src) {
				return token{}, &lexError{off: start, msg: "unterminated string"}
			}
			switch e := l.src[l.off+1]; e {
			case '\\', '"', '\'':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				return token{}, &lexError{off: l.off, msg: `unknown escape in a string; use \\ \" \' \n \t or \r`}
			}
			l.off += 2
		default:
			b.WriteRune(r)
			l.off += size
		}
	}
	return token{}, &lexError{off: start, msg: "unterminated string"}
}
