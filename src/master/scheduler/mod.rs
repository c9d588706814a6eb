//! `POST /api/v1/scheduler`: SUBSCRIBE opens the event stream; every other call must carry
//! the stream's `Mesos-Stream-Id` and answers 202 Accepted.

mod accept;
mod calls;
mod simple;

pub use accept::validate_task_id;

use super::core::Master;
use super::refusal::Refusal;
use crate::auth::Action;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use calls::{Call, Roles};
use std::sync::Arc;

pub const STREAM_ID_HEADER: &str = "Mesos-Stream-Id";

pub async fn handle(
    State(master): State<Arc<Master>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match call(&master, &headers, &body) {
        Ok(response) => response,
        Err(refusal) => {
            master.lock().counters.invalid_calls += 1;
            refuse(&refusal)
        }
    }
}

/// The answer to a refused call: its status and message (and the 401 challenge).
pub fn refuse(refusal: &Refusal) -> Response {
    let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{refusal}\n"),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static(crate::auth::WWW_AUTHENTICATE),
        );
    }
    response
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Only JSON is spoken (Mesos also takes protobuf).
pub fn require_json(headers: &HeaderMap) -> Result<(), Refusal> {
    match header_str(headers, "content-type") {
        Some(t)
            if t.split(';')
                .next()
                .is_some_and(|m| m.trim() == "application/json") =>
        {
            Ok(())
        }
        Some(t) => Err(Refusal::UnsupportedMediaType(format!(
            "Content-Type '{t}' is not supported: send application/json"
        ))),
        None => Err(Refusal::UnsupportedMediaType(
            "Expecting 'Content-Type' to be present (application/json)".into(),
        )),
    }
}

fn call(master: &Arc<Master>, headers: &HeaderMap, body: &[u8]) -> Result<Response, Refusal> {
    require_json(headers)?;
    let principal = master
        .auth
        .authenticate(header_str(headers, "authorization"))?;
    let call: Call = serde_json::from_slice(body)
        .map_err(|e| Refusal::BadRequest(format!("Failed to parse body into Call: {e}")))?;
    if call.r#type == "SUBSCRIBE" {
        return subscribe(master, headers, call, principal);
    }
    let framework_id = call
        .framework_id
        .as_ref()
        .map(|f| f.value.clone())
        .ok_or_else(|| {
            Refusal::BadRequest(format!(
                "Expecting 'framework_id' to be present in a {} call",
                call.r#type
            ))
        })?;
    check_stream(master, headers, &framework_id)?;
    let missing = |field: &str| {
        Refusal::BadRequest(format!(
            "Expecting '{field}' to be present in a {} call",
            call.r#type
        ))
    };
    match call.r#type.as_str() {
        "ACCEPT" => {
            let accept = call.accept.ok_or_else(|| missing("accept"))?;
            let principal = principal.or_else(|| claimed_principal(master, &framework_id));
            master.accept(&framework_id, accept, principal.as_deref())?
        }
        "DECLINE" => master.decline(
            &framework_id,
            call.decline.ok_or_else(|| missing("decline"))?,
        )?,
        "KILL" => master.kill(&framework_id, call.kill.ok_or_else(|| missing("kill"))?)?,
        "ACKNOWLEDGE" => master.acknowledge(
            &framework_id,
            call.acknowledge.ok_or_else(|| missing("acknowledge"))?,
        )?,
        "RECONCILE" => master.reconcile(&framework_id, call.reconcile.unwrap_or_default())?,
        "REVIVE" => master.revive(&framework_id, &Roles::list(&call.revive))?,
        "SUPPRESS" => master.suppress(&framework_id, &Roles::list(&call.suppress))?,
        "TEARDOWN" => {
            let principal = principal.or_else(|| claimed_principal(master, &framework_id));
            let owner = claimed_principal(master, &framework_id).unwrap_or_default();
            master
                .auth
                .authorize(Action::TeardownFramework, principal.as_deref(), &owner)?;
            master.remove_framework(&framework_id)
        }
        "MESSAGE"
        | "REQUEST"
        | "SHUTDOWN"
        | "ACKNOWLEDGE_OPERATION_STATUS"
        | "RECONCILE_OPERATIONS"
        | "ACCEPT_INVERSE_OFFERS"
        | "DECLINE_INVERSE_OFFERS"
        | "UPDATE_FRAMEWORK" => {
            return Err(Refusal::BadRequest(format!(
                "{} calls are not supported by this master",
                call.r#type
            )))
        }
        other => {
            return Err(Refusal::BadRequest(format!(
                "Unknown call type '{other}' (supported: SUBSCRIBE, ACCEPT, DECLINE, KILL, \
                 ACKNOWLEDGE, RECONCILE, REVIVE, SUPPRESS, TEARDOWN)"
            )))
        }
    }
    Ok(StatusCode::ACCEPTED.into_response())
}

