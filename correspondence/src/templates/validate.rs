//! Checks a template file before it is used: valid Fluent, only characters
//! a letter may carry, every message the composer needs, and no variable
//! the composer does not give (walking the fluent-syntax AST, through the
//! messages and terms a message refers to).

use std::collections::{BTreeSet, HashMap};

use fluent_bundle::FluentResource;
use fluent_syntax::ast::{self, Entry, Expression, InlineExpression, Pattern, PatternElement};
use fluent_syntax::unicode::unescape_unicode_to_string;

use super::TemplateError;
use super::spec::{MessageSpec, required_messages};

/// A character no letter template (or letter) may carry: control
/// characters other than the line feed, the bidirectional overrides and
/// isolates (invisible, they reorder what a reader sees; Fluent's own
/// isolation marks among them) and a byte-order mark.
pub(crate) fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The file's text as the parser will see it: line ends normalised to
/// `\n`, a leading byte-order mark dropped, and every other character
/// checked.
pub(crate) fn normalize_source(file: &str, source: &str) -> Result<String, TemplateError> {
    let source = source.strip_prefix('\u{FEFF}').unwrap_or(source);
    let source = source.replace("\r\n", "\n");
    for (index, line) in source.split('\n').enumerate() {
        if let Some(character) = line.chars().find(|c| forbidden(*c)) {
            return Err(TemplateError::Character {
                file: file.to_owned(),
                line: index + 1,
                character,
            });
        }
    }
    Ok(source)
}

/// Parses the file; the first syntax error is reported with its line.
pub(crate) fn parse(file: &str, source: String) -> Result<FluentResource, TemplateError> {
    match FluentResource::try_new(source) {
        Ok(resource) => Ok(resource),
        Err((resource, errors)) => {
            let text = resource.source();
            let (line, error) = errors
                .first()
                .map(|e| {
                    let at = e.pos.start.min(text.len());
                    let line = text.as_bytes()[..at]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count()
                        + 1;
                    (line, e.kind.to_string())
                })
                .unwrap_or((1, "invalid Fluent".to_owned()));
            Err(TemplateError::Syntax {
                file: file.to_owned(),
                line,
                error,
            })
        }
    }
}

/// Checks every required message of a parsed file.
pub(crate) fn validate(file: &str, resource: &FluentResource) -> Result<(), TemplateError> {
    let walker = Walker::new(file, resource)?;
    for spec in required_messages() {
        walker.check(&spec)?;
    }
    Ok(())
}

struct Walker<'a> {
    file: &'a str,
    messages: HashMap<&'a str, &'a ast::Message<&'a str>>,
    terms: HashMap<&'a str, &'a ast::Term<&'a str>>,
}

/// The variables in reach where an expression is formatted: a message's
/// (the composer's) or a term's (its call's named arguments).
struct Scope<'s> {
    allowed: &'s [&'s str],
    /// True inside a term: its variables are its arguments, not the
    /// composer's, so they do not count as the message using them.
    in_term: bool,
}

impl<'a> Walker<'a> {
    fn new(file: &'a str, resource: &'a FluentResource) -> Result<Self, TemplateError> {
        let mut messages = HashMap::new();
        let mut terms = HashMap::new();
        for entry in resource.entries() {
            let duplicate = match entry {
                Entry::Message(m) => messages.insert(m.id.name, m).map(|_| m.id.name.to_owned()),
                Entry::Term(t) => terms
                    .insert(t.id.name, t)
                    .map(|_| format!("-{}", t.id.name)),
                _ => None,
            };
            if let Some(message) = duplicate {
                return Err(TemplateError::Duplicate {
                    file: file.to_owned(),
                    message,
                });
            }
        }
        Ok(Walker {
            file,
            messages,
            terms,
        })
    }

    fn check(&self, spec: &MessageSpec) -> Result<(), TemplateError> {
        let Some(message) = self.messages.get(spec.id.as_str()) else {
            return Err(TemplateError::MissingMessage {
                file: self.file.to_owned(),
                message: spec.id.clone(),
            });
        };
        let Some(value) = &message.value else {
            return Err(TemplateError::EmptyMessage {
                file: self.file.to_owned(),
                message: spec.id.clone(),
            });
        };
        let mut used = BTreeSet::new();
        let mut path = vec![spec.id.clone()];
        let scope = Scope {
            allowed: &spec.vars,
            in_term: false,
        };
        self.pattern(value, &scope, spec, &mut used, &mut path)?;
        for variable in &spec.must_use {
            if !used.contains(*variable) {
                return Err(TemplateError::VariableNotUsed {
                    file: self.file.to_owned(),
                    message: spec.id.clone(),
                    variable: (*variable).to_owned(),
                });
            }
        }
        Ok(())
    }

