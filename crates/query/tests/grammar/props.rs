//! Property tests: the parsers never panic, and what they read they can write back.

use gatehouse_query::{
    Aggregate, AggregateFunction, CmpOp, Condition, Direction, Embed, Field, FilterValue, FtsKind,
    IsValue, JoinType, JsonArrow, JsonOperand, JsonStep, LogicOp, Nulls, Operation, OrderTerm,
    Preferences, Quantifier, RangeOp, Request, RowRange, SelectField, SelectItem, SelectList,
    Value, parse_condition, parse_order, parse_select,
};
use proptest::prelude::*;

/// Strings biased towards the grammar's own characters, plus anything at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z0-9 ().,:!\"\\\\*{}>\\-_=&@$\t]{0,40}",
        1 => any::<String>(),
        1 => "(not\\.|or|and|\\(|\\)|eq|in|is|\\.|,|->>|->|::|!inner|\\.\\.\\.|\"|\\\\|\\*|[a-z]){0,30}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("select".to_owned()),
        Just("order".to_owned()),
        Just("limit".to_owned()),
        Just("offset".to_owned()),
        Just("or".to_owned()),
        Just("not.and".to_owned()),
        Just("books.or".to_owned()),
        Just("books.order".to_owned()),
        Just("books.limit".to_owned()),
        Just("columns".to_owned()),
        Just("on_conflict".to_owned()),
        Just("col".to_owned()),
        Just("books.col".to_owned()),
        text(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn request_parsing_never_panics(pairs in prop::collection::vec((key(), text()), 0..6)) {
        let _ = Request::parse(&pairs);
    }

    #[test]
    fn single_parsers_never_panic(s in text(), k in text()) {
        let _ = parse_select(&s);
        let _ = parse_order(&s);
        let _ = parse_condition(&k, &s);
        let _ = parse_condition("or", &s);
        let _ = parse_condition(&k, &format!("({s})"));
        let _ = Request::parse(&[(k.as_str(), s.as_str())]);
    }

    #[test]
    fn headers_never_panic(a in text(), b in text(), unit in proptest::option::of(text())) {
        let _ = Preferences::parse([a.as_str(), b.as_str()]);
        let _ = RowRange::parse(&a, unit.as_deref());
    }

    #[test]
    fn errors_stay_short(s in "[a-z(),.]{200,2000}") {
        for result in [
            parse_select(&s).err(),
            parse_order(&s).err(),
            parse_condition("or", &s).err(),
            parse_condition("a", &s).err(),
        ].into_iter().flatten() {
            prop_assert!(result.message().chars().count() < 200, "{}", result.message());
            prop_assert!(result.details().chars().count() < 400, "{}", result.details());
        }
    }

    /// A top-level operand is everything after the operator's dot, verbatim.
    #[test]
    fn top_level_values_come_back_unchanged(v in any::<String>(), negate in any::<bool>()) {
        for op in ["eq", "neq", "gt", "gte", "lt", "lte", "match", "imatch", "isdistinct", "cs", "adj"] {
            let value = format!("{}{op}.{v}", if negate { "not." } else { "" });
            let (_, cond) = parse_condition("col", &value).expect("parses");
            match cond {
                Condition::Filter { negate: n, op: Operation::Compare(_, None, got) | Operation::Range(_, got), .. } => {
                    prop_assert_eq!(n, negate);
                    prop_assert_eq!(got.as_str(), v.as_str());
                }
                other => prop_assert!(false, "{other:?}"),
            }
        }
        let (_, cond) = parse_condition("doc", &format!("fts(english).{v}")).expect("parses");
        match cond {
            Condition::Filter { op: Operation::Fts { query, .. }, .. } => prop_assert_eq!(query.as_str(), v.as_str()),
            other => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn like_values_translate_only_stars(v in any::<String>()) {
        let (_, cond) = parse_condition("col", &format!("ilike.{v}")).expect("parses");
        match cond {
            Condition::Filter { op: Operation::Compare(CmpOp::ILike, None, got), .. } => {
                prop_assert_eq!(got.0, v.replace('*', "%"));
            }
            other => prop_assert!(false, "{other:?}"),
        }
    }

    /// Any list, written with PostgREST's quoting, reads back element for element.
    #[test]
    fn in_lists_round_trip(items in prop::collection::vec(any::<String>(), 0..6)) {
        let op = Operation::In(items.iter().map(|s| Value(s.clone())).collect());
        let written = FilterValue { negate: false, op: &op }.to_string();
        let (_, cond) = parse_condition("col", &written).expect("parses");
        match cond {
            Condition::Filter { op: Operation::In(got), .. } => {
                let got: Vec<String> = got.into_iter().map(|v| v.0).collect();
                prop_assert_eq!(got, items);
            }
            other => prop_assert!(false, "{other:?}"),
        }
    }

    /// Any condition tree at any path, written as a query pair, parses back to itself.
    #[test]
    fn conditions_round_trip(path in prop::collection::vec(name(), 0..3), cond in condition()) {
        let (k, v) = cond.to_pair(&path);
        let parsed = parse_condition(&k, &v);
        prop_assert_eq!(parsed.as_ref().ok(), Some(&(path.clone(), cond.clone())), "{}={}: {:?}", k, v, parsed.as_ref().err().map(ToString::to_string));
        // The same pair through the whole request parser.
        let req = Request::parse(&[(k.as_str(), v.as_str())]).expect("parses");
        prop_assert_eq!(&req.filters, &vec![(path, cond)]);
    }

    #[test]
    fn select_lists_round_trip(items in prop::collection::vec(select_item(), 0..4)) {
        let written = SelectList(&items).to_string();
        let parsed = parse_select(&written);
        prop_assert_eq!(parsed.as_ref().ok(), Some(&items), "{}: {:?}", written, parsed.as_ref().err().map(ToString::to_string));
    }

    #[test]
    fn order_terms_round_trip(terms in prop::collection::vec(order_term(), 1..4)) {
        let written = terms.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
        let parsed = parse_order(&written);
        prop_assert_eq!(parsed.as_ref().ok(), Some(&terms), "{}: {:?}", written, parsed.as_ref().err().map(ToString::to_string));
    }
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,6}",
        Just("not".to_owned()),
        Just("or".to_owned()),
        Just("order".to_owned()),
        Just("count".to_owned()),
        Just("inner".to_owned()),
        any::<String>(),
        "[a-z ,.:()\"\\\\!>-]{0,8}",
    ]
}

