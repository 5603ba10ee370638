//! The demo district's reports add up to the figures of the seed report.

mod demo;

use shared::aggregate::FigureValue;

#[test]
fn demo_reports_reproduce_the_seed_figures() {
    let demo = demo::Demo::load();
    let tree = &demo.tree;
    let f = demo.figures();
    let num = |id: &str| match &f[id] {
        FigureValue::Number { value } => *value,
        other => panic!("{id}: {other:?}"),
    };
    let count = |id: &str| match &f[id] {
        FigureValue::Count { count, of } => (*count, *of),
        other => panic!("{id}: {other:?}"),
    };
    assert_eq!(count("board_established"), (19, 19));
    assert_eq!(num("officers"), 38.0);
    assert_eq!(num("district_officers"), 2.0);
    assert_eq!(num("collaborators"), 93.0);
    assert_eq!(num("villages"), 93.0);
    assert_eq!(tree.count_of_kind("huyen-ba-to", "village"), 93);
    match &f["villages_with_cultural_point"] {
        FigureValue::Ratio {
            numerator,
            denominator,
            ..
        } => assert_eq!((*numerator, *denominator), (93.0, 93.0)),
        o => panic!("{o:?}"),
    }
    match &f["collaborators_per_village"] {
        FigureValue::Ratio { value, .. } => assert_eq!(*value, Some(1.0)),
        o => panic!("{o:?}"),
    }
    assert_eq!(num("mini_pitches"), 9.0);
    assert_eq!(count("units_with_pitches"), (6, 19));
    assert_eq!(count("units_with_plans"), (19, 19));
    match &f["trainings_by_organiser"] {
        FigureValue::Groups { groups } => {
            let g = |k: &str| groups.iter().find(|g| g.key == k).unwrap();
            assert_eq!(
                (g("so").sums["classes"], g("so").sums["participants"]),
                (6.0, 520.0)
            );
            assert_eq!(
                (g("phong").sums["classes"], g("phong").sums["participants"]),
                (1.0, 75.0)
            );
        }
        o => panic!("{o:?}"),
    }
    match &f["parent_plans"] {
        FigureValue::List { items } => {
            let numbers: Vec<_> = items
                .iter()
                .map(|i| i.record.values["number"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(
                numbers,
                [
                    "58/KH-UBND",
                    "76/KH-UBND",
                    "92/KH-UBND",
                    "09/KH-UBND",
                    "52/KH-UBND",
                    "73/KH-UBND",
                    "82/KH-UBND",
                    "84/KH-UBND",
                    "98/KH-UBND"
                ]
            );
        }
        o => panic!("{o:?}"),
    }
}
