//! Access tokens are short-lived HS256 JWTs that carry the caller's role and place, so most
//! requests need no user lookup; each names its login (`sid`), which logout and refresh-token
//! reuse revoke. Refresh tokens are the application's (`qorgau_app::sessions`).

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use qorgau_domain::access::Actor;
use qorgau_domain::ids::{OrganisationId, SessionId, UserId};
use qorgau_domain::role::Role;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: UserId,
    sid: SessionId,
    role: Role,
    org: OrganisationId,
    region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    district: Option<String>,
    iat: i64,
    exp: i64,
}

/// Seconds an access token is still accepted after its `exp`: the small allowance for clock
/// skew between instances that jsonwebtoken's `leeway` gave before expiry was read from the
/// application's clock.
const EXPIRY_LEEWAY_SECONDS: i64 = 5;

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl: chrono::Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl: chrono::Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is compared with the application's clock in `verify`, not with the system
        // clock that jsonwebtoken would read, so that the clock tests move reaches tokens too.
        // `exp` stays a required claim.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
        }
    }

    pub fn access_ttl_seconds(&self) -> i64 {
        self.access_ttl.num_seconds()
    }

    pub fn issue(
        &self,
        actor: &Actor,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let claims = Claims {
            sub: actor.user_id,
            sid: session,
            role: actor.role,
            org: actor.organisation_id,
            region: actor.region_code.clone(),
            district: actor.district_code.clone(),
            iat: now.timestamp(),
            exp: (now + self.access_ttl).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| {
            tracing::error!(error = %e, "token signing failed");
            ApiError::Internal
        })
    }

    /// The caller and their login, if the token is genuine and unexpired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<(Actor, SessionId)> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        // As jsonwebtoken's own check was: expired once `exp` is more than the leeway past.
        if claims.exp < now.timestamp() - EXPIRY_LEEWAY_SECONDS {
            return None;
        }
        let actor = Actor {
            user_id: claims.sub,
            role: claims.role,
            organisation_id: claims.org,
            region_code: claims.region,
            district_code: claims.district,
        };
        Some((actor, claims.sid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn actor() -> Actor {
        Actor {
            user_id: UserId::new(),
            role: Role::Supervisor,
            organisation_id: OrganisationId::new(),
            region_code: "KZ-71".into(),
            district_code: None,
        }
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_actor() {
        let keys = TokenKeys::new(&[7; 32], chrono::Duration::minutes(15));
        let (a, sid) = (actor(), SessionId::new());
        let now = Utc::now();
        let token = keys.issue(&a, sid, now).expect("signs");
        assert_eq!(keys.verify(&token, now), Some((a, sid)));
    }

    #[test]
    fn tokens_expire_by_the_time_given_not_the_system_clock() {
        let keys = TokenKeys::new(&[7; 32], chrono::Duration::minutes(15));
        let issued = Utc
            .with_ymd_and_hms(2025, 3, 3, 4, 0, 0)
            .single()
            .expect("valid");
        let token = keys
            .issue(&actor(), SessionId::new(), issued)
            .expect("signs");
        let exp = issued + chrono::Duration::minutes(15);
        // Years before the system clock's now, the token is still valid at its own time.
        assert!(keys.verify(&token, issued).is_some());
        assert!(keys.verify(&token, exp).is_some());
        let leeway = chrono::Duration::seconds(EXPIRY_LEEWAY_SECONDS);
        assert!(keys.verify(&token, exp + leeway).is_some(), "the leeway");
        assert_eq!(
            keys.verify(&token, exp + leeway + chrono::Duration::seconds(1)),
            None
        );
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_refused() {
        let keys = TokenKeys::new(&[7; 32], chrono::Duration::minutes(15));
        let now = Utc::now();
        let old = keys
            .issue(&actor(), SessionId::new(), now - chrono::Duration::hours(1))
            .expect("signs");
        assert_eq!(keys.verify(&old, now), None);
        let other = TokenKeys::new(&[8; 32], chrono::Duration::minutes(15));
        let foreign = other.issue(&actor(), SessionId::new(), now).expect("signs");
        assert_eq!(keys.verify(&foreign, now), None);
        assert_eq!(keys.verify("not.a.jwt", now), None);
    }
}
