use std::path::Path;

use super::*;
use crate::data::csv::{CsvSpec, read_text_csv_from_str};

fn table(text: &str) -> TextTable {
    let spec = CsvSpec {
        target: Some("y"),
        features: None,
    };
    read_text_csv_from_str(Path::new("t.csv"), text, &spec).unwrap()
}

fn kinds(text: &str, settings: &PrepSettings) -> (Vec<Kind>, Vec<Warning>) {
    infer_kinds(&table(text), settings).unwrap()
}

/// 12 rows: `rownames` 1..12, a text column, a number column, a number column equal to 0..11.
fn twelve_rows() -> String {
    let mut s = String::from("rownames,colour,size,n,y\n");
    for i in 0..12 {
        let colour = ["red", "blue", "green"][i % 3];
        s.push_str(&format!("{},{colour},{},{i},{}\n", i + 1, i % 5, i % 2));
    }
    s
}

#[test]
fn numbers_are_numeric_text_is_categorical_and_id_columns_are_ignored_with_a_warning() {
    let (k, w) = kinds(&twelve_rows(), &PrepSettings::default());
    assert_eq!(
        k,
        [
            Kind::Ignored,
            Kind::Categorical,
            Kind::Numeric,
            Kind::Ignored
        ]
    );
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        matches!(&w[0], Warning::IgnoredColumn { column, why } if column == "rownames" && why.contains("name"))
    );
    assert!(
        matches!(&w[1], Warning::IgnoredColumn { column, why } if column == "n" && why.contains("row number"))
    );
}

#[test]
fn a_text_column_with_a_distinct_value_per_row_is_ignored() {
    let mut s = String::from("x,name,y\n");
    for i in 0..12 {
        s.push_str(&format!("{},person{i},{}\n", i % 3, i % 2));
    }
    let (k, w) = kinds(&s, &PrepSettings::default());
    assert_eq!(k, [Kind::Numeric, Kind::Ignored]);
    assert!(matches!(&w[0], Warning::IgnoredColumn { column, .. } if column == "name"));
}

#[test]
fn forced_kinds_override_the_rules_and_unknown_columns_are_settings_errors() {
    let settings = PrepSettings {
        categorical: vec!["size".into()],
        numeric: vec!["rownames".into()],
        ignore: vec!["colour".into()],
        ..Default::default()
    };
    let (k, w) = kinds(&twelve_rows(), &settings);
    assert_eq!(
        k,
        [
            Kind::Numeric,
            Kind::Ignored,
            Kind::Categorical,
            Kind::Ignored
        ]
    );
    assert_eq!(w.len(), 1); // only `n`, the row number
    let bad = PrepSettings {
        categorical: vec!["nosuch".into()],
        ..Default::default()
    };
    let e = infer_kinds(&table(&twelve_rows()), &bad)
        .unwrap_err()
        .to_string();
    assert!(e.contains("categorical") && e.contains("`nosuch`"), "{e}");
    assert!(e.contains("rownames, colour, size, n"), "{e}");
}

#[test]
fn a_few_codes_with_a_text_one_are_categories_with_a_warning() {
    // cylinders-like: 4, 6, 8 and `rotary` → four categories, not an error
    let (k, w) = kinds("x,y\n4,0\n6,1\nrotary,0\n8,1\n", &PrepSettings::default());
    assert_eq!(k, [Kind::Categorical]);
    assert_eq!(
        w,
        [Warning::MixedColumn {
            column: "x".into(),
            value: "rotary".into()
        }]
    );
}

