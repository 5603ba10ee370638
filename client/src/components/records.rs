//! A repeating-records field (documents issued, training classes): one card per
//! record with its typed columns, add and remove. Record ids are random, so
//! rows added on two phones offline are both kept.

use crate::components::field::IssueList;
use crate::components::scalar_input::ScalarInput;
use crate::editor::Editor;
use crate::i18n::{T, t, use_lang};
use crate::ids::new_record_id;
use leptos::prelude::*;
use shared::Value;
use shared::template::{Column, Field};

/// The records of one field.
#[component]
pub fn RecordsField(field: Field, columns: Vec<Column>) -> impl IntoView {
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
    view! {
        <fieldset class="field records">
            <legend class="label">
                {move || lang.get().pick(&label, label_en.as_deref()).to_string()}
            </legend>
            {field.help.clone().map(|h| view! { <p class="help">{h}</p> })}
            // Keyed by position and id: typing in a row keeps it (and its focus);
            // a row moving (a removal above it) renumbers it.
            <For
                each=numbered
                key=|row| row.clone()
                children=move |(index, record)| {
                    view! {
                        <RecordCard
                            field_id=field_id.clone()
                            columns=columns.clone()
                            index
                            record
                        />
                    }
                }
            />
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="empty">{t(T::NoRecords)}</p>
            </Show>
            <button
                type="button"
                class="add"
                data-testid=format!("add-record-{id}")
                on:click=add
            >
                {t(T::AddRecord)}
            </button>
            <IssueList field=id.clone() record=None column=None />
        </fieldset>
    }
}

#[component]
fn RecordCard(
    field_id: String,
    columns: Vec<Column>,
    index: usize,
    record: String,
) -> impl IntoView {
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
                let (ed, fid, rid, cid) = (ed.clone(), field_id.clone(), record.clone(), cid.clone());
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
                let (ed, fid, rid, cid) = (ed.clone(), field_id.clone(), record.clone(), cid.clone());
                Callback::new(move |v: Option<Value>| {
                    ed.apply(|r| r.set_record_value(&fid, &rid, &cid, v.as_ref()));
                })
            };
            let input_id = format!("r-{field_id}-{record}-{cid}");
            let label = column.label.clone();
            let label_en = column.label_en.clone();
            view! {
                <div class="cell">
                    <label for=input_id.clone() class="label">
                        {move || lang.get().pick(&label, label_en.as_deref()).to_string()}
                        {column.required.then_some(" *")}
                    </label>
                    <ScalarInput
                        ty=column.ty.clone()
                        value
                        on_change
                        testid=format!("record-{field_id}-{index}-{cid}")
                        input_id
                        required=column.required
                    />
                    <IssueList field=field_id.clone() record=Some(record.clone()) column=Some(cid) />
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="record" data-testid=format!("record-{field_id}-{index}")>
            <div class="record-head">
                <span>{t(T::RecordNumber)} " " {index + 1}</span>
                <button type="button" class="remove" on:click=remove>
                    {t(T::RemoveRecord)}
                </button>
            </div>
            {cells}
        </div>
    }
}
