//! Building the page: elements with static and reactive parts, regions that
//! re-render when what they read changes, keyed lists that keep their rows
//! (and the input under the officer's thumb) across updates.
//!
//! Every reactive part is an [`Effect`] owned by the view being built, so it
//! stops when that view is replaced (see [`crate::reactive`]).

pub use crate::reactive::untrack;
use crate::reactive::{Effect, Memo, Owner, on_cleanup};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, Event, Node};

/// Some DOM nodes, in order: what a component returns.
#[derive(Default)]
pub struct View(Vec<Node>);

impl View {
    /// Nothing.
    pub fn empty() -> View {
        View(Vec::new())
    }

    /// Appends another view's nodes.
    pub fn push(&mut self, other: impl Into<View>) {
        self.0.extend(other.into().0);
    }

    fn append_to(self, parent: &Node) {
        for node in self.0 {
            let _ = parent.append_child(&node);
        }
    }
}

impl From<El> for View {
    fn from(el: El) -> View {
        View(vec![el.0.into()])
    }
}

impl From<Node> for View {
    fn from(node: Node) -> View {
        View(vec![node])
    }
}

impl From<()> for View {
    fn from(_: ()) -> View {
        View::empty()
    }
}

impl<V: Into<View>> From<Option<V>> for View {
    fn from(v: Option<V>) -> View {
        v.map(Into::into).unwrap_or_default()
    }
}

impl<V: Into<View>> From<Vec<V>> for View {
    fn from(views: Vec<V>) -> View {
        views.into_iter().collect()
    }
}

impl<V: Into<View>> FromIterator<V> for View {
    fn from_iter<I: IntoIterator<Item = V>>(iter: I) -> View {
        let mut all = View::empty();
        for v in iter {
            all.push(v);
        }
        all
    }
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

/// A text node.
pub fn text(s: &str) -> View {
    View(vec![document().create_text_node(s).into()])
}

/// A text node kept equal to `f()`.
pub fn dyn_text<S: AsRef<str>>(f: impl Fn() -> S + 'static) -> View {
    let node = document().create_text_node("");
    let target = node.clone();
    Effect::new(move |_: Option<()>| target.set_data(f().as_ref()));
    View(vec![node.into()])
}

/// An element under construction.
pub struct El(pub Element);

/// A new element.
pub fn el(tag: &str) -> El {
    El(document().create_element(tag).expect("a valid tag"))
}

impl El {
    /// Sets an attribute.
    pub fn attr(self, name: &str, value: &str) -> El {
        let _ = self.0.set_attribute(name, value);
        self
    }

    /// Sets `class`.
    pub fn class(self, value: &str) -> El {
        self.attr("class", value)
    }

    /// Sets `id`.
    pub fn id(self, value: &str) -> El {
        self.attr("id", value)
    }

    /// Sets `data-testid`, the tests' handle.
    pub fn testid(self, value: &str) -> El {
        self.attr("data-testid", value)
    }

    /// Appends text.
    pub fn text(self, s: &str) -> El {
        self.child(text(s))
    }

    /// Appends nodes.
    pub fn child(self, view: impl Into<View>) -> El {
        view.into().append_to(&self.0);
        self
    }

    /// Appends a text node kept equal to `f()`.
    pub fn dyn_text<S: AsRef<str>>(self, f: impl Fn() -> S + 'static) -> El {
        self.child(dyn_text(f))
    }

    /// An attribute kept equal to `f()` (absent when `None`).
    pub fn dyn_attr<S: AsRef<str>>(
        self,
        name: &'static str,
        f: impl Fn() -> Option<S> + 'static,
    ) -> El {
        let target = self.0.clone();
        Effect::new(move |_: Option<()>| match f() {
            Some(v) => {
                let _ = target.set_attribute(name, v.as_ref());
            }
            None => {
                let _ = target.remove_attribute(name);
            }
        });
        self
    }

    /// A class present while `f()` holds.
    pub fn dyn_class(self, name: &'static str, f: impl Fn() -> bool + 'static) -> El {
        let target = self.0.clone();
        Effect::new(move |_: Option<()>| {
            let _ = target.class_list().toggle_with_force(name, f());
        });
        self
    }

    /// Sets a DOM property (`value`, `checked`, `open`, `disabled`, …).
    pub fn prop(self, name: &str, value: impl Into<JsValue>) -> El {
        let _ = js_sys::Reflect::set(&self.0, &JsValue::from_str(name), &value.into());
        self
    }

    /// A DOM property kept equal to `f()`.
    pub fn dyn_prop<V: Into<JsValue>>(self, name: &'static str, f: impl Fn() -> V + 'static) -> El {
        let target = self.0.clone();
        Effect::new(move |_: Option<()>| {
            let _ = js_sys::Reflect::set(&target, &JsValue::from_str(name), &f().into());
        });
        self
    }

    /// Listens to `event` for as long as the view lives.
    pub fn on(self, event: &'static str, f: impl FnMut(Event) + 'static) -> El {
        listen(&self.0, event, f);
        self
    }

    /// Appends a region that re-renders whenever what `f` reads changes.
    pub fn dyn_child<V: Into<View>>(self, f: impl Fn() -> V + 'static) -> El {
        self.child(dynamic(f))
    }

    /// Appends `view()` while `when()` holds.
    pub fn show<V: Into<View>>(
        self,
        when: impl Fn() -> bool + 'static,
        view: impl Fn() -> V + 'static,
    ) -> El {
        self.child(show(when, view))
    }

