//! The text form: `cpus:4;mem:1024;ports:[31000-32000];cpus(ads):8;bugs:{a,b}`.

use std::fmt;
use std::str::FromStr;

use super::resource::{validate_item, validate_name};
use super::role::validate_role;
use super::{Ranges, Resource, Resources, ResourcesError, Scalar, Set, Value};

impl Resources {
    /// Parses the Mesos text form; the same name and role given twice add up.
    pub fn parse(text: &str) -> Result<Resources, ResourcesError> {
        let fail = |reason: String| ResourcesError::Text {
            input: text.to_string(),
            reason,
        };
        let mut resources = Resources::new();
        for token in tokens(text) {
            let resource = parse_resource(token, text).map_err(fail)?;
            resources.merge(resource).map_err(fail)?;
        }
        Ok(resources)
    }
}

impl FromStr for Resources {
    type Err = ResourcesError;

    fn from_str(text: &str) -> Result<Resources, ResourcesError> {
        Resources::parse(text)
    }
}

impl fmt::Display for Resources {
    /// The canonical text form, which [`Resources::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, resource) in self.iter().enumerate() {
            if index > 0 {
                f.write_str(";")?;
            }
            resource.fmt(f)?;
        }
        Ok(())
    }
}

/// The non-empty, trimmed `;`-separated tokens.
pub(crate) fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(';')
        .map(str::trim)
        .filter(|token| !token.is_empty())
}

/// Splits `name:value` at the first `:`, naming the token when it is not the whole input.
pub(crate) fn split_token<'a>(token: &'a str, input: &str) -> Result<(&'a str, &'a str), String> {
    let Some((name, value)) = token.split_once(':') else {
        return Err(if token == input.trim() {
            "missing ':'".to_string()
        } else {
            format!("missing ':' in '{token}'")
        });
    };
    let (name, value) = (name.trim(), value.trim());
    if value.is_empty() {
        return Err(format!("missing value for '{name}' in '{token}'"));
    }
    Ok((name, value))
}

fn parse_resource(token: &str, input: &str) -> Result<Resource, String> {
    let (head, text) = split_token(token, input)?;
    let (name, role) = parse_head(head, token)?;
    validate_name(name).map_err(|reason| format!("{reason} in '{token}'"))?;
    if let Some(role) = role {
        validate_role(role)
            .map_err(|reason| format!("invalid role '{role}' for '{name}': {reason}"))?;
    }
    let value = match Bracketed::classify(text, token)? {
        Bracketed::Ranges(body) => Value::Ranges(parse_ranges(body)?),
        Bracketed::Set(body) => Value::Set(parse_set(body)?),
        Bracketed::Plain(text) => Value::Scalar(parse_quantity(text, name)?),
    };
    Ok(Resource {
        name: name.to_string(),
        value,
        role: role.map(str::to_string),
    })
}

/// Splits `name(role)` into the name and the role.
fn parse_head<'a>(head: &'a str, token: &str) -> Result<(&'a str, Option<&'a str>), String> {
    let Some((name, rest)) = head.split_once('(') else {
        if head.contains(')') {
            return Err(format!("unbalanced ')' in '{token}'"));
        }
        return Ok((head, None));
    };
    let Some(role) = rest.strip_suffix(')') else {
        return Err(if rest.contains(')') {
            format!("unexpected text after ')' in '{token}'")
        } else {
            format!("unbalanced '(' in '{token}'")
        });
    };
    if role.contains('(') || role.contains(')') {
        return Err(format!("unbalanced '(' in '{token}'"));
    }
    Ok((name.trim(), Some(role.trim())))
}

