//! Every word the user reads comes from the translation table
//! (`client/src/i18n.rs`): this test reads the client's sources and fails on a
//! string literal that would reach the screen from anywhere else.
//!
//! Run natively: `cargo test -p baocao-client --test strings`.
//!
//! What counts as "shown to users" (the sources are tokenized with
//! `proc-macro2`, so comments, raw strings and lifetimes are handled the way
//! rustc handles them):
//! - inside a `view!` macro: text nodes, and the values of the attributes a
//!   person sees or hears (`title`, `placeholder`, `aria-label`, `alt`,
//!   `label`, `aria-description`) — including `format!` literals in them;
//! - anywhere: literals with non-ASCII letters (Vietnamese words), and the
//!   literal arguments of the DOM calls that put text on screen
//!   (`set_inner_text`, `set_text_content`, `confirm_with_message`,
//!   `alert_with_message`).
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

/// Its parts in files of their own (`i18n/admin.rs`: the admin screens' words).
const TRANSLATION_DIR: &str = "i18n";

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

/// DOM methods that put their argument on screen.
const TEXT_SINKS: &[&str] = &[
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

/// Rust code outside `view!`: look for `view!{…}`, text sinks and Vietnamese.
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
        if let Some(next) = nested_view(tokens, i, out) {
            i = next;
            continue;
        }
        match &tokens[i] {
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

/// Inside `view!`: attributes `name=value` and children (text and `{blocks}`).
fn scan_view(tokens: &[TokenTree], out: &mut Vec<Finding>) {
    // The attribute whose value is being read, if any; a value ends at the
    // next attribute name, `>` or `/`.
    let mut attribute: Option<String> = None;
    let mut i = 0;
    while i < tokens.len() {
        // A view inside an attribute value (`fallback=|| view! {…}`).
        if let Some(next) = nested_view(tokens, i, out) {
            i = next;
            continue;
        }
        if let Some((name, next)) = attribute_start(tokens, i) {
            attribute = Some(name);
            i = next;
            continue;
        }
        match &tokens[i] {
            TokenTree::Punct(p) if matches!(p.as_char(), '>' | '/') => attribute = None,
            TokenTree::Literal(lit) => {
                if let Some(text) = string_value(&lit.to_string()) {
                    let line = lit.span().start().line;
                    check_view_literal(attribute.as_deref(), line, &text, out);
                }
            }
            TokenTree::Group(g) => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                if g.delimiter() == Delimiter::Brace && attribute.is_none() {
                    // A child block: Rust code whose value is shown.
                    scan_child_block(&inner, out);
                } else {
                    // An attribute value's parentheses (e.g. `format!(…)`).
                    for_each_literal(&g.stream(), &mut |line, text| {
                        check_view_literal(attribute.as_deref(), line, text, out);
                    });
                    scan_rust(&inner, out);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// A `{…}` child of an element: literals in it become text (`{"word"}`,
/// `format!("… {x}")`), except inside nested `view!`s, scanned as views.
fn scan_child_block(tokens: &[TokenTree], out: &mut Vec<Finding>) {
    let mut i = 0;
    while i < tokens.len() {
        if let Some(next) = nested_view(tokens, i, out) {
            i = next;
            continue;
        }
        match &tokens[i] {
            TokenTree::Literal(lit) => {
                if let Some(text) = string_value(&lit.to_string()) {
                    check_view_literal(None, lit.span().start().line, &text, out);
                }
            }
            TokenTree::Group(g) => {
                scan_child_block(&g.stream().into_iter().collect::<Vec<_>>(), out)
            }
            _ => {}
        }
        i += 1;
    }
}

fn check_view_literal(attribute: Option<&str>, line: usize, text: &str, out: &mut Vec<Finding>) {
    let visible = attribute.is_none_or(|a| VISIBLE_ATTRIBUTES.contains(&a));
    if visible && has_words(text) {
        out.push(Finding {
            line,
            literal: text.to_string(),
            why: match attribute {
                None => "text node in view!",
                Some(_) => "visible attribute in view!",
            },
        });
    }
}

/// `name=` at `i` (names may contain `-` and `:`, e.g. `data-testid`,
/// `on:click`, `prop:value`, `class:invalid`): the name and the index after `=`.
fn attribute_start(tokens: &[TokenTree], i: usize) -> Option<(String, usize)> {
    let TokenTree::Ident(first) = &tokens[i] else {
        return None;
    };
    // An identifier right after `::` or `.` is a path or a method, not a name.
    if i > 0
        && let TokenTree::Punct(p) = &tokens[i - 1]
        && matches!(p.as_char(), ':' | '.' | '-')
    {
        return None;
    }
    let mut name = first.to_string();
    let mut j = i + 1;
    loop {
        match (tokens.get(j), tokens.get(j + 1)) {
            (Some(TokenTree::Punct(p)), Some(TokenTree::Ident(next)))
                if matches!(p.as_char(), '-' | ':') =>
            {
                name.push(p.as_char());
                name.push_str(&next.to_string());
                j += 2;
            }
            _ => break,
        }
    }
    match (tokens.get(j), tokens.get(j + 1)) {
        // `=`, but not `==` or `=>` (`=||` is an attribute with a closure).
        (Some(TokenTree::Punct(p)), next) if p.as_char() == '=' => {
            let joined = p.spacing() == proc_macro2::Spacing::Joint
                && matches!(next, Some(TokenTree::Punct(q)) if matches!(q.as_char(), '=' | '>'));
            (!joined).then_some((name, j + 1))
        }
        _ => None,
    }
}

/// `view! {…}` at `i`: scans it as a view and returns the index after it.
fn nested_view(tokens: &[TokenTree], i: usize, out: &mut Vec<Finding>) -> Option<usize> {
    match (&tokens[i], tokens.get(i + 1), tokens.get(i + 2)) {
        (TokenTree::Ident(id), bang, Some(TokenTree::Group(g)))
            if id == "view" && is_bang(bang) =>
        {
            scan_view(&g.stream().into_iter().collect::<Vec<_>>(), out);
            Some(i + 3)
        }
        _ => None,
    }
}

fn is_bang(t: Option<&TokenTree>) -> bool {
    matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == '!')
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
        let table = file.file_name().is_some_and(|n| n == TRANSLATIONS)
            || file.parent().is_some_and(|d| d.ends_with(TRANSLATION_DIR));
        if table {
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
        fn page() -> impl IntoView {
            let ok = "class-name";
            let bad = "Tải lại";
            web_sys::window().unwrap().confirm_with_message("Sure?");
            view! {
                <div class="a b" data-testid=format!("row-{}", 1) on:click=|_| ()>
                    "Hello"
                    {t(T::Loading)} " · "
                    <input placeholder="Type here" title=format!("Row {}", 2) />
                    {move || format!("{f}/{t}")}
                    {move || if x == "draft" { "Nháp" } else { "" }}
                    {view! { <b>"Nested"</b> }}
                    <Routes fallback=|| view! { <p class="x">"Fallback"</p> }>"Child"</Routes>
                </div>
            }
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
    let want = vec![
        (
            "Tải lại".to_string(),
            "Vietnamese words outside the translation table",
        ),
        ("Sure?".to_string(), "text put on screen by a DOM call"),
        ("Hello".to_string(), "text node in view!"),
        ("Type here".to_string(), "visible attribute in view!"),
        ("Row {}".to_string(), "visible attribute in view!"),
        // A comparison inside a shown block is reported too: such code
        // belongs in a function outside `view!`.
        ("draft".to_string(), "text node in view!"),
        ("Nháp".to_string(), "text node in view!"),
        ("Nested".to_string(), "text node in view!"),
        ("Fallback".to_string(), "text node in view!"),
        ("Child".to_string(), "text node in view!"),
    ];
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(got_sorted, want_sorted, "got {got:?}");
}