#[test]
fn text_among_many_distinct_numbers_is_missing_with_a_warning_or_an_error_when_strict() {
    // 60 distinct numbers (more than max_categories 50) and one `abc` at line 5: numeric,
    // and `abc` is imputed with the median of the fitted rows (rows 0..60 without row 3)
    let mut csv = String::from("x,y\n");
    for i in 0..61 {
        let v = if i == 3 {
            "abc".to_string()
        } else {
            format!("{}", i * 2)
        };
        csv.push_str(&format!("{v},{}\n", i % 2));
    }
    let t = table(&csv);
    let (k, w) = kinds(&csv, &PrepSettings::default());
    assert_eq!(k, [Kind::Numeric]);
    assert!(w.is_empty(), "{w:?}");
    let rows: Vec<usize> = (0..61).collect();
    let (plan, _) = Plan::fit(&t, &k, &rows, &PrepSettings::default()).unwrap();
    // the 60 numbers 0, 2, 4 | 8 … 120: median of the 60 is (60 + 62) / 2 = 61
    assert_eq!(
        plan.columns[0],
        Column::Numeric {
            name: "x".into(),
            median: 61.0,
            impute: Impute::Median,
            missing_indicator: false,
        }
    );
    let (x, w) = plan.apply(&t, false).unwrap();
    assert_eq!(x[[0, 3]], 61.0);
    assert_eq!(
        w,
        [Warning::TextAsMissing {
            column: "x".into(),
            value: "abc".into(),
            rows: 1
        }]
    );
    let e = plan.apply(&t, true).unwrap_err().to_string();
    assert!(
        e.contains("t.csv:5: column `x`: `abc` is not a number"),
        "{e}"
    );
}

#[test]
fn missing_value_tokens_are_case_insensitive_and_settable() {
    let s = PrepSettings::default();
    for v in ["", "NA", "na", "NaN", "NULL", "?"] {
        assert!(s.is_missing(v), "{v}");
    }
    assert!(!s.is_missing("0"));
    let custom = PrepSettings {
        na_values: vec!["-999".into()],
        ..Default::default()
    };
    assert!(custom.is_missing("-999") && !custom.is_missing("NA"));
}

#[test]
fn imputation_uses_the_training_rows_only() {
    // Training rows 0..4: x = 1, 2, 3, 10 (median 2.5), c = a, a, b, (missing) (mode a).
    // The test rows 4, 5 (x = 100, 200; c = b, b) would move the median to 6.5 and the mode
    // to b.
    let t = table("x,c,y\n1,a,0\n2,a,1\n3,b,0\n10,NA,1\n100,b,0\n200,b,1\nNA,,0\n");
    let k = [Kind::Numeric, Kind::Categorical];
    let plan = Plan::fit(&t, &k, &[0, 1, 2, 3], &PrepSettings::default())
        .unwrap()
        .0;
    assert_eq!(
        plan.columns[0],
        Column::Numeric {
            name: "x".into(),
            median: 2.5,
            impute: Impute::Median,
            missing_indicator: false,
        }
    );
    assert_eq!(
        plan.columns[1],
        Column::Categorical {
            name: "c".into(),
            categories: vec!["a".into(), "b".into()],
            mode: "a".into(),
            pooled: vec![],
            missing_indicator: false,
        }
    );
    assert_eq!(plan.encoded_names(), ["x", "c=a", "c=b"]);
    let (x, w) = plan.apply(&t, false).unwrap();
    assert!(w.is_empty());
    // the last row: x missing → 2.5, c missing → a
    assert_eq!(x.column(6).to_vec(), [2.5, 1.0, 0.0]);
    assert_eq!(x.column(4).to_vec(), [100.0, 0.0, 1.0]);
}

#[test]
fn an_unseen_category_is_all_zeros_with_one_warning_or_an_error_when_strict() {
    let t = table("c,y\na,0\nb,1\nzz,0\nzz,1\n");
    let plan = Plan::fit(&t, &[Kind::Categorical], &[0, 1], &PrepSettings::default())
        .unwrap()
        .0;
    let (x, w) = plan.apply(&t, false).unwrap();
    assert_eq!(x.column(2).to_vec(), [0.0, 0.0]);
    assert_eq!(
        w,
        [Warning::UnseenCategory {
            column: "c".into(),
            value: "zz".into(),
            rows: 2
        }]
    );
    let e = plan.apply(&t, true).unwrap_err().to_string();
    assert!(
        e.contains("t.csv:4: column `c`: `zz` is a category the model has not seen"),
        "{e}"
    );
}