    /// The element, for code that needs the DOM itself.
    pub fn element(&self) -> &Element {
        &self.0
    }
}

/// Adds an event listener removed when the current owner is disposed.
pub fn listen(target: &web_sys::EventTarget, event: &'static str, f: impl FnMut(Event) + 'static) {
    let closure = Closure::<dyn FnMut(Event)>::new(f);
    let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    let target = target.clone();
    on_cleanup(move || {
        let _ = target.remove_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    });
}

/// The `value` of the element an event came from (input, select, textarea).
pub fn event_target_value(ev: &Event) -> String {
    ev.target()
        .and_then(|t| js_sys::Reflect::get(&t, &JsValue::from_str("value")).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// A stretch of siblings between two empty comments, replaced as a whole.
///
/// A region starts life in a document fragment, so it can be filled before
/// the page holds it; appending the fragment moves its current contents into
/// the page. Everything between the markers belongs to the region, including
/// what nested regions put there since, so nothing is left behind.
struct Region {
    start: Node,
    end: Node,
}

impl Region {
    /// A region and the view that places it.
    fn new() -> (Region, View) {
        let doc = document();
        let fragment = doc.create_document_fragment();
        let start: Node = doc.create_comment("").into();
        let end: Node = doc.create_comment("").into();
        let _ = fragment.append_child(&start);
        let _ = fragment.append_child(&end);
        (Region { start, end }, View(vec![fragment.into()]))
    }

    /// Removes what is between the markers.
    fn clear(&self) {
        let Some(parent) = self.end.parent_node() else {
            return;
        };
        while let Some(node) = self.start.next_sibling() {
            if node == self.end {
                break;
            }
            let _ = parent.remove_child(&node);
        }
    }

    /// Puts `view` before the end marker.
    fn fill(&self, view: View) {
        if let Some(parent) = self.end.parent_node() {
            for node in view.0 {
                let _ = parent.insert_before(&node, Some(&self.end));
            }
        }
    }

    /// The markers and everything between them.
    fn nodes(&self) -> Vec<Node> {
        let mut nodes = vec![self.start.clone()];
        let mut at = self.start.next_sibling();
        while let Some(node) = at {
            at = node.next_sibling();
            let last = node == self.end;
            nodes.push(node);
            if last {
                break;
            }
        }
        nodes
    }

    /// Moves the region, markers included, before `before`.
    fn move_before(&self, before: &Node) {
        if let Some(parent) = before.parent_node() {
            for node in self.nodes() {
                let _ = parent.insert_before(&node, Some(before));
            }
        }
    }

    /// Takes the region, markers included, out of the page.
    fn remove(&self) {
        for node in self.nodes() {
            if let Some(parent) = node.parent_node() {
                let _ = parent.remove_child(&node);
            }
        }
    }
}

/// A region that re-renders whenever what `f` reads changes; what the last
/// render created (effects, listeners) is disposed with it.
pub fn dynamic<V: Into<View>>(f: impl Fn() -> V + 'static) -> View {
    let (region, view) = Region::new();
    Effect::new(move |_: Option<()>| {
        let next = f().into();
        region.clear();
        region.fill(next);
    });
    view
}

/// `view()` while `when()` holds (re-rendered only when `when()` flips).
pub fn show<V: Into<View>>(
    when: impl Fn() -> bool + 'static,
    view: impl Fn() -> V + 'static,
) -> View {
    let when = Memo::new(move |_| when());
    dynamic(move || {
        if when.get() {
            view().into()
        } else {
            View::empty()
        }
    })
}

/// A keyed row: its key, the owner of its reactive parts, where it is.
type Row<K> = (K, Owner, Region);

/// A list whose rows are kept by key: a row is rendered when its key
/// appears and disposed when it goes, so unchanged rows keep their DOM
/// (and focus) while the list changes around them.
pub fn keyed<K: PartialEq + Clone + 'static>(
    keys: impl Fn() -> Vec<K> + 'static,
    row: impl Fn(K) -> View + 'static,
) -> View {
    let (list, view) = Region::new();
    let rows: Rc<RefCell<Vec<Row<K>>>> = Rc::default();
    let list_owner = Owner::new();
    Effect::new(move |_: Option<()>| {
        let wanted = keys();
        let mut old = std::mem::take(&mut *rows.borrow_mut());
        let mut next = Vec::with_capacity(wanted.len());
        for key in wanted {
            match old.iter().position(|(k, _, _)| *k == key) {
                Some(at) => next.push(old.remove(at)),
                None => {
                    let owner = list_owner.with(Owner::new);
                    let (region, placed) = Region::new();
                    region.fill(crate::reactive::untrack(|| owner.with(|| row(key.clone()))));
                    // New rows wait in their fragment until placed below.
                    list.fill(placed);
                    next.push((key, owner, region));
                }
            }
        }
        for (_, owner, region) in old {
            owner.dispose();
            region.remove();
        }
        // From the end: each row must sit right before the one after it. A
        // row already in place is not moved (a focused input stays focused).
        let mut after = list.end.clone();
        for (_, _, region) in next.iter().rev() {
            if region.end.next_sibling().as_ref() != Some(&after) {
                region.move_before(&after);
            }
            after = region.start.clone();
        }
        *rows.borrow_mut() = next;
    });
    view
}

/// Mounts the app at the end of `<body>`; it lives as long as the page.
pub fn mount(view: impl FnOnce() -> View) {
    let body = document().body().expect("a body");
    let root = Owner::new();
    root.with(|| view().append_to(&body));
    std::mem::forget(root);
}
