//! The admin listener: `/live` (the process answers) and `/ready` (the schema is loaded and the
//! database answers). Kept off the API port so a load balancer's probes and an operator's
//! metrics never share a port with clients.

use actix_web::{HttpResponse, web};

use crate::startup::AppState;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/live", web::get().to(live))
        .route("/ready", web::get().to(ready));
}

async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "live" }))
}

async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let relations = state.catalog().relations().len();
    let database = match state.connection().await {
        Ok(client) => client
            .simple_query("select 1")
            .await
            .map_err(|err| pg::describe(&err)),
        Err(err) => Err(err.to_string()),
    };
    match database {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({
            "status": "ready",
            "relations": relations,
        })),
        Err(detail) => {
            tracing::warn!(%detail, "not ready: database unreachable");
            HttpResponse::ServiceUnavailable()
                .insert_header((actix_web::http::header::RETRY_AFTER, "5"))
                .json(serde_json::json!({ "status": "unavailable", "reason": "database unreachable" }))
        }
    }
}
