//! The integration suite: every journey against a real app server on SQLite or PostgreSQL
//! (`PEERLOOP_TEST_DB`). One test binary, so the server is linked once per build.

mod common;

mod accounts;
mod booking;
mod catalog;
mod hardening;
mod ladder;
mod late_payments;
mod ledger;
mod openapi;
mod outbox;
mod payments;
mod pending_refunds;
mod recordings;
mod rooms;
mod session_payments;
mod settling;
mod video;
