//! Every word the user reads comes from the translation table
//! (`client/src/i18n.rs`): this test reads the client's sources and fails on a
//! string literal that would reach the screen from anywhere else.
//!
//! Run natively: `cargo test -p baocao-client --test strings`.
//!
//! What counts as "shown to users" (the sources are tokenized with
//! `proc-macro2`, so comments, raw strings and lifetimes are handled the way
//! rustc handles them):
//! - the literal arguments of the calls that put text on screen: the page
//!   builder's `text(…)` and `dyn_text(…)` (`client/src/dom.rs`, closures
//!   included), and the DOM's `set_inner_text`, `set_text_content`,
//!   `set_data`, `create_text_node`, `confirm_with_message`, `alert_with_message`;
//! - the values given to the attributes a person sees or hears (`title`,
//!   `placeholder`, `aria-label`, `alt`, `label`, `aria-description`) with
//!   `attr(…)` or `dyn_attr(…)` — including `format!` literals in them;
//! - anywhere: literals with non-ASCII letters (Vietnamese words).
//!
//! A literal passes when, with its `{…}` format placeholders removed, it has
//! no letter at all (`" · "`, `"{f}/{t}"`, `"← "`), or is one of the
//! [`ALLOWED`] non-language tokens.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::path::{Path, PathBuf};

/// Literals with letters that are not language: units and formats that read
/// the same in Vietnamese and English. Keep this list short and say why.
const ALLOWED: &[&str] = &[];

/// The file that is the translation table: its literals are the translations.
const TRANSLATIONS: &str = "i18n.rs";

/// Attributes whose value a person sees or a screen reader speaks.
const VISIBLE_ATTRIBUTES: &[&str] = &[
    "title",
    "placeholder",
    "aria-label",
    "aria-description",
    "aria-roledescription",
    "alt",
    "label",
];

/// Calls that put their argument on screen.
const TEXT_SINKS: &[&str] = &[
    "text",
    "dyn_text",
    "set_data",
    "create_text_node",
    "set_inner_text",
    "set_text_content",
    "confirm_with_message",
    "alert_with_message",
    "prompt_with_message",
];

/// One literal that would be shown to users.
#[derive(Debug, PartialEq)]
struct Finding {
    line: usize,
    literal: String,
    why: &'static str,
}

/// Literals shown to users in one source file's text.
fn findings(source: &str) -> Vec<Finding> {
    let tokens: TokenStream = source.parse().expect("the source tokenizes");
    let mut out = Vec::new();
    scan_rust(&tokens.into_iter().collect::<Vec<_>>(), &mut out);
    out.sort_by_key(|f| f.line);
    out.dedup();
    out
}

