//! The agent's HTTP endpoints. Bodies are bounded; every failure answers with a message.

use super::api::{self, Reply};
use super::state::Agent;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Larger calls are refused (413) before they are read whole.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn router(agent: Arc<Agent>) -> Router {
    let routes = Router::new()
        .route("/api/v1", post(api_v1))
        .route("/monitor/statistics.json", get(statistics))
        .route("/monitor/statistics", get(statistics))
        .route("/metrics/snapshot", get(metrics_snapshot))
        .route("/metrics", get(metrics_prometheus))
        .route("/health", get(|| async { "OK" }))
        .route(
            crate::master::wire::RUN_TASK_PATH,
            post(super::link::run_task),
        )
        .route(
            crate::master::wire::KILL_TASK_PATH,
            post(super::link::kill_task),
        );
    crate::host::limit_bodies(routes, MAX_BODY_BYTES).with_state(agent)
}

async fn api_v1(State(agent): State<Arc<Agent>>, body: Bytes) -> Response {
    agent.counters.api_calls.fetch_add(1, Ordering::Relaxed);
    let worker = agent.clone();
    let reply = tokio::task::spawn_blocking(move || api::handle(&worker, &body))
        .await
        .unwrap_or_else(|e| Reply::error(500, format!("the call failed: {e}")));
    if reply.error.is_some() {
        agent.counters.api_errors.fetch_add(1, Ordering::Relaxed);
    }
    respond(reply)
}

fn respond(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match (reply.body, reply.error) {
        (_, Some(message)) => (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{message}\n"),
        )
            .into_response(),
        (Some(body), None) => (status, Json(body)).into_response(),
        (None, None) => status.into_response(),
    }
}

async fn statistics(State(agent): State<Arc<Agent>>) -> Response {
    let worker = agent.clone();
    let listed = tokio::task::spawn_blocking(move || worker.containerizer.containers(true)).await;
    match listed {
        Ok(containers) => Json(
            containers
                .into_iter()
                .map(|c| json!({"container_id": c.container_id, "statistics": c.statistics}))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn metrics_snapshot(State(agent): State<Arc<Agent>>) -> Response {
    let worker = agent.clone();
    match tokio::task::spawn_blocking(move || worker.metrics_snapshot()).await {
        Ok(snapshot) => Json(snapshot).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn metrics_prometheus(State(agent): State<Arc<Agent>>) -> Response {
    let worker = agent.clone();
    match tokio::task::spawn_blocking(move || worker.metrics_prometheus()).await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