fn ident() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,6}( [a-z]{1,5})?"
}

fn field() -> impl Strategy<Value = Field> {
    let step = (
        prop_oneof![Just(JsonArrow::Json), Just(JsonArrow::Text)],
        prop_oneof![
            any::<i32>().prop_map(JsonOperand::Index),
            name().prop_map(JsonOperand::Key),
            Just(JsonOperand::Key("0".to_owned())),
            Just(JsonOperand::Key("-1".to_owned())),
        ],
    )
        .prop_map(|(arrow, operand)| JsonStep { arrow, operand });
    (name(), prop::collection::vec(step, 0..3))
        .prop_map(|(column, json_path)| Field { column, json_path })
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![any::<String>(), "[a-z ,(){}\"\\\\.]{0,10}"].prop_map(Value)
}

fn operation() -> impl Strategy<Value = Operation> {
    let cmp = prop_oneof![
        Just(CmpOp::Eq),
        Just(CmpOp::Neq),
        Just(CmpOp::Gt),
        Just(CmpOp::Gte),
        Just(CmpOp::Lt),
        Just(CmpOp::Lte),
        Just(CmpOp::Like),
        Just(CmpOp::ILike),
        Just(CmpOp::Match),
        Just(CmpOp::IMatch),
        Just(CmpOp::IsDistinct),
    ];
    let quantifier =
        proptest::option::of(prop_oneof![Just(Quantifier::Any), Just(Quantifier::All)]);
    let compare = (cmp, quantifier, value()).prop_map(|(op, q, mut v)| {
        let q = if op.takes_quantifier() { q } else { None };
        if matches!(op, CmpOp::Like | CmpOp::ILike) {
            // A like pattern never holds a `*`: the parser turned them all into `%`.
            v.0 = v.0.replace('*', "%");
        }
        Operation::Compare(op, q, v)
    });
    let range_op = prop_oneof![
        Just(RangeOp::Contains),
        Just(RangeOp::ContainedIn),
        Just(RangeOp::Overlaps),
        Just(RangeOp::StrictlyLeft),
        Just(RangeOp::StrictlyRight),
        Just(RangeOp::NotExtendsLeft),
        Just(RangeOp::NotExtendsRight),
        Just(RangeOp::Adjacent),
    ];
    let fts_kind = prop_oneof![
        Just(FtsKind::Fts),
        Just(FtsKind::Plain),
        Just(FtsKind::Phrase),
        Just(FtsKind::Websearch),
    ];
    let is = prop_oneof![
        Just(IsValue::Null),
        Just(IsValue::NotNull),
        Just(IsValue::True),
        Just(IsValue::False),
        Just(IsValue::Unknown),
    ];
    prop_oneof![
        4 => compare,
        1 => prop::collection::vec(value(), 0..4).prop_map(Operation::In),
        1 => is.prop_map(Operation::Is),
        1 => (fts_kind, proptest::option::of("[a-z_]{1,8}"), value())
            .prop_map(|(kind, language, query)| Operation::Fts { kind, language, query }),
        1 => (range_op, value()).prop_map(|(op, v)| Operation::Range(op, v)),
    ]
}

