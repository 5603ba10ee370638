//! The app's reactive state: signals, memos, effects, owners and context —
//! the part of a UI framework this app needs, in a few hundred lines.
//!
//! Why not Leptos: measured, its reactive graph and typed views were ≈ 400 KB
//! gzip of the phone's download (README "Size and start-up"); this module and
//! [`crate::dom`] do the same job for this app with untyped, boxed closures,
//! so each new screen adds its own code and nothing generic.
//!
//! The model is Leptos's, so it reads the same: `Copy` handles into a
//! thread-local arena; reading a signal inside an effect subscribes the effect;
//! setting it re-runs its subscribers (synchronously, once each per flush);
//! everything created while an effect or view runs belongs to an [`Owner`]
//! and is disposed when that owner is (the effect re-runs, the view goes).

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::marker::PhantomData;
use std::rc::{Rc, Weak};

/// One arena slot: a value (`RefCell<T>` behind `dyn Any`) and who reads it.
struct Node {
    value: Box<dyn Any>,
    subscribers: RefCell<Vec<Weak<EffectNode>>>,
}

/// An effect: its function, and the owner of what its last run created.
struct EffectNode {
    run: RefCell<Option<Box<dyn FnMut()>>>,
    owner: RefCell<Option<Owner>>,
    parent: Weak<OwnerNode>,
    queued: Cell<bool>,
    dead: Cell<bool>,
    /// Something it read changed while it ran: it runs again when done.
    again: Cell<bool>,
}

#[derive(Default)]
struct OwnerNode {
    parent: Option<Weak<OwnerNode>>,
    nodes: RefCell<Vec<Key>>,
    effects: RefCell<Vec<Rc<EffectNode>>>,
    children: RefCell<Vec<Owner>>,
    cleanups: RefCell<Vec<Box<dyn FnOnce()>>>,
    contexts: RefCell<Vec<(TypeId, Box<dyn Any>)>>,
}

/// Where reactive values live until their owner is disposed.
#[derive(Clone)]
pub struct Owner(Rc<OwnerNode>);

#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    index: u32,
    generation: u32,
}

#[derive(Default)]
struct Runtime {
    slots: RefCell<Vec<(u32, Option<Rc<Node>>)>>,
    free: RefCell<Vec<u32>>,
    observer: RefCell<Option<Rc<EffectNode>>>,
    owner: RefCell<Option<Owner>>,
    queue: RefCell<VecDeque<Rc<EffectNode>>>,
    flushing: Cell<bool>,
}

thread_local! {
    static RT: Runtime = Runtime::default();
}

// Not inlined: one copy, not one per signal type and call site.
#[inline(never)]
fn insert(value: Box<dyn Any>) -> Key {
    let node = Rc::new(Node {
        value,
        subscribers: RefCell::new(Vec::new()),
    });
    let key = RT.with(|rt| {
        let mut slots = rt.slots.borrow_mut();
        match rt.free.borrow_mut().pop() {
            Some(index) => {
                let slot = &mut slots[index as usize];
                slot.1 = Some(node);
                Key {
                    index,
                    generation: slot.0,
                }
            }
            None => {
                slots.push((0, Some(node)));
                Key {
                    index: slots.len() as u32 - 1,
                    generation: 0,
                }
            }
        }
    });
    with_owner_node(|o| o.nodes.borrow_mut().push(key));
    key
}

// Not inlined: one copy, not one per signal type and call site.
#[inline(never)]
fn node(key: Key) -> Option<Rc<Node>> {
    RT.with(|rt| {
        let slots = rt.slots.borrow();
        let (generation, node) = slots.get(key.index as usize)?;
        (*generation == key.generation)
            .then(|| node.clone())
            .flatten()
    })
}

fn dispose_key(key: Key) {
    RT.with(|rt| {
        let mut slots = rt.slots.borrow_mut();
        if let Some(slot) = slots.get_mut(key.index as usize)
            && slot.0 == key.generation
        {
            slot.0 = slot.0.wrapping_add(1);
            slot.1 = None;
            rt.free.borrow_mut().push(key.index);
        }
    });
}

#[cold]
#[inline(never)]
fn gone() -> ! {
    panic!("a reactive value was used after its screen was closed")
}

