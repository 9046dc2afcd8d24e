//! argon2id password hashes with the crate's defaults: m = 19 MiB, t = 2, p = 1 (OWASP's
//! recommendation, and targets.md § Security).
//!
//! Each hash fills 19 MiB. argon2's own entry points allocate and free that memory every time,
//! and glibc's malloc does not reuse such large aligned blocks well: measured, a server at
//! 44 MB grew by ~19 MB per login (165 MB after five, 260 MB after twenty-five). Here logins
//! verify on a fixed set of threads (one per core), each keeping one 19 MiB buffer that it
//! reuses: the memory is bounded, and a burst of logins (or a password-guessing flood from many
//! addresses) waits in their queue instead of claiming memory and cores per request. Hashing a
//! new password (rare: an administrator's act) uses a buffer of its own.

use std::sync::{Arc, LazyLock, Mutex, OnceLock, mpsc};

use argon2::password_hash;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::oneshot;

use crate::error::AppError;

/// argon2 of `password` and `salt` into `out`, in `memory` (grown to the parameters' size).
fn argon2_into(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    memory: &mut Vec<Block>,
) -> Result<(), argon2::Error> {
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password,
        salt,
        out,
        &mut memory[..blocks],
    )
}

/// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for `password`.
pub fn hash(password: &str) -> Result<String, AppError> {
    hash_in(password, &mut Vec::new())
}

/// [`hash`] in the caller's reused memory.
fn hash_in(password: &str, memory: &mut Vec<Block>) -> Result<String, AppError> {
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::Internal
    };
    let params = Params::default();
    let salt = password_hash::try_generate_salt().map_err(|e| failed(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let (algorithm, version) = (Algorithm::Argon2id, Version::V0x13);
    argon2_into(
        algorithm,
        version,
        params.clone(),
        password.as_bytes(),
        &salt,
        &mut out,
        memory,
    )
    .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| failed(&e))?),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` hashes to `stored` (a PHC string), compared in constant time.
fn matches(password: &str, stored: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(phc.algorithm.as_str()),
        Version::try_from(phc.version.unwrap_or(Version::V0x13.into())),
        Params::try_from(&phc),
    ) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    argon2_into(
        algorithm,
        version,
        params,
        password.as_bytes(),
        salt.as_ref(),
        &mut out,
        memory,
    )
    .is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == *expected)
}

/// Checks `password` against a stored hash. With no hash (unknown user) it verifies against a
/// dummy, so an unknown username costs the same time as a wrong password and cannot be told
/// apart by timing.
#[cfg(test)]
fn verify(password: &str, stored: Option<&str>) -> bool {
    verify_in(password, stored, &mut Vec::new())
}

/// [`verify`] in the caller's reused memory.
fn verify_in(password: &str, stored: Option<&str>, memory: &mut Vec<Block>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    match stored {
        Some(stored) => matches(password, stored, memory),
        None => {
            let dummy =
                DUMMY.get_or_init(|| hash_in("qorgau-dummy-password", memory).unwrap_or_default());
            matches(password, dummy, memory);
            false
        }
    }
}

/// The login verification threads' queue.
static VERIFIERS: LazyLock<mpsc::Sender<Verification>> = LazyLock::new(|| {
    let (jobs, queue) = mpsc::channel::<Verification>();
    let queue = Arc::new(Mutex::new(queue));
    for n in 0..std::thread::available_parallelism().map_or(2, |n| n.get()) {
        let queue = Arc::clone(&queue);
        let spawned = std::thread::Builder::new()
            .name(format!("verify-{n}"))
            .spawn(move || {
                let mut memory = Vec::new();
                while let Ok((password, stored, answer)) = next(&queue) {
                    let _ = answer.send(verify_in(&password, stored.as_deref(), &mut memory));
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start a password verification thread");
        }
    }
    jobs
});

type Verification = (String, Option<String>, oneshot::Sender<bool>);

/// The next job; the lock is held only to take it, not while verifying.
fn next(queue: &Mutex<mpsc::Receiver<Verification>>) -> Result<Verification, mpsc::RecvError> {
    queue.lock().map_err(|_| mpsc::RecvError)?.recv()
}

/// [`verify`] on one of the verification threads, in turn.
pub async fn verify_queued(password: String, stored: Option<String>) -> Result<bool, AppError> {
    let (answer, verdict) = oneshot::channel();
    VERIFIERS
        .send((password, stored, answer))
        .map_err(|_| AppError::Internal)?;
    verdict.await.map_err(|_| AppError::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_the_target_cost_and_verify() {
        let h = hash("correct horse battery").expect("hashes");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", Some(&h)));
        assert!(!verify("wrong horse battery", Some(&h)));
        assert!(!verify("qorgau-dummy-password", None));
        assert!(!verify("correct horse battery", Some("not a PHC string")));
    }

    #[test]
    fn hashes_made_by_the_argon2_crate_itself_verify() {
        use argon2::password_hash::PasswordHasher;
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery")
            .expect("hashes")
            .to_string();
        assert!(verify("correct horse battery", Some(&theirs)));
        assert!(!verify("wrong horse battery", Some(&theirs)));
        let ours = hash("correct horse battery").expect("hashes");
        assert_ne!(
            ours,
            hash("correct horse battery").expect("hashes"),
            "salted"
        );
    }

    #[tokio::test]
    async fn logins_verify_on_the_queue() {
        let h = hash("correct horse battery").expect("hashes");
        let ok = |v: Result<bool, AppError>| v.unwrap_or_else(|_| panic!("verification failed"));
        assert!(ok(verify_queued(
            "correct horse battery".into(),
            Some(h.clone())
        )
        .await));
        assert!(!ok(
            verify_queued("wrong horse battery".into(), Some(h)).await
        ));
        assert!(!ok(
            verify_queued("qorgau-dummy-password".into(), None).await
        ));
    }
}
