//! Templates: the list (current version, older versions, each as TOML or a
//! spreadsheet to download), and an upload that first shows what the file
//! would make — the officer's form at a phone's width, and whether it may
//! replace the version in use — and adds it only when asked.

use super::preview::FormPreview;
use super::rounds::example_period;
use super::{Action, Outcome, loaded};
use crate::api::ApiError;
use crate::api::admin::{self, Preview, TemplateRow};
use crate::download;
use crate::i18n::{A, replaces_version, t, use_lang};
use leptos::prelude::*;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// An uploaded file and what the server read in it.
#[derive(Clone)]
struct Upload {
    name: String,
    bytes: Arc<Vec<u8>>,
    preview: Preview,
}

/// The templates screen.
#[component]
pub fn Templates() -> impl IntoView {
    let action = Action::new();
    let done = action.done;
    let list = LocalResource::new(move || {
        let _ = done.get();
        admin::templates()
    });
    let upload = RwSignal::new(None::<Upload>);
    view! {
        <Outcome action />
        <UploadForm action upload />
        {move || upload.get().map(|u| view! { <PreviewPane action upload=u cleared=upload /> })}
        <h2>{t(A::TemplatesTitle)}</h2>
        {loaded(list, move |rows| view! { <TemplateList action rows /> })}
    }
}

/// Choosing a file sends it for a preview (nothing is stored yet).
#[component]
fn UploadForm(action: Action, upload: RwSignal<Option<Upload>>) -> impl IntoView {
    let chosen = move |ev: leptos::ev::Event| {
        let Some(file) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
        else {
            return;
        };
        upload.set(None);
        action.run(A::PreviewReady, async move {
            let name = file.name();
            let buffer = JsFuture::from(file.array_buffer())
                .await
                .map_err(|e| ApiError::Network(format!("{e:?}")))?;
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            let preview = admin::preview_template(&name, &bytes).await?;
            upload.set(Some(Upload {
                name,
                bytes: Arc::new(bytes),
                preview,
            }));
            Ok(())
        });
    };
    view! {
        <div class="admin-form">
            <h2>{t(A::UploadTemplate)}</h2>
            <p class="help">{t(A::UploadHint)}</p>
            <label class="file-pick">
                {t(A::ChooseFile)}
                <input
                    type="file"
                    accept=".toml,.xlsx"
                    data-testid="template-file"
                    on:change=chosen
                />
            </label>
        </div>
    }
}

/// The uploaded template: its identity, whether it may replace the version
/// in use, the officer's form, and the button that adds it.
#[component]
fn PreviewPane(action: Action, upload: Upload, cleared: RwSignal<Option<Upload>>) -> impl IntoView {
    let lang = use_lang();
    let template = Arc::new(upload.preview.template.clone());
    let replaces = upload.preview.replaces;
    let problem = upload.preview.version_problem.clone();
    let blocked = problem.is_some();
    let period = example_period(template.period);
    let add = {
        let (name, bytes) = (upload.name.clone(), upload.bytes.clone());
        move |_| {
            let (name, bytes) = (name.clone(), bytes.clone());
            action.run(A::TemplateAdded, async move {
                admin::add_template(&name, &bytes).await?;
                cleared.set(None);
                Ok(())
            });
        }
    };
    let heading = format!("{} · {} v{}", upload.name, template.id, template.version);
    view! {
        <section class="admin-form" data-testid="template-upload">
            <h2>{t(A::PreviewTitle)}</h2>
            <p class="row-title">{heading}</p>
            <p class="help" data-testid="template-replaces">
                {move || replaces_version(lang.get(), replaces)}
            </p>
            {problem
                .map(|p| {
                    view! {
                        <p class="alert" role="alert" data-testid="version-problem">
                            {p}
                        </p>
                    }
                })}
            <FormPreview template period />
            <div class="row-actions">
                <button
                    type="button"
                    class="primary"
                    data-testid="template-add"
                    prop:disabled=move || blocked || action.busy()
                    on:click=add
                >
                    {t(A::AddTemplate)}
                </button>
                <button type="button" on:click=move |_| cleared.set(None)>
                    {t(A::Cancel)}
                </button>
            </div>
        </section>
    }
}

/// The templates in use, each with its files.
#[component]
fn TemplateList(action: Action, rows: Vec<TemplateRow>) -> impl IntoView {
    let lang = use_lang();
    if rows.is_empty() {
        return view! { <p class="notice">{t(A::NoTemplates)}</p> }.into_any();
    }
    let items = rows
        .into_iter()
        .map(|row| {
            let older = row
                .older_versions
                .iter()
                .map(|v| format!("v{v}"))
                .collect::<Vec<_>>()
                .join(", ");
            let rid = row.id.clone();
            let file = move |format: &'static str| {
                let id = rid.clone();
                move |_| {
                    let id = id.clone();
                    action.run(A::Downloaded, async move {
                        let f = admin::template_file(&id, format).await?;
                        let name = f.file_name.unwrap_or_else(|| format!("{id}.{format}"));
                        download::save(&f.bytes, &f.content_type, &name).map_err(ApiError::Decode)
                    });
                }
            };
            let version = format!("{} v{}", row.id, row.version);
            view! {
                <li class="admin-row" data-testid=format!("template-{}", row.id)>
                    <div class="row-title">{row.title.clone()}</div>
                    <div class="row-sub">
                        {version} " · " {row.filled_by.clone()}
                        {(!older.is_empty())
                            .then(|| {
                                view! {
                                    " · "
                                    {move || A::OlderVersions.get(lang.get())}
                                    " "
                                    {older.clone()}
                                }
                            })}
                    </div>
                    <div class="row-actions">
                        <button type="button" on:click=file("toml")>
                            {t(A::DownloadToml)}
                        </button>
                        <button type="button" on:click=file("xlsx")>
                            {t(A::DownloadXlsx)}
                        </button>
                    </div>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="admin-list">{items}</ul> }.into_any()
}
