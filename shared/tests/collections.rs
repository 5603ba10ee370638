//! `VecMap`/`VecSet` behave like `BTreeMap`/`BTreeSet` for every method the code
//! base uses: the same pseudo-random operations are applied to both and every
//! observable result is compared after each step.

use shared::collections::{VecMap, VecSet};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

/// xorshift64: the sequence is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn same(model: &BTreeMap<u32, String>, map: &VecMap<u32, String>) {
    assert_eq!(model.len(), map.len());
    assert_eq!(model.is_empty(), map.is_empty());
    assert!(model.iter().eq(map.iter()), "iteration order");
    assert!(model.keys().eq(map.keys()));
    assert!(model.values().eq(map.values()));
    assert!(model.iter().rev().eq(map.iter().rev()));
    assert_eq!(model.first_key_value(), map.first_key_value());
    assert_eq!(model.last_key_value(), map.last_key_value());
}

#[test]
fn vec_map_matches_btree_map_over_random_operations() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut model = BTreeMap::new();
    let mut map = VecMap::new();
    for step in 0..20_000u32 {
        let key = rng.below(64) as u32;
        let value = format!("v{step}");
        match rng.below(12) {
            0..=2 => assert_eq!(model.insert(key, value.clone()), map.insert(key, value)),
            3 => assert_eq!(model.remove(&key), map.remove(&key)),
            4 => assert_eq!(model.remove_entry(&key), map.remove_entry(&key)),
            5 => {
                model.entry(key).or_default().push('+');
                map.entry(key).or_default().push('+');
            }
            6 => {
                model
                    .entry(key)
                    .and_modify(|v| v.push('m'))
                    .or_insert_with(|| value.clone());
                map.entry(key)
                    .and_modify(|v| v.push('m'))
                    .or_insert_with(|| value.clone());
            }
            7 => {
                let (lo, hi) = (key, key + rng.below(20) as u32);
                let bounds = [
                    (Bound::Included(lo), Bound::Excluded(hi)),
                    (Bound::Excluded(lo), Bound::Included(hi)),
                    (Bound::Unbounded, Bound::Included(hi)),
                    (Bound::Included(lo), Bound::Unbounded),
                ];
                for b in bounds {
                    assert!(model.range(b).eq(map.range(b)), "range {b:?}");
                }
            }
            8 => {
                let m = rng.below(5) as u32 + 2;
                model.retain(|k, _| k % m != 0);
                map.retain(|k, _| k % m != 0);
            }
            9 => assert_eq!(model.pop_first(), map.pop_first()),
            10 => {
                if let Some(v) = model.get_mut(&key) {
                    v.push('g');
                }
                if let Some(v) = map.get_mut(&key) {
                    v.push('g');
                }
            }
            _ => {
                assert_eq!(model.get(&key), map.get(&key));
                assert_eq!(model.contains_key(&key), map.contains_key(&key));
                assert_eq!(model.get_key_value(&key), map.get_key_value(&key));
            }
        }
        same(&model, &map);
    }
}

#[test]
fn collecting_keeps_the_last_value_of_a_repeated_key() {
    let pairs = [(3, "a"), (1, "b"), (3, "c"), (2, "d"), (1, "e")];
    let model: BTreeMap<_, _> = pairs.into_iter().collect();
    let map: VecMap<_, _> = pairs.into_iter().collect();
    assert!(model.iter().eq(map.iter()));
    assert!(model.into_iter().eq(map));
}

#[test]
fn borrowed_keys_look_up_like_a_btree_map() {
    let mut map: VecMap<String, u8> = VecMap::new();
    map.insert("xã".to_string(), 1);
    map.insert("huyện".to_string(), 2);
    assert_eq!(map.get("xã"), Some(&1));
    assert_eq!(map["huyện"], 2);
    assert!(
        map.range::<str, _>((Bound::Included("i"), Bound::Excluded("z")))
            .map(|(k, _)| k.as_str())
            .eq(["xã"])
    );
}

#[test]
fn serde_and_debug_forms_are_a_btree_map_s() {
    let model: BTreeMap<String, i32> = [("b".into(), 2), ("a".into(), 1)].into();
    let map: VecMap<String, i32> = [("b".into(), 2), ("a".into(), 1)].into();
    assert_eq!(
        serde_json::to_string(&model).unwrap(),
        serde_json::to_string(&map).unwrap()
    );
    assert_eq!(format!("{model:?}"), format!("{map:?}"));
    let back: VecMap<String, i32> = serde_json::from_str(r#"{"z":26,"a":1}"#).unwrap();
    assert!(back.keys().eq(["a", "z"]));

    let set: VecSet<u8> = [3, 1, 2, 1].into_iter().collect();
    let model_set: BTreeSet<u8> = [3, 1, 2, 1].into_iter().collect();
    assert_eq!(
        serde_json::to_string(&set).unwrap(),
        serde_json::to_string(&model_set).unwrap()
    );
    assert_eq!(format!("{set:?}"), format!("{model_set:?}"));
}

#[test]
fn vec_set_matches_btree_set() {
    let mut rng = Rng(42);
    let mut model = BTreeSet::new();
    let mut set = VecSet::new();
    for _ in 0..5_000 {
        let key = rng.below(40);
        match rng.below(4) {
            0 | 1 => assert_eq!(model.insert(key), set.insert(key)),
            2 => assert_eq!(model.remove(&key), set.remove(&key)),
            _ => assert_eq!(model.contains(&key), set.contains(&key)),
        }
        assert!(model.iter().eq(set.iter()));
        assert_eq!(model.first(), set.first());
        assert_eq!(model.last(), set.last());
    }
    let other: VecSet<u64> = (0..20).collect();
    let model_other: BTreeSet<u64> = (0..20).collect();
    assert!(model.difference(&model_other).eq(set.difference(&other)));
    assert!(
        model
            .intersection(&model_other)
            .eq(set.intersection(&other))
    );
    assert_eq!(model.is_subset(&model_other), set.is_subset(&other));
}

#[test]
fn sort_by_is_stable_and_orders_like_slice_sort() {
    let mut rng = Rng(7);
    for len in [0usize, 1, 2, 3, 17, 300] {
        let items: Vec<(u64, usize)> = (0..len).map(|i| (rng.below(8), i)).collect();
        let mut expected = items.clone();
        expected.sort_by_key(|a| a.0);
        let mut sorted = items;
        shared::collections::sort_by(&mut sorted, |a, b| a.0.cmp(&b.0));
        assert_eq!(sorted, expected, "len {len}");
    }
}