#[test]
fn rows_with_a_missing_target_are_dropped_and_counted() {
    let mut t = table("x,y\n1,0\n2,NA\n3,\n4,1\n");
    let w = drop_missing_targets(&mut t, &PrepSettings::default().na_values).unwrap();
    assert_eq!(
        w,
        [Warning::MissingTarget {
            column: "y".into(),
            rows: 2
        }]
    );
    assert_eq!(t.lines, [2, 5]);
    assert_eq!(t.cell(1, 0), "4");
}

#[test]
fn the_plan_round_trips_through_json() {
    let t = table("x,c,y\n1,a,0\n2,b,1\n");
    let k = [Kind::Numeric, Kind::Categorical];
    let plan = Plan::fit(&t, &k, &[0, 1], &PrepSettings::default())
        .unwrap()
        .0;
    let json = serde_json::to_string(&plan).unwrap();
    assert_eq!(serde_json::from_str::<Plan>(&json).unwrap(), plan);
}

#[test]
fn beyond_max_categories_the_rare_ones_are_pooled_into_other() {
    // counts: a 3, b 2, c 1, d 1; max 3 keeps a, b and pools c, d
    let t = table("c,y\na,0\na,1\na,0\nb,1\nb,0\nc,1\nd,0\n");
    let settings = PrepSettings {
        max_categories: 3,
        ..Default::default()
    };
    let rows: Vec<usize> = (0..7).collect();
    let (plan, w) = Plan::fit(&t, &[Kind::Categorical], &rows, &settings).unwrap();
    assert_eq!(plan.encoded_names(), ["c=a", "c=b", "c=(other)"]);
    assert_eq!(
        w,
        [Warning::PooledCategories {
            column: "c".into(),
            pooled: 2,
            kept: 2
        }]
    );
    let (x, w) = plan.apply(&t, true).unwrap();
    assert!(w.is_empty());
    assert_eq!(x.column(6).to_vec(), [0.0, 0.0, 1.0]);
    assert_eq!(x.column(3).to_vec(), [0.0, 1.0, 0.0]);
}

#[test]
fn an_unnamed_first_column_is_a_row_id() {
    let mut s = String::from(",x,y\n");
    for i in 0..12 {
        s.push_str(&format!("r{i},{},{}\n", i % 4, i % 2));
    }
    let (k, w) = kinds(&s, &PrepSettings::default());
    assert_eq!(k, [Kind::Ignored, Kind::Numeric]);
    assert!(matches!(&w[0], Warning::IgnoredColumn { column, .. } if column == "(unnamed)"));
}

