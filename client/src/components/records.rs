//! A repeating-records field (documents issued, training classes): one card per
//! record with its typed columns, add and remove, in the template's order.
//! Record ids are random, so rows added on two phones offline are both kept.

use crate::components::field::IssueList;
use crate::components::scalar_input::ScalarInput;
use crate::editor::Editor;
use crate::i18n::{T, t, use_lang};
use crate::ids::new_record_id;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use shared::Value;
use shared::report::order::{order_of, ordered};
use shared::template::{Column, Field};

/// The records of one field, in the template's `order_by` order
/// ([`shared::report::order`]) — rows not dated yet last.
///
/// While the officer works in the list the rows stay where they are: a row
/// whose date was just typed moves to its place once she leaves the list,
/// not under her thumb on the way to its next box. Rows added or removed
/// meanwhile (here or by sync) show at once.
#[component]
pub fn RecordsField(field: Field, columns: Vec<Column>) -> impl IntoView {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let id = field.id.clone();
    let column = order_of(&field).map(str::to_string);
    // Record ids as stored (the order they were added in), and sorted.
    let stored = {
        let (ed, id) = (ed.clone(), id.clone());
        Memo::new(move |_| {
            ed.view.with(|v| {
                let rows = v.records.get(&id).map(Vec::as_slice).unwrap_or(&[]);
                let added: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                let sorted: Vec<String> = ordered(column.as_deref(), rows)
                    .into_iter()
                    .map(|r| r.id.clone())
                    .collect();
                (added, sorted)
            })
        })
    };
    let shown = RwSignal::new(stored.with_untracked(|(_, sorted)| sorted.clone()));
    let list = NodeRef::<leptos::html::Fieldset>::new();
    let inside = move |node: Option<web_sys::Node>| {
        list.get_untracked()
            .zip(node)
            .is_some_and(|(list, node)| list.contains(Some(&node)))
    };
    Effect::new(move |_| {
        let sorted = stored.with(|(_, sorted)| sorted.clone());
        let focus = document().active_element().map(web_sys::Node::from);
        if inside(focus) {
            shown.update(|s| *s = held_still(s, &sorted));
        } else {
            shown.set(sorted);
        }
    });
    // Judged once the focus has landed: a tap from one box to the next may
    // blur the first before it focuses the second.
    let on_focusout = move |_| {
        Timeout::new(0, move || {
            let focus = document().active_element().map(web_sys::Node::from);
            if !inside(focus) {
                let sorted = stored.with_untracked(|(_, sorted)| sorted.clone());
                if shown.with_untracked(|s| *s != sorted) {
                    shown.set(sorted);
                }
            }
        })
        .forget();
    };
    let rows = Memo::new(move |_| {
        stored.with(|(added, _)| {
            shown.with(|s| {
                s.iter()
                    .filter_map(|r| added.iter().position(|a| a == r).map(|i| (i, r.clone())))
                    .collect::<Vec<_>>()
            })
        })
    });
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
    view! {
        <fieldset class="field records" node_ref=list on:focusout=on_focusout>
            <legend class="label">
                {move || lang.get().pick(&label, label_en.as_deref()).to_string()}
            </legend>
            {field.help.clone().map(|h| view! { <p class="help">{h}</p> })}
            // Keyed by the row's place in the order rows were added (its
            // test id) and its id: typing in a row keeps it (and its focus),
            // sorting moves it; a removal above it renumbers it.
            <For
                each=move || rows.get()
                key=|row| row.clone()
                children=move |(index, record)| {
                    let place = {
                        let record = record.clone();
                        Signal::derive(move || {
                            rows.with(|r| r.iter().position(|(_, x)| *x == record).unwrap_or(0) + 1)
                        })
                    };
                    view! {
                        <RecordCard
                            field_id=field_id.clone()
                            columns=columns.clone()
                            index
                            place
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

/// The rows in the order they are shown now, with the rows gone dropped and
/// new ones added at the end in `sorted` order.
fn held_still(shown: &[String], sorted: &[String]) -> Vec<String> {
    let mut out: Vec<String> = shown
        .iter()
        .filter(|r| sorted.contains(r))
        .cloned()
        .collect();
    for r in sorted {
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

#[component]
fn RecordCard(
    field_id: String,
    columns: Vec<Column>,
    /// The row's place in the order rows were added: its test ids.
    index: usize,
    /// Its place on screen, from 1.
    place: Signal<usize>,
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
                <span>{t(T::RecordNumber)} " " {place}</span>
                <button type="button" class="remove" on:click=remove>
                    {t(T::RemoveRecord)}
                </button>
            </div>
            {cells}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::held_still;

    fn v(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rows_hold_still_but_come_and_go() {
        // "c" got an earlier date: it stays put while the list has focus.
        assert_eq!(
            held_still(&v(&["a", "b", "c"]), &v(&["c", "a", "b"])),
            v(&["a", "b", "c"])
        );
        // A removed row goes, an added one shows (at its sorted end).
        assert_eq!(
            held_still(&v(&["a", "b", "c"]), &v(&["c", "a", "d"])),
            v(&["a", "c", "d"])
        );
        assert_eq!(held_still(&[], &v(&["x"])), v(&["x"]));
    }
}