/// Subscribes the running effect (if any) to `node`.
// Not inlined: one copy, not one per signal type and call site.
#[inline(never)]
fn track(node: &Node) {
    RT.with(|rt| {
        if let Some(effect) = rt.observer.borrow().as_ref() {
            let mut subs = node.subscribers.borrow_mut();
            if !subs.iter().any(|s| s.as_ptr() == Rc::as_ptr(effect)) {
                subs.push(Rc::downgrade(effect));
            }
        }
    });
}

/// Queues every subscriber of `node` and runs the queue unless it is running.
// Not inlined: one copy, not one per signal type and call site.
#[inline(never)]
fn notify(node: &Node) {
    let subs = std::mem::take(&mut *node.subscribers.borrow_mut());
    RT.with(|rt| {
        let mut queue = rt.queue.borrow_mut();
        for effect in subs.iter().filter_map(Weak::upgrade) {
            if !effect.queued.replace(true) {
                queue.push_back(effect);
            }
        }
    });
    flush();
}

fn flush() {
    if RT.with(|rt| rt.flushing.replace(true)) {
        return;
    }
    // Bounded: an effect that keeps setting what it reads is a bug, not a hang.
    for _ in 0..100_000 {
        let Some(effect) = RT.with(|rt| rt.queue.borrow_mut().pop_front()) else {
            break;
        };
        effect.queued.set(false);
        run_effect(&effect);
    }
    RT.with(|rt| {
        // Only after the bound: drop what is left, so those effects can be
        // queued again by the next change instead of staying stuck.
        for effect in rt.queue.borrow_mut().drain(..) {
            effect.queued.set(false);
        }
        rt.flushing.set(false);
    });
}

fn run_effect(effect: &Rc<EffectNode>) {
    loop {
        if effect.dead.get() {
            return;
        }
        let Some(mut f) = effect.run.borrow_mut().take() else {
            // Running now (a change it caused itself, e.g. a redirect while
            // the screen renders): run again once this run is over.
            effect.again.set(true);
            return;
        };
        if let Some(old) = effect.owner.borrow_mut().take() {
            old.dispose();
        }
        // Not among the parent's children: the effect disposes it itself.
        let owner = Owner(Rc::new(OwnerNode {
            parent: Some(effect.parent.clone()),
            ..OwnerNode::default()
        }));
        *effect.owner.borrow_mut() = Some(owner.clone());
        let outer = RT.with(|rt| rt.observer.replace(Some(effect.clone())));
        owner.with(&mut f);
        RT.with(|rt| *rt.observer.borrow_mut() = outer);
        // Disposed while it ran: stays stopped.
        if effect.dead.get() {
            return;
        }
        *effect.run.borrow_mut() = Some(f);
        if !effect.again.replace(false) {
            return;
        }
    }
}

fn with_owner_node(f: impl FnOnce(&OwnerNode)) {
    RT.with(|rt| {
        if let Some(owner) = rt.owner.borrow().as_ref() {
            f(&owner.0);
        }
    });
}

impl Owner {
    /// A root owner (the app's), or a child of the current one.
    pub fn new() -> Owner {
        Owner::child_of(RT.with(|rt| rt.owner.borrow().as_ref().map(|o| o.0.clone())))
    }

    fn child_of(parent: Option<Rc<OwnerNode>>) -> Owner {
        let owner = Owner(Rc::new(OwnerNode {
            parent: parent.as_ref().map(Rc::downgrade),
            ..OwnerNode::default()
        }));
        if let Some(p) = parent {
            p.children.borrow_mut().push(owner.clone());
        }
        owner
    }

