//! The master's HTTP routes.

use super::core::Master;
use super::refusal::Refusal;
use super::scheduler::refuse;
use super::wire::{self, Ping, RegisterAgent, StatusUpdate};
use super::{metrics, operator, scheduler};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Larger calls are refused (413) before they are read whole.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

pub fn router(master: Arc<Master>) -> Router {
    let routes = Router::new()
        .route("/api/v1/scheduler", post(scheduler::handle))
        .route("/api/v1", post(api_v1))
        .route("/master/state", get(state))
        .route("/master/state.json", get(state))
        .route("/state", get(state))
        .route(
            "/master/tasks",
            get(|State(m): State<Arc<Master>>| async move { Json(operator::tasks_json(&m)) }),
        )
        .route(
            "/master/roles",
            get(|State(m): State<Arc<Master>>| async move { Json(operator::roles_json(&m)) }),
        )
        .route(
            "/metrics/snapshot",
            get(|State(m): State<Arc<Master>>| async move { Json(metrics::snapshot(&m)) }),
        )
        .route("/metrics", get(prometheus))
        .route("/health", get(|| async { "OK" }))
        .route("/version", get(version))
        .route("/master/health", get(|| async { "OK" }))
        .route(wire::REGISTER_PATH, post(register))
        .route(wire::PING_PATH, post(ping))
        .route(wire::STATUS_PATH, post(status));
    crate::host::limit_bodies(routes, MAX_BODY_BYTES).with_state(master)
}

/// `/master/state` and its older names `/master/state.json` and `/state`.
async fn state(State(m): State<Arc<Master>>) -> Json<serde_json::Value> {
    Json(operator::state_json(&m))
}

async fn prometheus(State(m): State<Arc<Master>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics::prometheus(&metrics::snapshot(&m)),
    )
        .into_response()
}

async fn api_v1(State(m): State<Arc<Master>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = scheduler::require_json(&headers).and_then(|()| operator::api_v1(&m, &body));
    match result {
        Ok(Some(answer)) => Json(answer).into_response(),
        Ok(None) => StatusCode::OK.into_response(),
        Err(refusal) => refuse(&refusal),
    }
}

fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, Refusal> {
    serde_json::from_slice(body).map_err(|e| Refusal::BadRequest(format!("invalid {what}: {e}")))
}

async fn register(State(m): State<Arc<Master>>, body: Bytes) -> Response {
    match parse::<RegisterAgent>(&body, "agent registration").and_then(|r| m.register_agent(r)) {
        Ok(registered) => Json(registered).into_response(),
        Err(refusal) => refuse(&refusal),
    }
}

async fn ping(State(m): State<Arc<Master>>, body: Bytes) -> Response {
    match parse::<Ping>(&body, "ping").and_then(|p| m.ping(&p)) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(refusal) => refuse(&refusal),
    }
}

async fn status(State(m): State<Arc<Master>>, body: Bytes) -> Response {
    match parse::<StatusUpdate>(&body, "status update").and_then(|u| m.agent_status(u)) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(refusal) => refuse(&refusal),
    }
}

/// pymesos reads `version` and, from 1.0.0 on, asks for GPU_RESOURCES; modkit speaks the
/// 1.x v1 API.
async fn version() -> Response {
    Json(serde_json::json!({
        "version": "1.11.0",
        "modkit_version": env!("CARGO_PKG_VERSION"),
    }))
    .into_response()
}
