//! Checks a template file before it is used: valid Fluent, only characters
//! a letter may carry, every message the composer needs, and no variable
//! the composer does not give (walking the fluent-syntax AST, through the
//! messages and terms a message refers to).

use std::cell::RefCell;
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

/// Checks every required message of a parsed file, then that the file
/// defines nothing no letter uses (a misspelt message id would otherwise
/// be silently left out of every letter).
pub(crate) fn validate(file: &str, resource: &FluentResource) -> Result<(), TemplateError> {
    let walker = Walker::new(file, resource)?;
    let required = required_messages();
    for spec in &required {
        walker.check(spec)?;
    }
    let reached = walker.reached.borrow();
    for entry in resource.entries() {
        let name = match entry {
            Entry::Message(m) => m.id.name.to_owned(),
            Entry::Term(t) => format!("-{}", t.id.name),
            _ => continue,
        };
        if !reached.contains(&name) {
            return Err(TemplateError::Unused {
                file: file.to_owned(),
                message: name,
            });
        }
    }
    Ok(())
}

/// The variables a pattern prints whichever variant is chosen (a select
/// counts a variable only when every variant prints it).
type Printed = BTreeSet<String>;

struct Walker<'a> {
    file: &'a str,
    messages: HashMap<&'a str, &'a ast::Message<&'a str>>,
    terms: HashMap<&'a str, &'a ast::Term<&'a str>>,
    /// Every message and term (`-name`) reached from a required message.
    reached: RefCell<BTreeSet<String>>,
}

/// The variables in reach where an expression is formatted: a message's
/// (the composer's) or a term's (its call's named arguments).
struct Scope<'s> {
    allowed: &'s [&'s str],
    /// True inside a term: its variables are its arguments, not the
    /// composer's, so they do not count as the message printing them.
    in_term: bool,
}

/// Where the walk is: the required message and the references followed.
struct At<'p> {
    spec: &'p MessageSpec,
    path: Vec<String>,
}

impl At<'_> {
    fn here(&self) -> String {
        self.path.join(" → ")
    }
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
            reached: RefCell::new(BTreeSet::new()),
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
        self.reached.borrow_mut().insert(spec.id.clone());
        let mut at = At {
            spec,
            path: vec![spec.id.clone()],
        };
        let scope = Scope {
            allowed: &spec.vars,
            in_term: false,
        };
        let printed = self.pattern(value, &scope, &mut at)?;
        for variable in &spec.must_use {
            if !printed.contains(*variable) {
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
        at: &mut At<'_>,
    ) -> Result<Printed, TemplateError> {
        let mut printed = Printed::new();
        for element in &pattern.elements {
            if let PatternElement::Placeable { expression } = element {
                printed.extend(self.expression(expression, scope, at)?);
            }
        }
        Ok(printed)
    }

    fn expression(
        &self,
        expression: &Expression<&'a str>,
        scope: &Scope<'_>,
        at: &mut At<'_>,
    ) -> Result<Printed, TemplateError> {
        match expression {
            Expression::Inline(inline) => self.inline(inline, scope, at),
            Expression::Select { selector, variants } => {
                // The selector is checked, but choosing by a variable is
                // not printing it.
                self.inline(selector, scope, at)?;
                let mut every: Option<Printed> = None;
                for variant in variants {
                    let printed = self.pattern(&variant.value, scope, at)?;
                    every = Some(match every {
                        None => printed,
                        Some(so_far) => so_far.intersection(&printed).cloned().collect(),
                    });
                }
                Ok(every.unwrap_or_default())
            }
        }
    }

    fn inline(
        &self,
        inline: &InlineExpression<&'a str>,
        scope: &Scope<'_>,
        at: &mut At<'_>,
    ) -> Result<Printed, TemplateError> {
        match inline {
            InlineExpression::NumberLiteral { .. } => Ok(Printed::new()),
            InlineExpression::StringLiteral { value } => {
                match unescape_unicode_to_string(value)
                    .chars()
                    .find(|c| forbidden(*c))
                {
                    Some(character) => Err(TemplateError::EscapedCharacter {
                        file: self.file.to_owned(),
                        message: at.here(),
                        character,
                    }),
                    None => Ok(Printed::new()),
                }
            }
            InlineExpression::VariableReference { id } => {
                if !scope.allowed.contains(&id.name) {
                    let context = if scope.in_term {
                        "the term's call does not pass as an argument".to_owned()
                    } else {
                        format!(
                            "the composer does not give `{}` (it may use {})",
                            at.spec.id,
                            list(&at.spec.vars)
                        )
                    };
                    return Err(TemplateError::UnknownVariable {
                        file: self.file.to_owned(),
                        message: at.here(),
                        variable: id.name.to_owned(),
                        context,
                    });
                }
                let mut printed = Printed::new();
                if !scope.in_term {
                    printed.insert(id.name.to_owned());
                }
                Ok(printed)
            }
            InlineExpression::FunctionReference { id, .. } => Err(TemplateError::Function {
                file: self.file.to_owned(),
                message: at.here(),
                function: id.name.to_owned(),
            }),
            InlineExpression::Placeable { expression } => self.expression(expression, scope, at),
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
                        message: at.here(),
                        reference: name,
                    });
                };
                self.reached.borrow_mut().insert(id.name.to_owned());
                self.enter(name, target, scope, at)
            }
            InlineExpression::TermReference {
                id,
                attribute,
                arguments,
            } => {
                // Fluent allows only literals as a term's arguments.
                let mut names: Vec<&str> = Vec::new();
                if let Some(arguments) = arguments {
                    for positional in &arguments.positional {
                        self.inline(positional, scope, at)?;
                    }
                    for named in &arguments.named {
                        self.inline(&named.value, scope, at)?;
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
                        message: at.here(),
                        reference: name,
                    });
                };
                self.reached.borrow_mut().insert(format!("-{}", id.name));
                let term_scope = Scope {
                    allowed: &names,
                    in_term: true,
                };
                self.enter(name, target, &term_scope, at)
            }
        }
    }

    /// Walks a referenced message or term, refusing a circle.
    fn enter(
        &self,
        name: String,
        target: &Pattern<&'a str>,
        scope: &Scope<'_>,
        at: &mut At<'_>,
    ) -> Result<Printed, TemplateError> {
        if at.path.contains(&name) {
            return Err(TemplateError::Cycle {
                file: self.file.to_owned(),
                message: at.here(),
                through: name,
            });
        }
        at.path.push(name);
        let result = self.pattern(target, scope, at);
        at.path.pop();
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