    /// Runs `f` with this owner current: what it creates belongs here.
    pub fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let outer = RT.with(|rt| rt.owner.replace(Some(self.clone())));
        let result = f();
        RT.with(|rt| *rt.owner.borrow_mut() = outer);
        result
    }

    /// Disposes everything created under this owner, children first, and
    /// runs its cleanups (event listeners go, timers stop).
    pub fn dispose(&self) {
        for child in std::mem::take(&mut *self.0.children.borrow_mut()) {
            child.dispose();
        }
        for effect in std::mem::take(&mut *self.0.effects.borrow_mut()) {
            effect.dead.set(true);
            drop(effect.run.borrow_mut().take());
            if let Some(owner) = effect.owner.borrow_mut().take() {
                owner.dispose();
            }
        }
        for key in std::mem::take(&mut *self.0.nodes.borrow_mut()) {
            dispose_key(key);
        }
        for cleanup in std::mem::take(&mut *self.0.cleanups.borrow_mut()) {
            cleanup();
        }
        self.0.contexts.borrow_mut().clear();
    }
}

impl Default for Owner {
    fn default() -> Self {
        Owner::new()
    }
}

/// Runs `f` when the current owner is disposed (or never, at the root).
pub fn on_cleanup(f: impl FnOnce() + 'static) {
    with_owner_node(|o| o.cleanups.borrow_mut().push(Box::new(f)));
}

/// Makes `value` findable by [`expect_context`] under the current owner.
pub fn provide_context<T: Clone + 'static>(value: T) {
    with_owner_node(|o| {
        o.contexts
            .borrow_mut()
            .push((TypeId::of::<T>(), Box::new(value)))
    });
}

/// The nearest value of type `T` provided by this owner or its ancestors.
pub fn use_context<T: Clone + 'static>() -> Option<T> {
    let mut at = RT.with(|rt| rt.owner.borrow().as_ref().map(|o| o.0.clone()));
    while let Some(owner) = at {
        let found = owner
            .contexts
            .borrow()
            .iter()
            .rev()
            .find(|(id, _)| *id == TypeId::of::<T>())
            .and_then(|(_, v)| v.downcast_ref::<T>().cloned());
        if found.is_some() {
            return found;
        }
        at = owner.parent.as_ref().and_then(Weak::upgrade);
    }
    None
}

/// [`use_context`] for values the app root always provides.
pub fn expect_context<T: Clone + 'static>() -> T {
    use_context().unwrap_or_else(|| panic!("no {} provided", std::any::type_name::<T>()))
}

/// Runs `f` without subscribing the running effect to what it reads.
pub fn untrack<R>(f: impl FnOnce() -> R) -> R {
    let outer = RT.with(|rt| rt.observer.take());
    let result = f();
    RT.with(|rt| *rt.observer.borrow_mut() = outer);
    result
}

/// A readable and writable value; reading it in an effect subscribes it.
pub struct RwSignal<T> {
    key: Key,
    ty: PhantomData<fn() -> T>,
}

impl<T> Clone for RwSignal<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for RwSignal<T> {}

/// The read half of a signal (same handle, fewer methods).
pub type ReadSignal<T> = RwSignal<T>;

impl<T: 'static> RwSignal<T> {
    /// A signal owned by the current owner.
    pub fn new(value: T) -> Self {
        RwSignal {
            key: insert(Box::new(RefCell::new(value))),
            ty: PhantomData,
        }
    }

    fn cell<R>(&self, f: impl FnOnce(&Node, &RefCell<T>) -> R) -> Option<R> {
        let node = node(self.key)?;
        let cell = node.value.downcast_ref::<RefCell<T>>()?;
        Some(f(&node, cell))
    }

    /// Reads by reference, subscribing the running effect.
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.cell(|node, cell| {
            track(node);
            f(&cell.borrow())
        })
        .unwrap_or_else(|| gone())
    }

    /// Reads by reference without subscribing.
    pub fn with_untracked<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.cell(|_, cell| f(&cell.borrow()))
            .unwrap_or_else(|| gone())
    }

    /// Changes the value in place and re-runs its subscribers. A signal whose
    /// screen is gone ignores it (a late answer from the network).
    pub fn update(&self, f: impl FnOnce(&mut T)) {
        let Some(node) = node(self.key) else { return };
        let Some(cell) = node.value.downcast_ref::<RefCell<T>>() else {
            return;
        };
        f(&mut cell.borrow_mut());
        notify(&node);
    }

    /// Replaces the value.
    pub fn set(&self, value: T) {
        self.update(|v| *v = value);
    }

    /// This signal, for readers only.
    pub fn read_only(&self) -> ReadSignal<T> {
        *self
    }
}

