//! The consolidated report's text rendered from the demo district: the
//! template's wording, figures in the seed's number style, the district's own
//! narratives untouched, the plans footnote in date order; and templates
//! whose report text is wrong are refused with the reason.

mod demo;

use shared::report_text::{BlockKind, Document, RenderInput, RunKind, render};
use shared::{Date, Period, ReportView, Template};

fn render_demo(demo: &demo::Demo, district: Option<&ReportView>) -> Document {
    let figures = demo.figures();
    let period: Period = "2024-H1".parse().unwrap();
    render(&RenderInput {
        template: &demo.template,
        tree: &demo.tree,
        unit: "huyen-ba-to",
        period: &period,
        figures: &figures,
        own: district,
        today: Date::new(2024, 7, 15).unwrap(),
        excluded: &[],
    })
}

#[test]
fn header_footnote_and_signature_of_the_demo_report() {
    let demo = demo::Demo::load();
    let doc = render_demo(&demo, demo.view("huyen-ba-to"));
    assert_eq!(doc.issuer, ["ỦY BAN NHÂN DÂN", "HUYỆN BA TƠ"]);
    assert_eq!(doc.number, "Số:        /BC-UBND");
    assert_eq!(
        doc.national,
        [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc"
        ]
    );
    // No signing date yet: the day is left for the signer.
    assert_eq!(doc.place_date, "Ba Tơ, ngày      tháng 7 năm 2024");
    assert_eq!(doc.kind, "BÁO CÁO");
    assert_eq!(
        doc.signature,
        ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    );
    assert_eq!(doc.signer, "Lữ Đình Tích");
    assert_eq!(doc.recipients_title, "Nơi nhận:");
    assert_eq!(doc.recipients.len(), 4);

    // One footnote, referenced once, listing the district's plans by date.
    assert_eq!(doc.footnotes.len(), 1);
    let note = &doc.footnotes[0].text;
    let order = [
        "số 58/KH-UBND ngày 22/3/2023 về việc phòng, chống tội phạm xâm hại trẻ em",
        "số 76/KH-UBND ngày 07/4/2023",
        "số 92/KH-UBND ngày 04/5/2023",
        "số 09/KH-UBND ngày 17/01/2024",
        "số 52/KH-UBND ngày 14/3/2024",
        "số 73/KH-UBND ngày 29/3/2024",
        "số 82/KH-UBND ngày 09/4/2024",
        "số 84/KH-UBND ngày 11/4/2024",
        "số 98/KH-UBND ngày 14/4/2024",
    ];
    let mut at = 0;
    for o in order {
        let i = note[at..]
            .find(o)
            .unwrap_or_else(|| panic!("{o:?} after byte {at} of {note}"));
        at += i + o.len();
    }
    assert!(note.starts_with("Kế hoạch: số 58/KH-UBND"), "{note}");
    let refs: Vec<_> = doc
        .body
        .iter()
        .flat_map(|b| &b.runs)
        .filter(|r| matches!(r.kind, RunKind::NoteRef { number: 1 }))
        .collect();
    assert_eq!(refs.len(), 1);
    assert!(
        doc.plain_text()
            .contains("đã ban hành các văn bản¹ chỉ đạo")
    );
}

fn narrative_of(doc: &Document, name: &str) -> Vec<String> {
    doc.body
        .iter()
        .filter(|b| matches!(&b.kind, BlockKind::Narrative { field } if field == name))
        .map(|b| b.text())
        .collect()
}

#[test]
fn narratives_are_the_districts_text_and_figures_refresh_around_them() {
    let demo = demo::Demo::load();
    let district = demo.view("huyen-ba-to").unwrap();
    let doc = render_demo(&demo, Some(district));
    let narrative = narrative_of(&doc, "training_narrative");
    let written: Vec<&str> = district.narratives["training_narrative"]
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(narrative, written);

    // A commune corrects its figures: the figure moves, the narrative does not.
    let mut demo2 = demo::Demo::load();
    let ba_to = demo2
        .views
        .iter_mut()
        .find(|v| v.unit == "tt-ba-to")
        .unwrap();
    ba_to
        .fields
        .insert("officers".into(), shared::Value::Int(3));
    let district2 = demo2.view("huyen-ba-to").cloned();
    let doc2 = render_demo(&demo2, district2.as_ref());
    assert!(doc.plain_text().contains("Cấp xã: 38 cán bộ"));
    assert!(doc2.plain_text().contains("Cấp xã: 39 cán bộ"));
    let n2 = narrative_of(&doc2, "training_narrative");
    assert_eq!(narrative, n2);
}

