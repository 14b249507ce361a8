//! Relationship derivation on hand-built models: pure and fast.

use expect_test::{Expect, expect};

use crate::Catalog;
use crate::relation::{
    Column, ColumnOrigin, ForeignKey, PrimaryKey, QualifiedName, Relation, RelationKind, Schema,
    UniqueConstraint,
};
use crate::relationship::{Cardinality, Join, Relationship, Side};
use crate::types::{Category, Type, TypeKind};

fn int() -> Type {
    Type {
        oid: 23,
        schema: "pg_catalog".into(),
        name: "int4".into(),
        sql_name: "integer".into(),
        category: Category::Integer,
        kind: TypeKind::Base,
        max_length: None,
        precision: None,
        scale: None,
    }
}

fn qn(name: &str) -> QualifiedName {
    match name.split_once('.') {
        Some((s, n)) => QualifiedName::new(s, n),
        None => QualifiedName::new("public", name),
    }
}

fn short(name: &QualifiedName) -> String {
    if name.schema == "public" {
        name.name.clone()
    } else {
        name.to_string()
    }
}

/// `name` is `table` (in `public`) or `schema.table`.
fn table(name: &str, columns: &[&str]) -> Relation {
    let n = qn(name);
    Relation {
        schema: n.schema,
        name: n.name,
        kind: RelationKind::Table,
        comment: None,
        insertable: true,
        updatable: true,
        deletable: true,
        row_security: false,
        columns: columns
            .iter()
            .map(|c| Column {
                name: (*c).to_owned(),
                ty: int(),
                nullable: true,
                default: None,
                identity: None,
                generated: None,
                comment: None,
                origin: None,
            })
            .collect(),
        primary_key: None,
        unique_constraints: Vec::new(),
        foreign_keys: Vec::new(),
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn pk(mut r: Relation, columns: &[&str]) -> Relation {
    r.primary_key = Some(PrimaryKey {
        name: format!("{}_pkey", r.name),
        columns: strings(columns),
    });
    r
}

fn unique(mut r: Relation, name: &str, columns: &[&str]) -> Relation {
    r.unique_constraints.push(UniqueConstraint {
        name: name.to_owned(),
        columns: strings(columns),
    });
    r
}

fn fk(mut r: Relation, name: &str, columns: &[&str], target: &str, refs: &[&str]) -> Relation {
    r.foreign_keys.push(ForeignKey {
        name: name.to_owned(),
        columns: strings(columns),
        referenced: qn(target),
        referenced_columns: strings(refs),
    });
    r
}

/// A view; each column is `name` or `name=table.column` (its origin).
fn view(name: &str, columns: &[&str]) -> Relation {
    let mut r = table(name, &[]);
    r.kind = RelationKind::View;
    r.columns = columns
        .iter()
        .map(|spec| {
            let (col, origin) = match spec.split_once('=') {
                Some((c, o)) => {
                    let (rel, oc) = o.rsplit_once('.').expect("table.column");
                    (
                        c,
                        Some(ColumnOrigin {
                            relation: qn(rel),
                            column: oc.to_owned(),
                        }),
                    )
                }
                None => (*spec, None),
            };
            let mut c = table("x", &[col]).columns.remove(0);
            c.origin = origin;
            c
        })
        .collect();
    r
}

fn catalog(exposed: Vec<Relation>, hidden: Vec<Relation>) -> Catalog {
    let schemas = vec![Schema {
        name: "public".into(),
        comment: None,
    }];
    Catalog::with_base_relations(schemas, exposed, hidden)
}

fn render(r: &Relationship) -> String {
    let card = match r.cardinality {
        Cardinality::ManyToOne => "M2O",
        Cardinality::OneToMany => "O2M",
        Cardinality::OneToOne => "O2O",
        Cardinality::ManyToMany => "M2M",
    };
    let pairs = |v: &[crate::ColumnPair]| {
        v.iter()
            .map(|p| format!("{}={}", p.from, p.to))
            .collect::<Vec<_>>()
            .join(",")
    };
    let join = match &r.join {
        Join::ForeignKey {
            constraint,
            holder,
            columns,
        } => {
            let holder = match holder {
                Side::Source => "fk on source",
                Side::Target => "fk on target",
            };
            format!("{constraint} ({holder}) {}", pairs(columns))
        }
        Join::Junction {
            junction,
            source_constraint,
            source_columns,
            target_constraint,
            target_columns,
        } => format!(
            "via {} [{source_constraint} {} | {target_constraint} {}]",
            short(junction),
            pairs(source_columns),
            pairs(target_columns)
        ),
    };
    format!("{} -> {} {card} {join}", short(&r.source), short(&r.target))
}

fn check(exposed: Vec<Relation>, hidden: Vec<Relation>, expected: Expect) {
    let c = catalog(exposed, hidden);
    let actual: String = c.relationships().iter().map(|r| render(r) + "\n").collect();
    expected.assert_eq(&actual);
}

#[test]
fn many_to_one_and_back() {
    check(
        vec![
            pk(table("directors", &["id"]), &["id"]),
            fk(
                pk(table("films", &["id", "director_id"]), &["id"]),
                "films_director_id_fkey",
                &["director_id"],
                "directors",
                &["id"],
            ),
        ],
        vec![],
        expect![[r#"
            directors -> films O2M films_director_id_fkey (fk on target) id=director_id
            films -> directors M2O films_director_id_fkey (fk on source) director_id=id
        "#]],
    );
}

#[test]
fn one_to_one_when_the_fk_columns_are_a_key() {
    let users = pk(table("users", &["id"]), &["id"]);
    // FK columns are the primary key
    let profiles = fk(
        pk(table("profiles", &["user_id"]), &["user_id"]),
        "profiles_user_id_fkey",
        &["user_id"],
        "users",
        &["id"],
    );
    // FK columns are a unique constraint, in another order than the key
    let passports = fk(
        unique(
            pk(table("passports", &["id", "a", "b"]), &["id"]),
            "passports_b_a_key",
            &["b", "a"],
        ),
        "passports_fkey",
        &["a", "b"],
        "pairs",
        &["x", "y"],
    );
    let pairs = pk(table("pairs", &["x", "y"]), &["x", "y"]);
    check(
        vec![users, profiles, passports, pairs],
        vec![],
        expect![[r#"
            pairs -> passports O2O passports_fkey (fk on target) x=a,y=b
            passports -> pairs O2O passports_fkey (fk on source) a=x,b=y
            profiles -> users O2O profiles_user_id_fkey (fk on source) user_id=id
            users -> profiles O2O profiles_user_id_fkey (fk on target) id=user_id
        "#]],
    );
}

#[test]
fn composite_self_and_parallel_foreign_keys() {
    let addresses = pk(table("addresses", &["id"]), &["id"]);
    let orders = fk(
        fk(
            pk(table("orders", &["id", "billing", "shipping"]), &["id"]),
            "orders_billing_fkey",
            &["billing"],
            "addresses",
            &["id"],
        ),
        "orders_shipping_fkey",
        &["shipping"],
        "addresses",
        &["id"],
    );
    let employees = fk(
        pk(table("employees", &["id", "manager_id"]), &["id"]),
        "employees_manager_id_fkey",
        &["manager_id"],
        "employees",
        &["id"],
    );
    let lines = fk(
        pk(table("lines", &["order_id", "n"]), &["order_id", "n"]),
        "lines_fkey",
        &["order_id", "n"],
        "slots",
        &["a", "b"],
    );
    let slots = pk(table("slots", &["a", "b"]), &["a", "b"]);
    check(
        vec![addresses, orders, employees, lines, slots],
        vec![],
        expect![[r#"
            addresses -> orders O2M orders_billing_fkey (fk on target) id=billing
            addresses -> orders O2M orders_shipping_fkey (fk on target) id=shipping
            employees -> employees M2O employees_manager_id_fkey (fk on source) manager_id=id
            employees -> employees O2M employees_manager_id_fkey (fk on target) id=manager_id
            lines -> slots O2O lines_fkey (fk on source) order_id=a,n=b
            orders -> addresses M2O orders_billing_fkey (fk on source) billing=id
            orders -> addresses M2O orders_shipping_fkey (fk on source) shipping=id
            slots -> lines O2O lines_fkey (fk on target) a=order_id,b=n
        "#]],
    );
}

fn films_and_actors() -> Vec<Relation> {
    vec![
        pk(table("films", &["id"]), &["id"]),
        pk(table("actors", &["id"]), &["id"]),
    ]
}

fn roles(name: &str) -> Relation {
    let r = table(name, &["id", "film_id", "actor_id", "character"]);
    let r = fk(
        r,
        &format!("{name}_film_fkey"),
        &["film_id"],
        "films",
        &["id"],
    );
    fk(
        r,
        &format!("{name}_actor_fkey"),
        &["actor_id"],
        "actors",
        &["id"],
    )
}

#[test]
fn many_to_many_through_a_junction_whose_primary_key_holds_both_keys() {
    let mut rels = films_and_actors();
    rels.push(pk(roles("roles"), &["film_id", "actor_id"]));
    let c = catalog(rels, vec![]);
    let m2m: Vec<String> = c
        .relationships()
        .iter()
        .filter(|r| r.cardinality == Cardinality::ManyToMany)
        .map(render)
        .collect();
    expect![[r#"
        [
            "actors -> films M2M via roles [roles_actor_fkey id=actor_id | roles_film_fkey film_id=id]",
            "films -> actors M2M via roles [roles_film_fkey id=film_id | roles_actor_fkey actor_id=id]",
        ]
    "#]]
    .assert_debug_eq(&m2m);
    // The junction's own relationships are there too.
    assert_eq!(c.relationships_from(&qn("roles")).len(), 2);
    assert_eq!(c.relationships_from(&qn("films")).len(), 2);
}

#[test]
fn many_to_many_through_a_unique_key_but_not_through_loose_columns() {
    let mut rels = films_and_actors();
    // surrogate key, the pair unique: a junction
    rels.push(unique(
        pk(roles("castings"), &["id"]),
        "castings_pair_key",
        &["actor_id", "film_id", "character"],
    ));
    // surrogate key only: not a junction
    rels.push(pk(roles("sightings"), &["id"]));
    let c = catalog(rels, vec![]);
    let m2m: Vec<String> = c
        .relationships()
        .iter()
        .filter(|r| r.cardinality == Cardinality::ManyToMany)
        .map(render)
        .collect();
    expect![[r#"
        [
            "actors -> films M2M via castings [castings_actor_fkey id=actor_id | castings_film_fkey film_id=id]",
            "films -> actors M2M via castings [castings_film_fkey id=film_id | castings_actor_fkey actor_id=id]",
        ]
    "#]]
    .assert_debug_eq(&m2m);
}

#[test]
fn self_many_to_many() {
    let users = pk(table("users", &["id"]), &["id"]);
    let follows = fk(
        fk(
            pk(
                table("follows", &["follower", "followee"]),
                &["follower", "followee"],
            ),
            "follows_follower_fkey",
            &["follower"],
            "users",
            &["id"],
        ),
        "follows_followee_fkey",
        &["followee"],
        "users",
        &["id"],
    );
    let c = catalog(vec![users, follows], vec![]);
    let m2m: Vec<String> = c
        .relationships_between(&qn("users"), &qn("users"))
        .map(render)
        .collect();
    expect![[r#"
        [
            "users -> users M2M via follows [follows_followee_fkey id=followee | follows_follower_fkey follower=id]",
            "users -> users M2M via follows [follows_follower_fkey id=follower | follows_followee_fkey followee=id]",
        ]
    "#]]
    .assert_debug_eq(&m2m);
}

#[test]
fn nothing_reaches_past_the_exposed_schemas() {
    // films is exposed, but people and the junction live in a private schema.
    let films = pk(table("films", &["id", "producer"]), &["id"]);
    let films = fk(
        films,
        "films_producer_fkey",
        &["producer"],
        "private.people",
        &["id"],
    );
    let people = pk(table("private.people", &["id"]), &["id"]);
    let credits = fk(
        fk(
            pk(table("private.credits", &["f", "p"]), &["f", "p"]),
            "credits_f_fkey",
            &["f"],
            "films",
            &["id"],
        ),
        "credits_p_fkey",
        &["p"],
        "films",
        &["id"],
    );
    check(vec![films], vec![people, credits], expect![[""]]);
}

#[test]
fn views_stand_in_for_their_base_tables() {
    let directors = pk(table("private.directors", &["id", "name"]), &["id"]);
    let films = fk(
        pk(table("films", &["id", "director_id"]), &["id"]),
        "films_director_id_fkey",
        &["director_id"],
        "private.directors",
        &["id"],
    );
    // a view over the hidden table, showing its key twice
    let directors_view = view(
        "directors_v",
        &[
            "id=private.directors.id",
            "key=private.directors.id",
            "name=private.directors.name",
        ],
    );
    // a view over the exposed table, without its key
    let films_view = view("films_v", &["fid=films.id", "dir=films.director_id", "len"]);
    let c = catalog(vec![films, directors_view, films_view], vec![directors]);
    expect![[r#"
        directors_v -> films O2M films_director_id_fkey (fk on target) id=director_id
        directors_v -> films O2M films_director_id_fkey (fk on target) key=director_id
        directors_v -> films_v O2M films_director_id_fkey (fk on target) id=dir
        directors_v -> films_v O2M films_director_id_fkey (fk on target) key=dir
        films -> directors_v M2O films_director_id_fkey (fk on source) director_id=id
        films -> directors_v M2O films_director_id_fkey (fk on source) director_id=key
        films_v -> directors_v M2O films_director_id_fkey (fk on source) dir=id
        films_v -> directors_v M2O films_director_id_fkey (fk on source) dir=key
    "#]]
    .assert_eq(
        &(c.relationships()
            .iter()
            .map(render)
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"),
    );

    // Primary keys inferred from the base tables' (first view column showing each).
    let pk_of = |name: &str| {
        c.relation("public", name)
            .and_then(|r| r.primary_key.clone())
    };
    assert_eq!(
        pk_of("directors_v"),
        Some(PrimaryKey {
            name: "directors_pkey".into(),
            columns: vec!["id".into()],
        })
    );
    assert_eq!(
        pk_of("films_v"),
        Some(PrimaryKey {
            name: "films_pkey".into(),
            columns: vec!["fid".into()],
        })
    );
}

#[test]
fn many_to_many_through_a_junction_view() {
    let mut rels = films_and_actors();
    // the junction is hidden; its keys point to public.films / public.actors
    let hidden = vec![pk(roles("private.roles"), &["film_id", "actor_id"])];
    rels.push(view(
        "roles_v",
        &["film=private.roles.film_id", "actor=private.roles.actor_id"],
    ));
    let c = catalog(rels, hidden);
    let m2m: Vec<String> = c
        .relationships()
        .iter()
        .filter(|r| r.cardinality == Cardinality::ManyToMany)
        .map(render)
        .collect();
    expect![[r#"
        [
            "actors -> films M2M via roles_v [private.roles_actor_fkey id=actor | private.roles_film_fkey film=id]",
            "films -> actors M2M via roles_v [private.roles_film_fkey id=film | private.roles_actor_fkey actor=id]",
        ]
    "#]]
    .assert_debug_eq(&m2m);
}

#[test]
fn lookups_and_serde_round_trip() {
    let c = catalog(
        vec![
            pk(table("b", &["id"]), &["id"]),
            fk(
                pk(table("a", &["id", "b_id"]), &["id"]),
                "a_b",
                &["b_id"],
                "b",
                &["id"],
            ),
            table("other.c", &["x"]),
        ],
        vec![],
    );
    // sorted by (schema, name)
    let names: Vec<String> = c
        .relations()
        .iter()
        .map(|r| r.qualified_name().to_string())
        .collect();
    assert_eq!(names, ["other.c", "public.a", "public.b"]);
    let a = c.relation("public", "a").expect("a");
    assert_eq!(a.column("b_id").map(|c| c.name.as_str()), Some("b_id"));
    assert!(a.column("nope").is_none());
    assert!(c.relation("public", "c").is_none());
    assert_eq!(c.relationships_from(&qn("a"))[0].target, qn("b"));
    assert_eq!(c.relationships_from(&qn("b"))[0].target, qn("a"));
    assert!(c.relationships_from(&qn("other.c")).is_empty());
    assert!(c.relationships_from(&qn("missing")).is_empty());

    let json = serde_json::to_string(&c).expect("serialize");
    assert!(!json.contains("index"), "indexes are not serialized");
    let back: Catalog = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, c);
    // the index was rebuilt
    assert_eq!(back.relationships_from(&qn("a")).len(), 1);
    assert!(back.relation("other", "c").is_some());
}