impl<T: Clone + 'static> RwSignal<T> {
    /// The value, subscribing the running effect.
    pub fn get(&self) -> T {
        self.with(T::clone)
    }

    /// The value without subscribing.
    pub fn get_untracked(&self) -> T {
        self.with_untracked(T::clone)
    }
}

/// A value derived from signals, recomputed when they change; its readers
/// re-run only when the result differs.
pub struct Memo<T> {
    signal: RwSignal<Option<T>>,
}

impl<T> Clone for Memo<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Memo<T> {}

impl<T: PartialEq + 'static> Memo<T> {
    /// `f` receives the previous value (`None` the first time).
    pub fn new(f: impl Fn(Option<&T>) -> T + 'static) -> Self {
        let signal = RwSignal::new(None::<T>);
        Effect::new(move |_: Option<()>| {
            let next = signal.with_untracked(|v| f(v.as_ref()));
            if signal.with_untracked(|v| v.as_ref() != Some(&next)) {
                signal.set(Some(next));
            }
        });
        Memo { signal }
    }

    /// Reads by reference, subscribing the running effect.
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.signal
            .with(|v| f(v.as_ref().unwrap_or_else(|| gone())))
    }

    /// Reads by reference without subscribing.
    pub fn with_untracked<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.signal
            .with_untracked(|v| f(v.as_ref().unwrap_or_else(|| gone())))
    }
}

impl<T: PartialEq + Clone + 'static> Memo<T> {
    /// The value, subscribing the running effect.
    pub fn get(&self) -> T {
        self.with(T::clone)
    }

    /// The value without subscribing.
    pub fn get_untracked(&self) -> T {
        self.with_untracked(T::clone)
    }
}

/// Runs a function now and again whenever a signal it read changes.
pub struct Effect;

impl Effect {
    /// `f` receives what its previous run returned (`None` the first time).
    pub fn new<T: 'static>(mut f: impl FnMut(Option<T>) -> T + 'static) -> Effect {
        let mut previous = None;
        start_effect(Box::new(move || previous = Some(f(previous.take()))));
        Effect
    }
}

/// The body of [`Effect::new`], shared by all its instances.
#[inline(never)]
fn start_effect(run: Box<dyn FnMut()>) {
    let parent = RT.with(|rt| rt.owner.borrow().as_ref().map(|o| o.0.clone()));
    let effect = Rc::new(EffectNode {
        run: RefCell::new(Some(run)),
        owner: RefCell::new(None),
        parent: parent.as_ref().map_or_else(Weak::new, Rc::downgrade),
        queued: Cell::new(false),
        dead: Cell::new(false),
        again: Cell::new(false),
    });
    match parent {
        Some(p) => p.effects.borrow_mut().push(effect.clone()),
        // No owner: the effect lives as long as the page.
        None => std::mem::forget(effect.clone()),
    }
    run_effect(&effect);
}

/// A value kept by the current owner, read without tracking (`Copy` handle).
pub struct StoredValue<T> {
    key: Key,
    ty: PhantomData<fn() -> T>,
}

impl<T> Clone for StoredValue<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for StoredValue<T> {}

impl<T: 'static> StoredValue<T> {
    /// Stores `value`.
    pub fn new(value: T) -> Self {
        StoredValue {
            key: insert(Box::new(value)),
            ty: PhantomData,
        }
    }

    /// Reads it.
    pub fn with_value<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let node = node(self.key).unwrap_or_else(|| gone());
        f(node.value.downcast_ref::<T>().unwrap_or_else(|| gone()))
    }
}

impl<T: Clone + 'static> StoredValue<T> {
    /// A copy of it.
    pub fn get_value(&self) -> T {
        self.with_value(T::clone)
    }
}

/// A function components hand to each other (`Copy`).
pub struct Callback<T: 'static>(StoredValue<Rc<dyn Fn(T)>>);

impl<T> Clone for Callback<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Callback<T> {}

impl<T: 'static> Callback<T> {
    /// Wraps `f`.
    pub fn new(f: impl Fn(T) + 'static) -> Self {
        Callback(StoredValue::new(Rc::new(f)))
    }

    /// Calls it.
    pub fn run(&self, value: T) {
        let f = self.0.get_value();
        f(value)
    }
}