fn condition() -> impl Strategy<Value = Condition> {
    let leaf = (field(), any::<bool>(), operation())
        .prop_map(|(field, negate, op)| Condition::Filter { field, negate, op });
    leaf.prop_recursive(4, 24, 4, |inner| {
        (
            prop_oneof![Just(LogicOp::And), Just(LogicOp::Or)],
            any::<bool>(),
            prop::collection::vec(inner, 1..4),
        )
            .prop_map(|(op, negate, children)| Condition::Logic {
                op,
                negate,
                children,
            })
    })
}

fn select_item() -> impl Strategy<Value = SelectItem> {
    let agg = prop_oneof![
        Just(AggregateFunction::Avg),
        Just(AggregateFunction::Count),
        Just(AggregateFunction::Max),
        Just(AggregateFunction::Min),
        Just(AggregateFunction::Sum),
    ];
    let field_item = (
        proptest::option::of(name()),
        field(),
        proptest::option::of(ident()),
        proptest::option::of((agg, proptest::option::of(ident()))),
    )
        .prop_map(|(alias, field, cast, aggregate)| {
            SelectItem::Field(SelectField {
                alias,
                field,
                cast,
                aggregate: aggregate.map(|(function, cast)| Aggregate { function, cast }),
            })
        });
    let leaf = prop_oneof![
        1 => Just(SelectItem::Star),
        1 => (proptest::option::of(name()), proptest::option::of(ident()))
            .prop_map(|(alias, cast)| SelectItem::Count { alias, cast }),
        4 => field_item,
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        (
            proptest::option::of(name()),
            name(),
            proptest::option::of(name()),
            proptest::option::of(prop_oneof![Just(JoinType::Inner), Just(JoinType::Left)]),
            any::<bool>(),
            prop::collection::vec(inner, 0..3),
        )
            .prop_map(|(alias, relation, hint, join, spread, select)| {
                SelectItem::Embed(Embed {
                    alias: if spread { None } else { alias },
                    relation,
                    hint,
                    join,
                    spread,
                    select,
                })
            })
    })
}

fn order_term() -> impl Strategy<Value = OrderTerm> {
    (
        proptest::option::of(name()),
        field(),
        proptest::option::of(prop_oneof![Just(Direction::Asc), Just(Direction::Desc)]),
        proptest::option::of(prop_oneof![Just(Nulls::First), Just(Nulls::Last)]),
    )
        .prop_map(|(relation, field, direction, nulls)| OrderTerm {
            relation,
            field,
            direction,
            nulls,
        })
}
