//! SQL parsing: split a file into statements with byte spans, then lower each statement into
//! the [`ops`] model.
//!
//! Splitting uses sqlparser's tokenizer (it understands `$$` bodies, nested comments and
//! strings). Each statement is parsed on its own so one statement sqlparser rejects does not
//! hide the rest; a rejected statement is lowered from its tokens instead, and one neither
//! path understands becomes [`ops::Op::Unknown`]. Parsing never fails and never panics.
//!
//! The file is tokenized once (`split.rs`); each statement's tokens are handed to the parser
//! as they are. Template placeholders (`{{ .X }}`, `${x}`, psql `:var` and `\set` lines) are
//! masked beforehand with same-length text, so every span still indexes the original file.

mod lower_ast;
mod lower_tokens;
pub mod ops;
mod split;
mod types;
mod view;

use serde::Serialize;
use sqlparser::dialect::{Dialect as SqlDialect, GenericDialect, PostgreSqlDialect};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan};

pub use ops::*;
pub use types::{
    IMMUTABLE_FUNCTIONS, STABLE_FUNCTIONS, STABLE_KEYWORDS, VOLATILE_FUNCTIONS, function_volatility,
};

use crate::span::Span;
use split::{Lexed, Piece};
use view::View;

/// Which SQL dialect to tokenize and parse with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Generic,
}

/// A parsed SQL file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ParsedSql {
    /// Statements in file order; empty statements (`;;`) are skipped.
    pub statements: Vec<Statement>,
    /// Every comment in the file, in order (migration directives live in comments).
    pub comments: Vec<Comment>,
}

/// A comment and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub span: Span,
    /// The full comment text, including `--` or `/* */`.
    pub text: String,
}

/// Statements with more chaining tokens than this are not handed to sqlparser: a chain of
/// binary operators (or `COLLATE`, `IS`, `AT TIME ZONE`, ...) becomes an AST as deep as the
/// chain, and dropping it recurses once per level. The token lowering handles them instead.
const MAX_AST_CHAIN: usize = 5000;

/// Keywords that build one more level of expression each time they are repeated.
const CHAIN_WORDS: &[&str] = &[
    "and", "at", "between", "collate", "escape", "ilike", "in", "is", "like", "not", "or",
    "overlaps", "similar",
];

/// Parses a SQL file. Never fails: what cannot be understood becomes [`Op::Unknown`].
pub fn parse(text: &str, dialect: Dialect) -> ParsedSql {
    let sql_dialect: &dyn SqlDialect = match dialect {
        Dialect::Postgres => &PostgreSqlDialect {},
        Dialect::Generic => &GenericDialect {},
    };
    let masked = split::mask(text);
    // Comments are never masked, so their text in `masked` is the original text.
    let split = split::split(&masked, sql_dialect);
    let statements = split
        .pieces
        .iter()
        .filter_map(|piece| lower_piece(text, &split.lexed, piece, sql_dialect))
        .collect();
    ParsedSql {
        statements,
        comments: split.comments,
    }
}

fn lower_piece(
    text: &str,
    lexed: &Lexed,
    piece: &Piece,
    dialect: &dyn SqlDialect,
) -> Option<Statement> {
    match piece {
        Piece::Failed { span, reason } => Some(Statement {
            span: *span,
            head: first_word(text, *span),
            op: Op::Unknown {
                reason: reason.clone(),
            },
            source: Lowering::Unknown,
        }),
        Piece::Stmt { range, span, block } => {
            let v = View::new(text, lexed, range.clone(), *block);
            if v.is_empty() {
                return None;
            }
            let head = lower_tokens::head(&v).map_or(1, |(n, _)| n.max(1));
            let parser_toks = lexed
                .toks
                .get(View::parser_range(lexed, range.clone(), *block))
                .unwrap_or(&[]);
            let (op, source) = lower(&v, parser_toks, dialect);
            Some(Statement {
                span: *span,
                head: v.span(0..head),
                op,
                source,
            })
        }
    }
}

/// Lowers one statement: from sqlparser's AST when it parses and is modelled, else from its
/// tokens, else `Unknown` with the parser's complaint.
fn lower(v: &View, toks: &[TokenWithSpan], dialect: &dyn SqlDialect) -> (Op, Lowering) {
    let reason = match parse_one(v, toks, dialect) {
        Ok(stmt) => match lower_ast::lower(&stmt, v) {
            Some(op) => return (op, Lowering::Ast),
            None => "statement not recognised".to_string(),
        },
        Err(reason) => reason,
    };
    match lower_tokens::lower(v) {
        Some(op) => (op, Lowering::Tokens),
        None => (Op::Unknown { reason }, Lowering::Unknown),
    }
}

/// Parses exactly one statement from its tokens.
fn parse_one(
    v: &View,
    toks: &[TokenWithSpan],
    dialect: &dyn SqlDialect,
) -> Result<sqlparser::ast::Statement, String> {
    if chain_count(v) > MAX_AST_CHAIN {
        return Err("statement too large for the parser".to_string());
    }
    // Whitespace and comments only matter to sqlparser for COPY payloads (masked away) and
    // other dialects' hint comments; leaving them out makes the copy and the parse cheaper.
    let toks = toks
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .cloned()
        .collect();
    let mut stmts = Parser::new(dialect)
        .with_tokens_with_locations(toks)
        .parse_statements()
        .map_err(|e| e.to_string())?;
    match (stmts.pop(), stmts.is_empty()) {
        (Some(stmt), true) => Ok(stmt),
        (Some(_), false) => Err("more than one statement".to_string()),
        (None, _) => Err("no statement".to_string()),
    }
}

/// Number of tokens that may each add a level to an expression tree.
fn chain_count(v: &View) -> usize {
    v.toks
        .iter()
        .filter(|t| match t.token {
            Token::Word(w) => {
                w.quote_style.is_none()
                    && CHAIN_WORDS.iter().any(|k| w.value.eq_ignore_ascii_case(k))
            }
            Token::Number(..)
            | Token::Comma
            | Token::LParen
            | Token::RParen
            | Token::Period
            | Token::SemiColon
            | Token::Placeholder(_)
            | Token::Char(_) => false,
            token => !is_literal(token),
        })
        .count()
}

fn is_literal(token: &Token) -> bool {
    matches!(
        token,
        Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::DollarQuotedString(_)
            | Token::EscapedStringLiteral(_)
            | Token::NationalStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
            | Token::HexStringLiteral(_)
            | Token::SingleQuotedByteStringLiteral(_)
    )
}

/// The leading word of a piece the tokenizer rejected (at least its first character).
fn first_word(text: &str, span: Span) -> Span {
    let s = span.slice(text);
    let end = s
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(s.len(), |(i, _)| i);
    let end = if end == 0 {
        s.chars().next().map_or(0, char::len_utf8)
    } else {
        end
    };
    Span::new(span.start, span.start + end)
}

#[cfg(test)]
mod tests;