#[test]
fn prepare_training_fits_the_plan_on_the_experiments_training_rows_only() {
    // x = r² in row r (0..19), missing in row 19: the median of all 19 values is 81; the
    // training rows' (16 rows of the default 80/20 split, from Experiment::training_rows)
    // differs, and is the one the plan must hold and impute.
    let mut text = String::from("x,c,y\n");
    for i in 0..20 {
        let x = if i == 19 {
            "NA".to_string()
        } else {
            (i * i).to_string()
        };
        text.push_str(&format!("{x},{},{}\n", ["a", "b"][i % 2], i % 2));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv");
    std::fs::write(&path, &text).unwrap();
    let exp = Experiment::default();
    let file = TrainingFile {
        input: CsvInput::file(&path),
        target: "y",
        features: None,
        regression: false,
        positive: None,
    };
    let prepared = prepare_training(file, &PrepSettings::default(), &exp, None).unwrap();
    let rows = exp.training_rows(&prepared.data).unwrap();
    assert_eq!(rows.len(), 16);
    let by_hand = median(
        rows.iter()
            .filter(|&&r| r != 19)
            .map(|&r| (r * r) as f64)
            .collect(),
    );
    let all_rows = median((0..19).map(|r| (r * r) as f64).collect());
    assert_ne!(by_hand, all_rows, "pick data where the split matters");
    assert_eq!(
        prepared.plan.columns[0],
        Column::Numeric {
            name: "x".into(),
            median: by_hand,
            impute: Impute::Median,
            missing_indicator: false,
        }
    );
    // the missing value was imputed with the training median
    assert_eq!(prepared.data.x[[0, 19]], by_hand);
}

#[test]
fn the_numeric_fast_path_gives_what_the_text_path_gives() {
    // 40 rows of numbers (x1 squared noise, x2 a code): the numeric reader's fast path and the
    // text path (taken here because a kind is forced) give the same data set and medians
    let mut text = String::from("x1,x2,y\n");
    for i in 0..40u32 {
        text.push_str(&format!(
            "{},{},{}\n",
            f64::from(i * 7 % 13) / 3.0,
            i % 4,
            i % 3
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv");
    std::fs::write(&path, &text).unwrap();
    let exp = Experiment::default();
    let file = TrainingFile {
        input: CsvInput::file(&path),
        target: "y",
        features: None,
        regression: false,
        positive: None,
    };
    let fast = prepare_training(file.clone(), &PrepSettings::default(), &exp, None).unwrap();
    let forced = PrepSettings {
        numeric: vec!["x1".into()],
        ..PrepSettings::default()
    };
    let slow = prepare_training(file.clone(), &forced, &exp, None).unwrap();
    assert_eq!(fast.data, slow.data);
    assert_eq!(fast.plan, slow.plan);
    assert!(fast.plan_if_needed().is_none() && slow.plan_if_needed().is_none());
    // a missing value, a row-number column or a missing target takes the text path
    std::fs::write(&path, text.replacen("\n0,0,0\n", "\nNA,0,0\n", 1)).unwrap();
    let holed = prepare_training(file, &PrepSettings::default(), &exp, None).unwrap();
    assert!(holed.plan_if_needed().is_some());
}

#[test]
fn a_sample_weight_column_is_read_as_weights_not_as_a_feature() {
    // 12 rows: x, a text column, the weight w (row i weighs i % 3) and y; a missing target
    // drops its row, and its weight with it
    let mut text = String::from("x,kind,w,y\n");
    for i in 0..12 {
        let y = if i == 4 {
            "NA".to_string()
        } else {
            (i % 2).to_string()
        };
        text.push_str(&format!("{i},{},{},{y}\n", ["p", "q"][i % 2], i % 3));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv");
    std::fs::write(&path, &text).unwrap();
    let exp = Experiment::default();
    let settings = PrepSettings {
        sample_weight: Some("w".into()),
        ..PrepSettings::default()
    };
    let file = TrainingFile {
        input: CsvInput::file(&path),
        target: "y",
        features: None,
        regression: false,
        positive: None,
    };
    let prepared = prepare_training(file.clone(), &settings, &exp, None).unwrap();
    assert_eq!(prepared.data.feature_names, ["x", "kind=p", "kind=q"]);
    let expected: Vec<f64> = (0..12)
        .filter(|&i| i != 4)
        .map(|i| (i % 3) as f64)
        .collect();
    assert_eq!(prepared.data.weights.as_deref(), Some(expected.as_slice()));
    assert_eq!(
        prepared.plan.columns[2],
        Column::Ignored { name: "w".into() }
    );
    assert!(prepared.plan.used_columns().iter().all(|c| c != "w"));
    // with a feature list, the weight column is read besides it
    let listed = ["x".to_string()];
    let picked = TrainingFile {
        features: Some(&listed),
        ..file.clone()
    };
    let prepared = prepare_training(picked, &settings, &exp, None).unwrap();
    assert_eq!(prepared.data.feature_names, ["x"]);
    assert_eq!(prepared.data.weights.as_deref(), Some(expected.as_slice()));
    // an all-numeric file with weights: the weights still come from their column
    let numeric = text.replace(",p,", ",1,").replace(",q,", ",2,");
    std::fs::write(&path, numeric).unwrap();
    let prepared = prepare_training(file.clone(), &settings, &exp, None).unwrap();
    assert_eq!(prepared.data.feature_names, ["x", "kind"]);
    assert_eq!(prepared.data.weights.as_deref(), Some(expected.as_slice()));
    // errors: the column must exist and hold a weight ≥ 0 in every row
    let unknown = PrepSettings {
        sample_weight: Some("weight".into()),
        ..PrepSettings::default()
    };
    let e = prepare_training(file.clone(), &unknown, &exp, None).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("d.csv: no sample-weight column `weight`; the columns are: x, kind, w, y"),
        "{e}"
    );
    std::fs::write(&path, text.replace("7,q,1,1", "7,q,-3,1")).unwrap();
    let e = prepare_training(file.clone(), &settings, &exp, None).unwrap_err();
    assert!(
        e.to_string().ends_with(
            "d.csv:9: column `w`: sample weight `-3` is negative; a weight must be a finite number ≥ 0"
        ),
        "{e}"
    );
}

#[test]
fn mean_median_and_most_frequent_differ_on_a_hand_made_column() {
    // x = 1, 2, 2, 3, 12 (and a missing one): median 2, mean 20/5 = 4, most frequent 2
    let values = vec![1.0, 2.0, 2.0, 3.0, 12.0];
    assert_eq!(Impute::Median.fit(values.clone()), 2.0);
    assert_eq!(Impute::Mean.fit(values.clone()), 4.0);
    assert_eq!(Impute::MostFrequent.fit(values), 2.0);
    // a tie goes to the smallest: 5, 5, 1, 1, 9 → 1; nothing → 0
    assert_eq!(Impute::MostFrequent.fit(vec![5.0, 5.0, 1.0, 1.0, 9.0]), 1.0);
    assert_eq!(Impute::Mean.fit(Vec::new()), 0.0);
    // huge values do not overflow: the mean of 1e308 and 1e308 is 1e308
    assert_eq!(mean(&[1e308, 1e308]), 1e308);
}

#[test]
fn the_impute_setting_fits_the_plan_and_fills_missing_values() {
    let t = table("x,y\n1,0\n2,1\n2,0\n3,1\n12,0\nNA,1\n");
    let rows = [0, 1, 2, 3, 4, 5];
    for (impute, fill) in [
        (Impute::Median, 2.0),
        (Impute::Mean, 4.0),
        (Impute::MostFrequent, 2.0),
    ] {
        let settings = PrepSettings {
            impute,
            ..Default::default()
        };
        let plan = Plan::fit(&t, &[Kind::Numeric], &rows, &settings).unwrap().0;
        assert_eq!(
            plan.columns[0],
            Column::Numeric {
                name: "x".into(),
                median: fill,
                impute,
                missing_indicator: false,
            }
        );
        let (x, _) = plan.apply(&t, false).unwrap();
        assert_eq!(x[[0, 5]], fill, "{impute:?}");
    }
}

#[test]
fn missing_indicators_are_one_where_the_value_was_missing_and_follow_their_column() {
    // x missing in rows 1 and 3 (`NA`, and text `abc` read as missing), c missing in row 2;
    // z is never missing in the training rows 0..4 (only in row 4): it gets no indicator
    let t = table("x,c,z,y\n1,a,5,0\nNA,b,6,1\n3,,7,0\nabc,a,8,1\n9,b,NA,0\n");
    let k = [Kind::Numeric, Kind::Categorical, Kind::Numeric];
    let settings = PrepSettings {
        missing_indicators: true,
        ..Default::default()
    };
    let plan = Plan::fit(&t, &k, &[0, 1, 2, 3], &settings).unwrap().0;
    assert_eq!(
        plan.encoded_names(),
        ["x", "x=(missing)", "c=a", "c=b", "c=(missing)", "z"]
    );
    assert!(matches!(
        plan.columns[2],
        Column::Numeric {
            missing_indicator: false,
            ..
        }
    ));
    let (x, _) = plan.apply(&t, false).unwrap();
    // training x = 1, 3 → median 2; c = a, b, a → mode a; z = 5, 6, 7, 8 → median 6.5
    let rows: Vec<Vec<f64>> = (0..5).map(|j| x.column(j).to_vec()).collect();
    assert_eq!(rows[0], [1.0, 0.0, 1.0, 0.0, 0.0, 5.0]);
    assert_eq!(rows[1], [2.0, 1.0, 0.0, 1.0, 0.0, 6.0]);
    assert_eq!(rows[2], [3.0, 0.0, 1.0, 0.0, 1.0, 7.0]);
    assert_eq!(rows[3], [2.0, 1.0, 1.0, 0.0, 0.0, 8.0]);
    // z's missing value in row 4 is imputed, without an indicator
    assert_eq!(rows[4], [9.0, 0.0, 0.0, 1.0, 0.0, 6.5]);
    // the plan round-trips through JSON with its indicators
    let back: Plan = serde_json::from_str(&serde_json::to_string(&plan).unwrap()).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn a_plan_written_before_impute_and_indicators_loads_as_median_without_indicators() {
    let old = r#"{"na_values": ["NA"], "columns": [
        {"kind": "numeric", "name": "x", "median": 2.5},
        {"kind": "categorical", "name": "c", "categories": ["a", "b"], "mode": "a"}]}"#;
    let plan: Plan = serde_json::from_str(old).unwrap();
    assert_eq!(plan.encoded_names(), ["x", "c=a", "c=b"]);
    assert!(matches!(
        plan.columns[0],
        Column::Numeric {
            impute: Impute::Median,
            missing_indicator: false,
            ..
        }
    ));
    // and is written back without the new fields
    let json = serde_json::to_string(&plan.columns[0]).unwrap();
    assert_eq!(json, r#"{"kind":"numeric","name":"x","median":2.5}"#);
}

fn prepare_file(text: &str, settings: &PrepSettings) -> Result<Prepared> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv");
    std::fs::write(&path, text).unwrap();
    let file = TrainingFile {
        input: CsvInput::file(&path),
        target: "y",
        features: None,
        regression: false,
        positive: None,
    };
    let exp = Experiment {
        test_split: 0.0,
        ..Default::default()
    };
    prepare_training(file, settings, &exp, None)
}

#[test]
fn drop_missing_drops_rows_with_a_missing_feature_and_counts_them() {
    // rows 2 (x `NA`) and 4 (c empty) are dropped; row 5's missing target is dropped first
    let text = "x,c,y\n1,a,0\n2,b,1\nNA,a,0\n4,b,1\n5,,0\n6,a,NA\n7,b,1\n";
    let settings = PrepSettings {
        drop_missing: true,
        ..Default::default()
    };
    let prepared = prepare_file(text, &settings).unwrap();
    assert_eq!(prepared.data.n_samples(), 4);
    assert!(
        prepared
            .warnings
            .contains(&Warning::MissingFeatures { rows: 2 })
    );
    assert_eq!(prepared.data.x.row(0).to_vec(), [1.0, 2.0, 4.0, 7.0]);
    // the plan is kept, so predict can impute: median of 1, 2, 4, 7 = 3
    assert!(prepared.plan_if_needed().is_some());
    assert!(matches!(
        prepared.plan.columns[0],
        Column::Numeric { median: 3.0, .. }
    ));
    // no row left is a settings error
    let e = prepare_file("x,c,y\nNA,a,0\n2,,1\n", &settings)
        .unwrap_err()
        .to_string();
    assert!(e.contains("drop_missing") && e.contains("no row"), "{e}");
}