    fn pattern(
        &self,
        pattern: &Pattern<&'a str>,
        scope: &Scope<'_>,
        spec: &MessageSpec,
        used: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Result<(), TemplateError> {
        for element in &pattern.elements {
            if let PatternElement::Placeable { expression } = element {
                self.expression(expression, scope, spec, used, path)?;
            }
        }
        Ok(())
    }

    fn expression(
        &self,
        expression: &Expression<&'a str>,
        scope: &Scope<'_>,
        spec: &MessageSpec,
        used: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Result<(), TemplateError> {
        match expression {
            Expression::Inline(inline) => self.inline(inline, scope, spec, used, path),
            Expression::Select { selector, variants } => {
                self.inline(selector, scope, spec, used, path)?;
                for variant in variants {
                    self.pattern(&variant.value, scope, spec, used, path)?;
                }
                Ok(())
            }
        }
    }

    fn inline(
        &self,
        inline: &InlineExpression<&'a str>,
        scope: &Scope<'_>,
        spec: &MessageSpec,
        used: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Result<(), TemplateError> {
        let here = path.join(" → ");
        let here = || here.clone();
        match inline {
            InlineExpression::NumberLiteral { .. } => Ok(()),
            InlineExpression::StringLiteral { value } => {
                match unescape_unicode_to_string(value)
                    .chars()
                    .find(|c| forbidden(*c))
                {
                    Some(character) => Err(TemplateError::EscapedCharacter {
                        file: self.file.to_owned(),
                        message: here(),
                        character,
                    }),
                    None => Ok(()),
                }
            }
            InlineExpression::VariableReference { id } => {
                if !scope.allowed.contains(&id.name) {
                    let context = if scope.in_term {
                        "the term's call does not pass as an argument".to_owned()
                    } else {
                        format!(
                            "the composer does not give `{}` (it may use {})",
                            spec.id,
                            list(&spec.vars)
                        )
                    };
                    return Err(TemplateError::UnknownVariable {
                        file: self.file.to_owned(),
                        message: here(),
                        variable: id.name.to_owned(),
                        context,
                    });
                }
                if !scope.in_term {
                    used.insert(id.name.to_owned());
                }
                Ok(())
            }
            InlineExpression::FunctionReference { id, .. } => Err(TemplateError::Function {
                file: self.file.to_owned(),
                message: here(),
                function: id.name.to_owned(),
            }),
            InlineExpression::Placeable { expression } => {
                self.expression(expression, scope, spec, used, path)
            }
            InlineExpression::MessageReference { id, attribute } => {
                let name = match attribute {
                    Some(a) => format!("{}.{}", id.name, a.name),
                    None => id.name.to_owned(),
                };
                let target = self.messages.get(id.name).and_then(|m| match attribute {
                    Some(a) => m
                        .attributes
                        .iter()
                        .find(|at| at.id.name == a.name)
                        .map(|at| &at.value),
                    None => m.value.as_ref(),
                });
                let Some(target) = target else {
                    return Err(TemplateError::UnknownReference {
                        file: self.file.to_owned(),
                        message: here(),
                        reference: name,
                    });
                };
                self.enter(name, target, scope, spec, used, path)
            }
            InlineExpression::TermReference {
                id,
                attribute,
                arguments,
            } => {
                let mut names: Vec<&str> = Vec::new();
                if let Some(arguments) = arguments {
                    for positional in &arguments.positional {
                        self.inline(positional, scope, spec, used, path)?;
                    }
                    for named in &arguments.named {
                        self.inline(&named.value, scope, spec, used, path)?;
                        names.push(named.name.name);
                    }
                }
                let name = match attribute {
                    Some(a) => format!("-{}.{}", id.name, a.name),
                    None => format!("-{}", id.name),
                };
                let target = self.terms.get(id.name).and_then(|t| match attribute {
                    Some(a) => t
                        .attributes
                        .iter()
                        .find(|at| at.id.name == a.name)
                        .map(|at| &at.value),
                    None => Some(&t.value),
                });
                let Some(target) = target else {
                    return Err(TemplateError::UnknownReference {
                        file: self.file.to_owned(),
                        message: here(),
                        reference: name,
                    });
                };
                let term_scope = Scope {
                    allowed: &names,
                    in_term: true,
                };
                self.enter(name, target, &term_scope, spec, used, path)
            }
        }
    }

    /// Walks a referenced message or term, refusing a circle.
    fn enter(
        &self,
        name: String,
        target: &Pattern<&'a str>,
        scope: &Scope<'_>,
        spec: &MessageSpec,
        used: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Result<(), TemplateError> {
        if path.contains(&name) {
            return Err(TemplateError::Cycle {
                file: self.file.to_owned(),
                message: path.join(" → "),
                through: name,
            });
        }
        path.push(name);
        let result = self.pattern(target, scope, spec, used, path);
        path.pop();
        result
    }
}

fn list(vars: &[&str]) -> String {
    if vars.is_empty() {
        return "no variables".to_owned();
    }
    vars.iter()
        .map(|v| format!("${v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