/// A value text by its brackets.
pub(crate) enum Bracketed<'a> {
    Ranges(&'a str),
    Set(&'a str),
    Plain(&'a str),
}

impl<'a> Bracketed<'a> {
    /// Finds the brackets of `text`, rejecting unbalanced or stray ones.
    pub(crate) fn classify(text: &'a str, token: &str) -> Result<Bracketed<'a>, String> {
        let pairs = [('[', ']'), ('{', '}')];
        for (open, close) in pairs {
            if let Some(rest) = text.strip_prefix(open) {
                let Some(end) = rest.find(close) else {
                    return Err(format!("unbalanced '{open}' in '{token}'"));
                };
                let (body, after) = (&rest[..end], rest[end + 1..].trim());
                if !after.is_empty() {
                    return Err(format!("unexpected '{after}' after '{close}' in '{token}'"));
                }
                if let Some(stray) = body.chars().find(|c| "[]{}".contains(*c)) {
                    return Err(format!("unbalanced '{stray}' in '{token}'"));
                }
                return Ok(if open == '[' {
                    Bracketed::Ranges(body)
                } else {
                    Bracketed::Set(body)
                });
            }
        }
        if let Some(stray) = text.chars().find(|c| "[]{}".contains(*c)) {
            return Err(format!("unbalanced '{stray}' in '{token}'"));
        }
        Ok(Bracketed::Plain(text))
    }
}

/// Parses a finite number to a scalar, allowing negative values.
pub(crate) fn parse_number(text: &str) -> Result<Scalar, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if !value.is_finite() {
        return Err(format!("'{text}' is not a finite number"));
    }
    Scalar::try_from_f64(value).ok_or_else(|| format!("'{text}' is too large"))
}

/// Parses a resource quantity: a finite, non-negative number.
fn parse_quantity(text: &str, name: &str) -> Result<Scalar, String> {
    let value = parse_number(text)?;
    if text.starts_with('-') && !value.is_zero() {
        return Err(format!("negative value {text} for '{name}'"));
    }
    Ok(value)
}

/// Parses the inside of `[1-10,20-30]`; a single number is a one-value range.
pub(crate) fn parse_ranges(body: &str) -> Result<Ranges, String> {
    if body.trim().is_empty() {
        return Ok(Ranges::new());
    }
    let mut spans = Vec::new();
    for item in body.split(',').map(str::trim) {
        spans.push(parse_span(item, body)?);
    }
    ranges_from_spans(spans)
}

/// Builds ranges from `(begin, end)` pairs, rejecting reversed and overlapping ones
/// (adjacent ones merge), so a typo cannot silently widen a range.
pub(crate) fn ranges_from_spans(mut spans: Vec<(u64, u64)>) -> Result<Ranges, String> {
    if let Some((begin, end)) = spans.iter().find(|(begin, end)| begin > end) {
        return Err(format!("range {begin}-{end} ends before it begins"));
    }
    spans.sort_unstable();
    // Sorted by begin, the first overlap (if any) is between neighbours.
    for pair in spans.windows(2) {
        if let [(b1, e1), (b2, e2)] = *pair {
            if b2 <= e1 {
                return Err(format!("ranges {b1}-{e1} and {b2}-{e2} overlap"));
            }
        }
    }
    Ok(spans.into_iter().map(|(begin, end)| begin..=end).collect())
}

fn parse_span(item: &str, body: &str) -> Result<(u64, u64), String> {
    if item.is_empty() {
        return Err(format!("empty range in '[{body}]'"));
    }
    let bound = |text: &str| -> Result<u64, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err(format!("'{item}' is not a range"));
        }
        text.parse::<u64>()
            .map_err(|_| format!("'{text}' is not a number"))
    };
    match item.split_once('-') {
        Some((begin, end)) => Ok((bound(begin)?, bound(end)?)),
        None => {
            let value = bound(item)?;
            Ok((value, value))
        }
    }
}

/// Parses the inside of `{a,b,c}`.
pub(crate) fn parse_set(body: &str) -> Result<Set, String> {
    if body.trim().is_empty() {
        return Ok(Set::new());
    }
    set_from_items(body.split(',').map(str::trim))
        .map_err(|reason| format!("{reason} in '{{{body}}}'"))
}