fn claimed_principal(master: &Master, framework_id: &str) -> Option<String> {
    let st = master.lock();
    let f = st.frameworks.get(framework_id)?;
    f.principal.clone().or_else(|| f.info.principal.clone())
}

/// Mesos: a missing header is 400; a framework that is not subscribed (or whose stream is
/// another) is 403.
fn check_stream(master: &Master, headers: &HeaderMap, framework_id: &str) -> Result<(), Refusal> {
    let given = header_str(headers, STREAM_ID_HEADER).ok_or_else(|| {
        Refusal::BadRequest(format!(
            "All non-subscribe calls should include the '{STREAM_ID_HEADER}' header"
        ))
    })?;
    let st = master.lock();
    let current = st
        .frameworks
        .get(framework_id)
        .and_then(|f| f.stream.as_ref().map(|s| s.id.clone()))
        .ok_or_else(|| Refusal::Forbidden(format!("Framework {framework_id} is not subscribed")))?;
    if current != given {
        return Err(Refusal::BadRequest(format!(
            "The stream ID '{given}' included in this request didn't match the stream ID \
             currently associated with framework ID {framework_id}"
        )));
    }
    Ok(())
}

fn subscribe(
    master: &Arc<Master>,
    headers: &HeaderMap,
    call: Call,
    authenticated: Option<String>,
) -> Result<Response, Refusal> {
    if headers.contains_key(STREAM_ID_HEADER) {
        return Err(Refusal::BadRequest(format!(
            "Subscribe calls should not include the '{STREAM_ID_HEADER}' header"
        )));
    }
    let subscribe = call.subscribe.ok_or_else(|| {
        Refusal::BadRequest("Expecting 'subscribe' to be present in a SUBSCRIBE call".into())
    })?;
    let info = subscribe.framework_info;
    if let (Some(outer), Some(inner)) = (&call.framework_id, &info.id) {
        if outer != inner {
            return Err(Refusal::BadRequest(format!(
                "'framework_id' {outer} differs from 'subscribe.framework_info.id' {inner}"
            )));
        }
    }
    if let (Some(auth), Some(claimed)) = (&authenticated, &info.principal) {
        if auth != claimed {
            return Err(Refusal::Forbidden(format!(
                "framework principal '{claimed}' does not match the authenticated principal '{auth}'"
            )));
        }
    }
    let principal = authenticated.or_else(|| info.principal.clone());
    for role in info.effective_roles() {
        master
            .auth
            .authorize(Action::RegisterFramework, principal.as_deref(), role)?;
    }
    let subscription = master.subscribe(info, principal)?;
    let stream = subscription.stream.clone();
    let framework_id = subscription.framework_id.clone();
    // Heartbeats; a closed stream ends them and tells the master the framework went away.
    let watcher = master.clone();
    let interval = master.config.timing.heartbeat_interval;
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.tick().await;
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    // A stream replaced (failover) or whose framework is gone ends here:
                    // dropping the last sender ends the response.
                    if !watcher.is_current(&framework_id, &stream.id)
                        || !stream.send(&super::events::heartbeat())
                    {
                        break;
                    }
                }
                _ = stream.closed() => break,
            }
        }
        watcher.disconnected(&framework_id, &stream.id);
    });
    let events = futures_util::stream::unfold(subscription.events, |mut rx| async move {
        rx.recv()
            .await
            .map(|bytes| (Ok::<Bytes, std::convert::Infallible>(bytes), rx))
    });
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::HeaderName::from_static("mesos-stream-id"),
                subscription.stream.id.clone(),
            ),
        ],
        Body::from_stream(events),
    )
        .into_response())
}
