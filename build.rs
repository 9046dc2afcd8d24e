//! Marks the PostgreSQL half of the API tests `#[ignore]`d when there is no server to run it on,
//! so that `cargo test` reports it as ignored rather than as passed (tests/api/common.rs,
//! `on_both_backends!`). The variable is read here, at build time, because `#[ignore]` is decided
//! when the tests are compiled; cargo rebuilds the tests whenever it changes.
//!
//! With `QORGAU_REQUIRE_POSTGRES=1` (CI) nothing is ignored: without a URL the PostgreSQL tests
//! then run and fail.
//!
//! Likewise the S3 half of the document tests needs `moto_server` (PyPI's `moto[server]`) on the
//! `PATH`: without it they are ignored, unless `QORGAU_REQUIRE_S3=1` (CI), where they run and fail.

use std::env;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=QORGAU_TEST_DATABASE_URL");
    println!("cargo::rerun-if-env-changed=QORGAU_REQUIRE_POSTGRES");
    println!("cargo::rustc-check-cfg=cfg(qorgau_no_test_postgres)");
    let url = env::var("QORGAU_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty());
    let required = env::var("QORGAU_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    if !url && !required {
        println!("cargo::rustc-cfg=qorgau_no_test_postgres");
    }

    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=QORGAU_REQUIRE_S3");
    println!("cargo::rustc-check-cfg=cfg(qorgau_no_moto)");
    let moto = env::var_os("PATH")
        .is_some_and(|path| env::split_paths(&path).any(|dir| dir.join("moto_server").is_file()));
    let s3_required = env::var("QORGAU_REQUIRE_S3").is_ok_and(|v| v == "1");
    if !moto && !s3_required {
        println!("cargo::rustc-cfg=qorgau_no_moto");
    }
}