/// Builds a set, rejecting invalid and repeated items.
pub(crate) fn set_from_items<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Set, String> {
    let mut set = Set::new();
    for item in items {
        validate_item(item)?;
        if !set.insert(item) {
            return Err(format!("duplicate item '{item}'"));
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        match Resources::parse(text) {
            Ok(parsed) => format!("parsed as '{parsed}'"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn parses_the_mesos_example() {
        let text = "cpus:4;mem:1024;disk:4096;ports:[31000-32000,33000-33010];gpus:2;cpus(ads):8;bugs:{a,b,c}";
        let resources = Resources::parse(text).expect("valid");
        assert_eq!(
            resources.to_string(),
            "bugs:{a,b,c};cpus:4;cpus(ads):8;disk:4096;gpus:2;mem:1024;ports:[31000-32000,33000-33010]"
        );
        assert_eq!(resources.scalar("cpus"), Some(Scalar::from_units(12)));
    }

    #[test]
    fn text_round_trips() {
        for text in [
            "",
            "cpus:4",
            "cpus:0.5;cpus(ads):8;mem:1024;ports:[31000-32000]",
            "bugs:{a,b,c};cpus(a/b):0.001;disk(x):1",
            "ports:[1-1,3-5]",
        ] {
            let parsed = Resources::parse(text).expect("valid");
            assert_eq!(parsed.to_string(), text);
            assert_eq!(Resources::parse(&parsed.to_string()), Ok(parsed));
        }
    }

    #[test]
    fn whitespace_separators_and_repeats() {
        let resources: Resources = " cpus : 1 ; mem:2;; cpus:1.5 ; ports : [ 1 - 2 , 3-4 ] ;"
            .parse()
            .expect("valid");
        assert_eq!(resources.to_string(), "cpus:2.5;mem:2;ports:[1-4]");
        assert_eq!(
            Resources::parse("ports:[1-2];ports:[2-5];bugs:{a};bugs:{b}").map(|r| r.to_string()),
            Ok("bugs:{a,b};ports:[1-5]".to_string())
        );
        assert_eq!(Resources::parse("cpus(*):1"), Resources::parse("cpus:1"));
        assert_eq!(Resources::parse("   "), Ok(Resources::new()));
        assert_eq!(Resources::parse("cpus:0"), Ok(Resources::new()));
        assert_eq!(
            Resources::parse("ports:[7]").map(|r| r.to_string()),
            Ok("ports:[7-7]".to_string())
        );
    }

    #[test]
    fn errors_quote_input_and_token() {
        let cases = [
            ("cpus:x", "invalid resources 'cpus:x': 'x' is not a number"),
            ("mem:-5", "invalid resources 'mem:-5': negative value -5 for 'mem'"),
            ("ports:[5-1]", "invalid resources 'ports:[5-1]': range 5-1 ends before it begins"),
            (
                "ports:[1-10,5-20]",
                "invalid resources 'ports:[1-10,5-20]': ranges 1-10 and 5-20 overlap",
            ),
            (
                "ports:[1-100,5-6,200-300]",
                "invalid resources 'ports:[1-100,5-6,200-300]': ranges 1-100 and 5-6 overlap",
            ),
            ("cpus", "invalid resources 'cpus': missing ':'"),
            ("cpus:1;mem", "invalid resources 'cpus:1;mem': missing ':' in 'mem'"),
            (
                "cpus:1;cpus:[1-2]",
                "invalid resources 'cpus:1;cpus:[1-2]': 'cpus' has two types (SCALAR and RANGES)",
            ),
            (
                "cpus:1;cpus(ads):{a}",
                "invalid resources 'cpus:1;cpus(ads):{a}': 'cpus' has two types (SCALAR and SET)",
            ),
            ("cpus:nan", "invalid resources 'cpus:nan': 'nan' is not a finite number"),
            ("cpus:inf", "invalid resources 'cpus:inf': 'inf' is not a finite number"),
            ("cpus:1e300", "invalid resources 'cpus:1e300': '1e300' is too large"),
            ("ports:[1-2", "invalid resources 'ports:[1-2': unbalanced '[' in 'ports:[1-2'"),
            ("ports:1-2]", "invalid resources 'ports:1-2]': unbalanced ']' in 'ports:1-2]'"),
            ("bugs:{a,b", "invalid resources 'bugs:{a,b': unbalanced '{' in 'bugs:{a,b'"),
            ("bugs:{a{b}", "invalid resources 'bugs:{a{b}': unbalanced '{' in 'bugs:{a{b}'"),
            (
                "ports:[1-2]x",
                "invalid resources 'ports:[1-2]x': unexpected 'x' after ']' in 'ports:[1-2]x'",
            ),
            (":5", "invalid resources ':5': empty name in ':5'"),
            ("cpus:", "invalid resources 'cpus:': missing value for 'cpus' in 'cpus:'"),
            (
                "cpus():1",
                "invalid resources 'cpus():1': invalid role '' for 'cpus': a role may not be empty",
            ),
            (
                "cpus(a b):1",
                "invalid resources 'cpus(a b):1': invalid role 'a b' for 'cpus': a role may not contain whitespace (' ')",
            ),
            (
                "cpus(.):1",
                "invalid resources 'cpus(.):1': invalid role '.' for 'cpus': a role may not be '.' or '..'",
            ),
            (
                "cpus(..):1",
                "invalid resources 'cpus(..):1': invalid role '..' for 'cpus': a role may not be '.' or '..'",
            ),
            (
                "cpus(-a):1",
                "invalid resources 'cpus(-a):1': invalid role '-a' for 'cpus': a role may not start with '-'",
            ),
            ("cpus(ads:1", "invalid resources 'cpus(ads:1': unbalanced '(' in 'cpus(ads:1'"),
            ("cpusads):1", "invalid resources 'cpusads):1': unbalanced ')' in 'cpusads):1'"),
            (
                "cpus(a)x:1",
                "invalid resources 'cpus(a)x:1': unexpected text after ')' in 'cpus(a)x:1'",
            ),
            ("ports:[a-2]", "invalid resources 'ports:[a-2]': 'a' is not a number"),
            ("ports:[-2]", "invalid resources 'ports:[-2]': '-2' is not a range"),
            ("ports:[1-2,]", "invalid resources 'ports:[1-2,]': empty range in '[1-2,]'"),
            ("bugs:{a,,b}", "invalid resources 'bugs:{a,,b}': empty item in '{a,,b}'"),
            ("bugs:{a,a}", "invalid resources 'bugs:{a,a}': duplicate item 'a' in '{a,a}'"),
            (
                "my cpus:1",
                "invalid resources 'my cpus:1': name 'my cpus' may not contain ' ' in 'my cpus:1'",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(error(text), expected, "input {text:?}");
        }
    }

    #[test]
    fn error_variant_carries_input() {
        assert_eq!(
            Resources::parse("cpus:x"),
            Err(ResourcesError::Text {
                input: "cpus:x".to_string(),
                reason: "'x' is not a number".to_string(),
            })
        );
    }
}