#[test]
fn values_outside_their_limits_are_left_out_and_listed_after_the_body() {
    let demo = demo::Demo::load();
    let before = render_demo(&demo, demo.view("huyen-ba-to"));
    assert!(before.excluded.is_none());
    assert!(!before.plain_text().contains("Ghi chú"));
    let json = serde_json::to_value(&before).unwrap();
    assert!(json.get("excluded").is_none(), "no new member when none");

    // Thị trấn Ba Tơ's draft says −5000 officers.
    let mut demo2 = demo::Demo::load();
    let ba_to = demo2
        .views
        .iter_mut()
        .find(|v| v.unit == "tt-ba-to")
        .unwrap();
    ba_to
        .fields
        .insert("officers".into(), shared::Value::Int(-5000));
    let (clean, excluded) = shared::report::admissible(&demo2.template, ba_to);
    *ba_to = clean;
    let figures = demo2.figures();
    let period: Period = "2024-H1".parse().unwrap();
    let doc = render(&RenderInput {
        template: &demo2.template,
        tree: &demo2.tree,
        unit: "huyen-ba-to",
        period: &period,
        figures: &figures,
        own: demo2.view("huyen-ba-to"),
        today: Date::new(2024, 7, 15).unwrap(),
        excluded: &excluded,
    });
    let text = doc.plain_text();
    // Its 2 officers are not counted either: 38 − 2.
    assert!(before.plain_text().contains("Cấp xã: 38 cán bộ"));
    assert!(text.contains("Cấp xã: 36 cán bộ"), "{text}");
    assert!(
        text.contains(
            "- Thị trấn Ba Tơ: Số cán bộ làm công tác trẻ em cấp xã = −5.000, ngoài 0–50, không tính"
        ),
        "{text}"
    );
    // After the body, before the recipients.
    let note = text.find(shared::report_text::EXCLUDED_TITLE).unwrap();
    assert!(note < text.find(&doc.recipients_title).unwrap());
    assert_eq!(doc.excluded.as_ref().unwrap().items.len(), 1);
}

#[test]
fn without_a_district_report_blanks_are_visible_and_fallbacks_used() {
    let mut demo = demo::Demo::load();
    demo.views.retain(|v| v.unit != "huyen-ba-to");
    let doc = render_demo(&demo, None);
    let text = doc.plain_text();
    // The district's own figure has no report behind it: 0, written 00.
    assert!(text.contains("Ở huyện: 00 cán bộ"), "{text}");
    // Its note field is missing: the blank shows.
    assert!(text.contains("(...)"), "{text}");
    // Opening paragraph falls back to the template's general sentence.
    assert!(text.contains(
        "UBND huyện báo cáo kết quả thực hiện công tác bảo vệ trẻ em 6 tháng đầu năm 2024"
    ));
    // No plans: no footnote and no marker.
    assert!(doc.footnotes.is_empty());
    assert!(!text.contains('¹'));
    assert_eq!(doc.signer, "");
}

#[test]
fn a_signing_date_fills_the_date_line_in_nd30_style() {
    let demo = demo::Demo::load();
    let mut district = demo.view("huyen-ba-to").unwrap().clone();
    district
        .fields
        .insert("issue_date".into(), shared::Value::Str("2024-02-05".into()));
    district
        .fields
        .insert("doc_number".into(), shared::Value::Str("215".into()));
    let doc = render_demo(&demo, Some(&district));
    assert_eq!(doc.place_date, "Ba Tơ, ngày 05 tháng 02 năm 2024");
    assert_eq!(doc.number, "Số: 215/BC-UBND");
}

fn with_report(extra: &str) -> Result<Template, String> {
    let base = include_str!("../../templates/bao-ve-tre-em.toml");
    let cut = base.find("[report]").unwrap();
    Template::from_toml(&format!("{}{extra}", &base[..cut])).map_err(|e| e.to_string())
}

#[test]
fn mistakes_in_report_text_are_refused_with_the_reason() {
    let head = "[report]\nissuer = [\"UBND\"]\nsubject = \"x\"\n";
    let ok = with_report(&format!(
        "{head}[[report.body]]\ntext = \"{{officers}} cán bộ\"\n"
    ));
    assert!(ok.is_ok(), "{ok:?}");
    let cases = [
        ("text = \"{officer} cán bộ\"", "officer"),
        ("text = \"{officers.count}\"", "officers.count"),
        (
            "text = \"{trainings_by_organiser.nope.classes}\"",
            "trainings_by_organiser",
        ),
        ("text = \"{board_established|shout}\"", "shout"),
        ("text = \"văn bản[^nope]\"", "nope"),
        ("narrative = \"officers\"", "officers"),
        (
            "narrative = \"training_narrative\"\nheading = \"x\"",
            "exactly one",
        ),
        (
            "each = \"units_with_plans\"\ntext = \"{number}\"",
            "records_list",
        ),
        ("each = \"parent_plans\"\ntext = \"{colour}\"", "colour"),
        ("text = \"{unit.colour}\"", "unit.name"),
    ];
    for (body, needle) in cases {
        let err = with_report(&format!("{head}[[report.body]]\n{body}\n")).unwrap_err();
        assert!(err.contains(needle), "{body}: {err}");
    }
}

#[test]
fn a_template_without_report_text_gets_a_generic_report() {
    let base = include_str!("../../templates/bao-ve-tre-em.toml");
    let cut = base.find("[report]").unwrap();
    let t = Template::from_toml(&base[..cut]).unwrap();
    assert!(t.report.is_none());
    let mut demo = demo::Demo::load();
    demo.template = t;
    let doc = render_demo(&demo, demo.view("huyen-ba-to"));
    let text = doc.plain_text();
    assert!(text.contains("HUYỆN BA TƠ"), "{text}");
    assert!(
        text.contains("- Số cán bộ làm công tác trẻ em cấp xã: 38"),
        "{text}"
    );
    assert!(
        text.contains("Sở LĐ-TB&XH phối hợp tổ chức: Số lớp 06, Số người tham dự 520"),
        "{text}"
    );
    assert!(
        text.contains("- Số xã có sân bóng đá mini: 06/19"),
        "{text}"
    );
}

#[test]
fn report_text_survives_the_json_trip_to_the_client() {
    let demo = demo::Demo::load();
    let json = serde_json::to_string(&demo.template).unwrap();
    let back = Template::from_json(&json).unwrap();
    assert_eq!(back, demo.template);
}
