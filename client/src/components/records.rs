//! A repeating-records field (documents issued, training classes): one card per
//! record with its typed columns, add and remove. Record ids are random, so
//! rows added on two phones offline are both kept.

use crate::components::field::issue_list;
use crate::components::scalar_input::scalar_input;
use crate::dom::{View, el, keyed, show, text};
use crate::editor::Editor;
use crate::i18n::{T, t, use_lang};
use crate::ids::new_record_id;
use crate::reactive::*;
use shared::Value;
use shared::template::{Column, Field};

/// The records of one field.
pub fn records_field(field: Field, columns: Vec<Column>) -> View {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let id = field.id.clone();
    let rows = {
        let id = id.clone();
        Memo::new(move |_| {
            ed.view.with(|v| {
                v.records
                    .get(&id)
                    .map(|rs| rs.iter().map(|r| r.id.clone()).collect::<Vec<_>>())
                    .unwrap_or_default()
            })
        })
    };
    let add = {
        let id = id.clone();
        let ed = ed.clone();
        move |_| {
            let record = new_record_id();
            ed.apply(|r| r.add_record(&id, &record));
        }
    };
    let label = field.label.clone();
    let label_en = field.label_en.clone();
    let field_id = id.clone();
    let numbered = move || rows.get().into_iter().enumerate().collect::<Vec<_>>();
    el("fieldset")
        .class("field records")
        .child(
            el("legend")
                .class("label")
                .dyn_text(move || lang.get().pick(&label, label_en.as_deref()).to_string()),
        )
        .child(field.help.clone().map(|h| el("p").class("help").text(&h)))
        // Keyed by position and id: typing in a row keeps it (and its focus);
        // a row moving (a removal above it) renumbers it.
        .child(keyed(numbered, move |(index, record)| {
            record_card(field_id.clone(), columns.clone(), index, record)
        }))
        .child(show(
            move || rows.with(Vec::is_empty),
            || el("p").class("empty").dyn_text(t(T::NoRecords)),
        ))
        .child(
            el("button")
                .attr("type", "button")
                .class("add")
                .testid(&format!("add-record-{id}"))
                .on("click", add)
                .dyn_text(t(T::AddRecord)),
        )
        .child(issue_list(id.clone(), None, None))
        .into()
}

fn record_card(field_id: String, columns: Vec<Column>, index: usize, record: String) -> View {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let remove = {
        let (ed, field_id, record) = (ed.clone(), field_id.clone(), record.clone());
        move |_| {
            let sure = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(T::RemoveRecordConfirm.get(lang.get_untracked()))
                        .ok()
                })
                .unwrap_or(false);
            if sure {
                ed.apply(|r| r.remove_record(&field_id, &record));
            }
        }
    };
    let cells = columns
        .into_iter()
        .map(|column| {
            let cid = column.id.clone();
            let value = {
                let (ed, fid, rid, cid) =
                    (ed.clone(), field_id.clone(), record.clone(), cid.clone());
                Memo::new(move |_| {
                    ed.view.with(|v| {
                        v.records
                            .get(&fid)?
                            .iter()
                            .find(|r| r.id == rid)?
                            .values
                            .get(&cid)
                            .cloned()
                    })
                })
            };
            let on_change = {
                let (ed, fid, rid, cid) =
                    (ed.clone(), field_id.clone(), record.clone(), cid.clone());
                Callback::new(move |v: Option<Value>| {
                    ed.apply(|r| r.set_record_value(&fid, &rid, &cid, v.as_ref()));
                })
            };
            let input_id = format!("r-{field_id}-{record}-{cid}");
            let label = column.label.clone();
            let label_en = column.label_en.clone();
            el("div")
                .class("cell")
                .child(
                    el("label")
                        .attr("for", &input_id)
                        .class("label")
                        .dyn_text(move || lang.get().pick(&label, label_en.as_deref()).to_string())
                        .child(column.required.then(|| text(" *"))),
                )
                .child(scalar_input(
                    column.ty.clone(),
                    value,
                    on_change,
                    format!("record-{field_id}-{index}-{cid}"),
                    input_id,
                    column.required,
                ))
                .child(issue_list(
                    field_id.clone(),
                    Some(record.clone()),
                    Some(cid),
                ))
        })
        .collect::<View>();
    el("div")
        .class("record")
        .testid(&format!("record-{field_id}-{index}"))
        .child(
            el("div")
                .class("record-head")
                .child(
                    el("span")
                        .dyn_text(t(T::RecordNumber))
                        .text(" ")
                        .text(&(index + 1).to_string()),
                )
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("remove")
                        .on("click", remove)
                        .dyn_text(t(T::RemoveRecord)),
                ),
        )
        .child(cells)
        .into()
}
