//! Integration tests over real TCP: one binary, one module per concern.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod account;
mod binary;
mod companion;
mod controls;
mod cors;
mod e2e;
mod fidelity;
mod hardening;
mod hardening3;
mod https;
mod interop;
mod limits;
mod newcomer;
mod openapi;
mod releases;
mod responses;
mod routing;
mod schemas;
mod upstream;
mod verify;
mod versions;