/// A value loaded asynchronously, reloaded whenever a signal the loader read
/// (before its first `.await`) changes; `None` while loading. An answer
/// overtaken by a newer load, or arriving after its screen closed, is dropped.
pub struct LocalResource<T> {
    value: RwSignal<Option<T>>,
}

impl<T> Clone for LocalResource<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for LocalResource<T> {}

impl<T: 'static> LocalResource<T> {
    /// Starts loading with `load`.
    pub fn new<F: std::future::Future<Output = T> + 'static>(
        load: impl Fn() -> F + 'static,
    ) -> Self {
        let value = RwSignal::new(None);
        let latest = Rc::new(Cell::new(0u64));
        Effect::new(move |_: Option<()>| {
            let future = load();
            let this = latest.get() + 1;
            latest.set(this);
            let latest = latest.clone();
            spawn_local(async move {
                let loaded = future.await;
                if latest.get() == this {
                    value.set(Some(loaded));
                }
            });
        });
        LocalResource { value }
    }

    /// Reads the loaded value (tracked).
    pub fn with<R>(&self, f: impl FnOnce(&Option<T>) -> R) -> R {
        self.value.with(f)
    }
}

impl<T: Clone + 'static> LocalResource<T> {
    /// The loaded value (tracked); `None` while loading.
    pub fn get(&self) -> Option<T> {
        self.value.get()
    }
}

/// Runs a future on the browser's event loop.
pub fn spawn_local(f: impl std::future::Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effects_follow_what_they_read_and_stop_with_their_owner() {
        let root = Owner::new();
        root.with(|| {
            let a = RwSignal::new(1);
            let seen = Rc::new(RefCell::new(Vec::new()));
            let inner = Owner::new();
            let log = seen.clone();
            inner.with(|| Effect::new(move |_| log.borrow_mut().push(a.get())));
            a.set(2);
            inner.dispose();
            a.set(3);
            assert_eq!(*seen.borrow(), vec![1, 2]);
        });
    }

    #[test]
    fn memos_rerun_readers_only_on_a_new_value() {
        Owner::new().with(|| {
            let a = RwSignal::new(1);
            let even = Memo::new(move |_| a.get() % 2 == 0);
            let runs = Rc::new(Cell::new(0));
            let count = runs.clone();
            Effect::new(move |_| {
                let _ = even.get();
                count.set(count.get() + 1);
            });
            a.set(3);
            a.set(5);
            assert_eq!(runs.get(), 1);
            a.set(4);
            assert_eq!(runs.get(), 2);
            assert!(even.get_untracked());
        });
    }

    #[test]
    fn a_rerun_disposes_what_the_last_run_made() {
        Owner::new().with(|| {
            let page = RwSignal::new(0);
            let made = Rc::new(RefCell::new(Vec::new()));
            let keep = made.clone();
            Effect::new(move |_| {
                let _ = page.get();
                keep.borrow_mut().push(RwSignal::new(5));
            });
            page.set(1);
            let first = made.borrow()[0];
            assert!(first.cell(|_, _| ()).is_none(), "disposed with the rerun");
            assert_eq!(made.borrow()[1].get_untracked(), 5);
        });
    }

    #[test]
    fn a_change_made_while_an_effect_runs_runs_it_again() {
        Owner::new().with(|| {
            let route = RwSignal::new(0);
            let shown = Rc::new(RefCell::new(Vec::new()));
            let log = shown.clone();
            Effect::new(move |_| {
                let now = route.get();
                log.borrow_mut().push(now);
                if now == 0 {
                    // A redirect decided while rendering.
                    route.set(1);
                }
            });
            assert_eq!(*shown.borrow(), vec![0, 1]);
        });
    }

    #[test]
    fn context_is_found_from_children_and_effects() {
        Owner::new().with(|| {
            provide_context(7u8);
            let seen = Rc::new(Cell::new(0));
            let s = seen.clone();
            Owner::new().with(|| Effect::new(move |_| s.set(expect_context::<u8>())));
            assert_eq!(seen.get(), 7);
        });
    }
}
