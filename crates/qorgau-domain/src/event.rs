//! Domain events (issue 23, docs/integration.md): what other systems may learn happened, in
//! the order it was committed — the feed `GET /api/v1/events` and the webhooks deliver them.
//! An event names its type, when, where (region, district) and the records by id, with a small
//! payload of codes: never a name, a description or other free text.

crate::code_enum! {
    /// The type of a domain event.
    pub enum EventType {
        /// A signal was filed.
        SignalReceived = "signal.received",
        /// A signal was triaged onto a case: a new one (`status: case_opened`) or the child's
        /// open case (`status: linked`).
        SignalTriaged = "signal.triaged",
        /// A signal was screened out.
        SignalScreenedOut = "signal.screened_out",
        CaseOpened = "case.opened",
        /// The case has a new assignee (at triage, by the protocol, or by a supervisor).
        CaseAssigned = "case.assigned",
        /// The receiving region accepted the case's transfer.
        CaseTransferred = "case.transferred",
        CaseClosed = "case.closed",
        CaseReopened = "case.reopened",
        /// A referral was made (by the case team or by the protocol).
        ReferralSent = "referral.sent",
        ReferralAccepted = "referral.accepted",
        ReferralDeclined = "referral.declined",
        ReferralCompleted = "referral.completed",
        ReferralWithdrawn = "referral.withdrawn",
        /// The commission decided a matter of the case.
        CommissionDecision = "commission.decision",
        /// A deadline of the case lapsed and was escalated to the region's supervisors.
        DeadlineEscalated = "deadline.escalated",
    }
}

impl EventType {
    /// The status events of a signal: all that its filer (an integration account) is told.
    pub fn is_signal_status(self) -> bool {
        matches!(
            self,
            EventType::SignalReceived | EventType::SignalTriaged | EventType::SignalScreenedOut
        )
    }
}

/// The header a webhook delivery is signed in.
pub const SIGNATURE_HEADER: &str = "Qorgau-Signature";

/// The signature of a webhook delivery's `body` sent at `timestamp` (Unix seconds) with
/// `secret`: `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` — the value of
/// [`SIGNATURE_HEADER`]. Signing the timestamp with the body lets a receiver refuse a replayed
/// delivery older than its window (docs/integration.md § Verifying a delivery).
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        crate::audit::hex(&mac(secret, timestamp, body))
    )
}

/// Does `header` (a [`SIGNATURE_HEADER`] value) sign `body` with `secret`, at most
/// `window_seconds` away from `now` (Unix seconds)? What a receiver checks; compared in
/// constant time.
pub fn verify(secret: &[u8], header: &str, body: &[u8], now: i64, window_seconds: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v.to_string()),
            _ => {}
        }
    }
    let Some(t) = timestamp else {
        return false;
    };
    if (now - t).abs() > window_seconds {
        return false;
    }
    signatures.iter().any(|v| {
        use hmac::Mac;
        let Some(bytes) = unhex(v) else {
            return false;
        };
        let Ok(mut m) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret) else {
            return false;
        };
        m.update(format!("{t}.").as_bytes());
        m.update(body);
        m.verify_slice(&bytes).is_ok()
    })
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Vec<u8> {
    use hmac::Mac;
    // HMAC takes a key of any length: the error case does not happen.
    let Ok(mut m) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret) else {
        return Vec::new();
    };
    m.update(format!("{timestamp}.").as_bytes());
    m.update(body);
    m.finalize().into_bytes().to_vec()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_secret_only_and_within_its_window() {
        let body = br#"{"id":"e1","type":"signal.triaged"}"#;
        let header = signature(b"s3cret", 1_700_000_000, body);
        assert!(header.starts_with("t=1700000000,v1="));
        assert!(verify(b"s3cret", &header, body, 1_700_000_100, 300));
        assert!(!verify(b"wrong", &header, body, 1_700_000_100, 300));
        assert!(!verify(b"s3cret", &header, b"{}", 1_700_000_100, 300));
        assert!(
            !verify(b"s3cret", &header, body, 1_700_000_400, 300),
            "replayed"
        );
        assert!(!verify(b"s3cret", "t=x,v1=zz", body, 1_700_000_000, 300));
    }

    #[test]
    fn codes_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::from_code(t.as_str()), Some(t));
        }
        assert_eq!(
            EventType::ALL
                .iter()
                .filter(|t| t.is_signal_status())
                .count(),
            3
        );
    }
}
