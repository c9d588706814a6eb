//! Why a call to the master was refused, with the HTTP status Mesos answers for it.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 400: the call is malformed or invalid (the message names what and why).
    #[error("{0}")]
    BadRequest(String),
    /// 401: authentication failed.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: not allowed (ACLs, a framework that is not subscribed, a stream id mismatch).
    #[error("{0}")]
    Forbidden(String),
    /// 404: the agent, framework or task is unknown.
    #[error("{0}")]
    NotFound(String),
    /// 410: an agent that was removed tries to come back under its old id.
    #[error("{0}")]
    Gone(String),
    /// 415: only JSON is spoken.
    #[error("{0}")]
    UnsupportedMediaType(String),
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadRequest(_) => 400,
            Refusal::Unauthorized(_) => 401,
            Refusal::Forbidden(_) => 403,
            Refusal::NotFound(_) => 404,
            Refusal::Gone(_) => 410,
            Refusal::UnsupportedMediaType(_) => 415,
        }
    }
}

impl From<crate::auth::Denied> for Refusal {
    fn from(denied: crate::auth::Denied) -> Refusal {
        Refusal::Forbidden(denied.to_string())
    }
}

impl From<crate::auth::AuthError> for Refusal {
    fn from(e: crate::auth::AuthError) -> Refusal {
        match e.status_code() {
            401 => Refusal::Unauthorized(e.to_string()),
            _ => Refusal::Forbidden(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_as_mesos_answers_them() {
        assert_eq!(Refusal::BadRequest("x".into()).status(), 400);
        assert_eq!(Refusal::Unauthorized("x".into()).status(), 401);
        assert_eq!(Refusal::Forbidden("x".into()).status(), 403);
        assert_eq!(Refusal::NotFound("x".into()).status(), 404);
        assert_eq!(Refusal::Gone("x".into()).status(), 410);
        assert_eq!(Refusal::UnsupportedMediaType("x".into()).status(), 415);
        assert_eq!(
            Refusal::BadRequest("the reason".into()).to_string(),
            "the reason"
        );
    }
}
