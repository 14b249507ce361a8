//! The kit itself: fresh databases, the app role's rights, TLS, cleanup.

use gatehouse_testkit::{APP_ROLE, TestDatabase};

#[tokio::test]
async fn fresh_database_over_verified_tls_as_the_app_role() {
    let db = TestDatabase::new().await;
    assert!(db.name().starts_with("gh_test_"));
    let app = db.app_client().await;
    let row = app
        .query_one("select current_user::text, current_database()::text", &[])
        .await
        .expect("query");
    assert_eq!(row.get::<_, String>(0), APP_ROLE);
    assert_eq!(row.get::<_, String>(1), db.name());

    let tls = pg::tls_status(&app).await.expect("tls status");
    assert!(tls.ssl, "{tls:?}");
    assert_eq!(db.app_options().ssl_mode(), pg::SslMode::VerifyFull);
    assert_eq!(db.app_options().effective_ca_file(), Some(db.ca_file()));
    assert!(db.ca_file().is_file());
}

#[tokio::test]
async fn app_role_has_no_special_privileges() {
    let db = TestDatabase::new().await;
    let admin = db.admin_client().await;
    let row = admin
        .query_one(
            "select rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolcanlogin \
             from pg_catalog.pg_roles where rolname = $1",
            &[&APP_ROLE],
        )
        .await
        .expect("query");
    let flags: (bool, bool, bool, bool, bool) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    assert_eq!(flags, (false, false, false, false, true));
}

#[tokio::test]
async fn template_has_pgcrypto() {
    let db = TestDatabase::new().await;
    let app = db.app_client().await;
    let row = app
        .query_one(
            "select pgp_sym_decrypt(pgp_sym_encrypt($1, $2), $2), crypt($1, gen_salt('bf', 4))",
            &[&"plain", &"key"],
        )
        .await
        .expect("pgcrypto is installed in the template");
    assert_eq!(row.get::<_, String>(0), "plain");
    assert!(row.get::<_, String>(1).starts_with("$2a$04$"));
}

#[tokio::test]
async fn schema_is_owned_by_admin_until_granted() {
    let db = TestDatabase::with_schema(
        "create schema shop;
         create table shop.items (id bigserial primary key, name text not null);",
    )
    .await;
    let app = db.app_client().await;
    let denied = app.query("select * from shop.items", &[]).await;
    let err = denied.expect_err("the app role has no rights before grant_app");
    assert_eq!(
        err.code(),
        Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
    );

    db.grant_app(&["shop"]).await;
    app.execute("insert into shop.items (name) values ($1)", &[&"pen"])
        .await
        .expect("insert after grant (the sequence too)");
    let n: i64 = app
        .query_one("select count(*) from shop.items", &[])
        .await
        .expect("select")
        .get(0);
    assert_eq!(n, 1);
    let ddl = app.batch_execute("drop table shop.items").await;
    assert!(ddl.is_err(), "the app role does not own the table");
}

#[tokio::test]
async fn databases_are_isolated_and_dropped() {
    let a = TestDatabase::with_schema("create table t (x int); insert into t values (1);").await;
    let b = TestDatabase::new().await;
    assert_ne!(a.name(), b.name());
    let missing = b.admin_client().await.query("select * from t", &[]).await;
    assert_eq!(
        missing.expect_err("t exists only in a").code(),
        Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE)
    );

    let name = a.name().to_owned();
    let observer = b.admin_client().await;
    let exists = |n: String| {
        let observer = &observer;
        async move {
            observer
                .query_opt(
                    "select 1 from pg_catalog.pg_database where datname = $1",
                    &[&n],
                )
                .await
                .expect("query")
                .is_some()
        }
    };
    assert!(exists(name.clone()).await);
    let _held = a.app_client().await;
    drop(a);
    assert!(!exists(name).await, "dropped with its sessions");
}

#[tokio::test]
async fn app_url_round_trips() {
    let db = TestDatabase::new().await;
    let url = db.app_url();
    assert!(url.contains("sslmode=verify-full"));
    assert!(url.contains("sslrootcert="));
    let opts = pg::ConnectOptions::from_url(&url).expect("parse app_url");
    let client = pg::connect(&opts).await.expect("connect with app_url");
    let user: String = client
        .query_one("select current_user::text", &[])
        .await
        .expect("query")
        .get(0);
    assert_eq!(user, APP_ROLE);
}