/// Rust code: look for text sinks, visible attributes and Vietnamese.
/// Attributes (doc comments are `#[doc = "…"]`) are skipped, and so is the
/// item after `#[cfg(test)]`: test data is not shown to anyone.
fn scan_rust(tokens: &[TokenTree], out: &mut Vec<Finding>) {
    let mut i = 0;
    while i < tokens.len() {
        if let Some((next, cfg_test)) = attribute_at(tokens, i) {
            i = next;
            if cfg_test {
                // Skip the item up to and including its body.
                while i < tokens.len()
                    && !matches!(&tokens[i], TokenTree::Group(g) if g.delimiter() == Delimiter::Brace)
                {
                    i += 1;
                }
                i += 1;
            }
            continue;
        }
        match &tokens[i] {
            TokenTree::Ident(id) if ATTRIBUTE_SETTERS.iter().any(|s| id == s) => {
                if let Some(TokenTree::Group(g)) = tokens.get(i + 1)
                    && check_attribute(g, out)
                {
                    i += 2;
                    continue;
                }
            }
            TokenTree::Ident(id) if TEXT_SINKS.iter().any(|s| id == s) => {
                if let Some(TokenTree::Group(g)) = tokens.get(i + 1) {
                    for_each_literal(&g.stream(), &mut |line, text| {
                        if has_words(text) {
                            out.push(Finding {
                                line,
                                literal: text.to_string(),
                                why: "text put on screen by a DOM call",
                            });
                        }
                    });
                    i += 2;
                    continue;
                }
            }
            TokenTree::Group(g) => scan_rust(&g.stream().into_iter().collect::<Vec<_>>(), out),
            TokenTree::Literal(lit) => {
                if let Some(text) = string_value(&lit.to_string())
                    && text.chars().any(|c| c.is_alphabetic() && !c.is_ascii())
                {
                    out.push(Finding {
                        line: lit.span().start().line,
                        literal: text,
                        why: "Vietnamese words outside the translation table",
                    });
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// `#[…]` or `#![…]` at `i`: the index after it, and whether it is `cfg(test)`.
fn attribute_at(tokens: &[TokenTree], i: usize) -> Option<(usize, bool)> {
    let TokenTree::Punct(p) = &tokens[i] else {
        return None;
    };
    if p.as_char() != '#' {
        return None;
    }
    let mut j = i + 1;
    if matches!(tokens.get(j), Some(TokenTree::Punct(p)) if p.as_char() == '!') {
        j += 1;
    }
    match tokens.get(j) {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => {
            let text = g.stream().to_string().replace(' ', "");
            Some((j + 1, text == "cfg(test)"))
        }
        _ => None,
    }
}

/// The builder calls that set an attribute: `attr("title", "…")`.
const ATTRIBUTE_SETTERS: &[&str] = &["attr", "dyn_attr", "set_attribute"];

/// `attr(name, value)`: when `name` is a visible attribute, the literals in
/// `value` (a closure or `format!` included) are shown.
/// Returns whether it was such an attribute (then its value is checked).
fn check_attribute(args: &proc_macro2::Group, out: &mut Vec<Finding>) -> bool {
    let tokens: Vec<TokenTree> = args.stream().into_iter().collect();
    let Some(TokenTree::Literal(name)) = tokens.first() else {
        return false;
    };
    let visible =
        string_value(&name.to_string()).is_some_and(|n| VISIBLE_ATTRIBUTES.contains(&n.as_str()));
    if !visible {
        return false;
    }
    let value: TokenStream = tokens.into_iter().skip(1).collect();
    for_each_literal(&value, &mut |line, text| {
        if has_words(text) {
            out.push(Finding {
                line,
                literal: text.to_string(),
                why: "visible attribute",
            });
        }
    });
    true
}

fn for_each_literal(stream: &TokenStream, f: &mut dyn FnMut(usize, &str)) {
    for t in stream.clone() {
        match t {
            TokenTree::Literal(lit) => {
                if let Some(text) = string_value(&lit.to_string()) {
                    f(lit.span().start().line, &text);
                }
            }
            TokenTree::Group(g) => for_each_literal(&g.stream(), f),
            _ => {}
        }
    }
}

/// The content of a string literal token (`"…"`, `r#"…"#`), else `None`.
fn string_value(token: &str) -> Option<String> {
    if let Some(rest) = token.strip_prefix('r') {
        let hashes = rest.len() - rest.trim_start_matches('#').len();
        let body = &rest[hashes..];
        return Some(body.get(1..body.len() - 1 - hashes)?.to_string());
    }
    let body = token.strip_prefix('"')?.strip_suffix('"')?;
    Some(body.replace("\\n", "\n").replace("\\\"", "\""))
}

/// True when `text`, without `{…}` placeholders, has a letter and is not allowed.
fn has_words(text: &str) -> bool {
    if ALLOWED.contains(&text) {
        return false;
    }
    let mut depth = 0usize;
    text.chars().any(|c| {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        depth == 0 && c.is_alphabetic()
    })
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the sources") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_shown_string_comes_from_the_translation_table() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    assert!(files.len() > 10, "found only {files:?}");
    let mut problems = Vec::new();
    for file in files {
        if file.file_name().is_some_and(|n| n == TRANSLATIONS) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read a source file");
        for f in findings(&text) {
            problems.push(format!(
                "{}:{}: {:?} ({})",
                file.strip_prefix(&src).unwrap_or(&file).display(),
                f.line,
                f.literal,
                f.why
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "strings shown to users outside {TRANSLATIONS} (add a key to `T` instead):\n{}",
        problems.join("\n")
    );
}

/// The checker itself: it must see what it is meant to see, and no more.
#[test]
fn the_checker_finds_shown_literals_and_ignores_the_rest() {
    let source = r##"
        /// Doc comments are not shown: "Tải".
        fn page() -> View {
            let ok = "class-name";
            let bad = "Tải lại";
            web_sys::window().unwrap().confirm_with_message("Sure?");
            el("div")
                .class("a b")
                .attr("data-testid", &format!("row-{}", 1))
                .on("click", |_| ())
                .text("Hello")
                .dyn_text(t(T::Loading))
                .text(" · ")
                .child(el("input").attr("placeholder", "Type here").dyn_attr("title", move || Some(format!("Row {}", 2))))
                .dyn_text(move || format!("{f}/{t}"))
                .dyn_text(move || if x == "draft" { "Nháp" } else { "" })
                .child(text("Nested"))
                .into()
        }
        #[cfg(test)]
        mod tests {
            fn data() -> String { "Đơn vị".into() }
        }
    "##;
    let got: Vec<(String, &str)> = findings(source)
        .into_iter()
        .map(|f| (f.literal, f.why))
        .collect();
    let sink = "text put on screen by a DOM call";
    let want = vec![
        (
            "Tải lại".to_string(),
            "Vietnamese words outside the translation table",
        ),
        ("Sure?".to_string(), sink),
        ("Hello".to_string(), sink),
        ("Type here".to_string(), "visible attribute"),
        ("Row {}".to_string(), "visible attribute"),
        // A comparison inside shown text is reported too: such code
        // belongs in a function of its own.
        ("draft".to_string(), sink),
        ("Nháp".to_string(), sink),
        ("Nested".to_string(), sink),
    ];
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(got_sorted, want_sorted, "got {got:?}");
}
