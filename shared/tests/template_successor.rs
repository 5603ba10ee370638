//! The rules a template's next version keeps (`Template::check_successor`).

use shared::Template;

const V1: &str = r#"
id = "t"
version = 1
title = "Thử"
filled_by = "commune"
period = "quarter"

[[sections]]
id = "s"
title = "Chung"

[[sections.fields]]
id = "households"
label = "Số hộ"
type = "integer"

[[sections.fields]]
id = "kind"
label = "Loại"
type = "choice"
options = [{ value = "a", label = "A" }, { value = "b", label = "B" }]
"#;

fn v2(edit: impl Fn(String) -> String) -> Template {
    Template::from_toml(&edit(V1.replacen("version = 1", "version = 2", 1))).expect("parses")
}

fn refused(t: &Template) -> String {
    let v1 = Template::from_toml(V1).unwrap();
    t.check_successor(&v1).expect_err("refused").to_string()
}

#[test]
fn a_version_may_add_rename_and_remove_fields() {
    let v1 = Template::from_toml(V1).unwrap();
    let next = v2(|t| {
        t.replace(
            "id = \"households\"",
            "id = \"homes\"\nrenamed_from = [\"households\"]",
        )
        .replace(
            "{ value = \"b\", label = \"B\" }]",
            "{ value = \"b\", label = \"B\" }, { value = \"c\", label = \"C\" }]",
        )
    });
    assert_eq!(next.check_successor(&v1), Ok(()));
    let removed = v2(|t| {
        let start = t.find("[[sections.fields]]\nid = \"kind\"").unwrap();
        t[..start].to_string()
    });
    assert_eq!(removed.check_successor(&v1), Ok(()));
}

#[test]
fn a_version_that_would_lose_values_is_refused_with_the_reason() {
    let same = Template::from_toml(V1).unwrap();
    assert!(refused(&same).contains("not above the current version 1"));
    let retyped = v2(|t| t.replacen("type = \"integer\"", "type = \"text\"", 1));
    assert!(
        refused(&retyped).contains("\"households\" of version 1 is integer and would become text")
    );
    let renamed_retyped = v2(|t| {
        t.replacen(
            "id = \"households\"\nlabel = \"Số hộ\"\ntype = \"integer\"",
            "id = \"homes\"\nrenamed_from = [\"households\"]\nlabel = \"Số hộ\"\ntype = \"date\"",
            1,
        )
    });
    assert!(refused(&renamed_retyped).contains("would become date"));
    let dropped = v2(|t| t.replace(", { value = \"b\", label = \"B\" }", ""));
    assert!(refused(&dropped).contains("drops the option \"b\""));
    let other_kind = v2(|t| t.replace("filled_by = \"commune\"", "filled_by = \"village\""));
    assert!(refused(&other_kind).contains("filled_by changes"));
    let other_period = v2(|t| t.replace("period = \"quarter\"", "period = \"month\""));
    assert!(refused(&other_period).contains("period kind changes"));
}
